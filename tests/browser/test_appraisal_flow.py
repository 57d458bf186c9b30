"""先评估评审、后安排预算 in a real browser: a unit assesses a new project above the threshold from the
worklist (live total and band), the finance bureau concludes 予以支持, the 评审中心 records 送审/审定/审减
(the page works out the third and flags a mismatch, which the server refuses with the figures), the four
members of the 联评联审 panel sign, and then the project is admitted and budgeted — but not above 审定."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from jixiao.appraisals.models import Assessment, BudgetReview
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from tests.browser.test_goal_flow import as_user
from tests.world import pass_goal

pytestmark = pytest.mark.browser

PANEL = [("budget", "预算科"), ("performance", "绩效管理"), ("sector", "归口科室"), ("review_center", "预算评审中心")]


def test_assessment_review_panel_and_budget(page: Page, live_server, live_world, shot):
    base = live_server.url
    w = live_world
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    project = project_services.create_project(
        actor=w.users["performance"],
        data=project_services.ProjectInput(
            code="141129-JY-01-XX",
            name="智慧校园信息化建设项目",
            owner=w.orgs["c1.unit_a"],
            fiscal_year=2026,
            category=Project.Category.SPECIFIC,
            amount_requested=Decimal("6000000.00"),
        ),
    )
    project_services.transition_project(actor=w.users["unit"], project=project, action="submit")

    # The unit finds the project on its worklist with the reason, and assesses it itself.
    as_user(page, base, "unit", w)
    page.get_by_role("link", name="事前评估", exact=True).click()
    row = page.locator(f'#worklist-rows tr[data-project="{project.pk}"]')
    expect(row).to_contain_text("新增项目 · 特定目标类 · 申报600.00万元 ≥ 500.00万元")
    expect(row.locator("[data-state]")).to_have_text("未评估")
    row.get_by_role("link", name="开始评估").click()
    page.get_by_label("单位自评估").check()
    page.get_by_role("button", name="发起评估").click()
    expect(page.locator(".alert-success")).to_contain_text("已发起")

    # Scores: the total and its band follow what is typed.
    scores = page.locator("[data-score]")
    expect(scores).to_have_count(16)
    for n in range(scores.count()):
        field = scores.nth(n)
        field.fill(field.get_attribute("data-points"))
    expect(page.locator("#assessment-total")).to_have_text("100.00")
    scores.nth(0).fill("1")  # 目的明确 5 → 1
    scores.nth(4).fill("2")  # 预算科学性 10 → 2
    expect(page.locator("#assessment-total")).to_have_text("88.00")
    expect(page.locator("#assessment-band")).to_have_text("予以支持")
    scores.nth(5).fill("0")  # 经济合理性 10 → 0: 78, the next band down
    expect(page.locator("#assessment-band")).to_have_text("调整完善后予以支持")
    scores.nth(5).fill("10")
    for box in page.locator('#materials input[type="checkbox"]').all():
        box.check()
    shot("appraisal-scoring")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交评估").click()
    expect(page.locator(".alert-success")).to_contain_text("总分88.00分，按分档为“予以支持”")
    assessment = Assessment.objects.get(project=project)

    # The finance bureau concludes by the bands.
    as_user(page, base, "performance", w)
    page.goto(f"{base}/appraisals/{assessment.pk}/")
    page.get_by_role("button", name="出具评估结论").click()
    expect(page.locator("#assessment-status")).to_contain_text("予以支持")
    expect(page.locator("#passing")).to_be_visible()

    # The 评审中心: 送审 comes from the request; 审定 typed, 审减 follows; a wrong 审减 is flagged and refused.
    as_user(page, base, "review_center", w)
    page.goto(f"{base}/appraisals/project/{project.pk}/review/")
    expect(page.get_by_label("送审金额（万元）")).to_have_value("600")
    page.get_by_label("审定金额（万元）").fill("480")
    expect(page.get_by_label("审减金额（万元）")).to_have_value("120")
    expect(page.locator("#invariant")).to_contain_text("送审 600 = 审定 480 + 审减 120（万元），审减率 20.00%")
    page.get_by_label("审减金额（万元）").fill("100")
    expect(page.locator("#invariant")).to_contain_text("不相等")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator("#review-form")).to_contain_text(
        "送审金额6,000,000.00元 ≠ 审定金额4,800,000.00元 + 审减金额1,000,000.00元"
    )
    assert not BudgetReview.objects.filter(project=project).exists()
    page.get_by_label("审减金额（万元）").fill("120")
    expect(page.locator("#invariant")).to_contain_text("审减率 20.00%")
    page.get_by_role("button", name="保存并提交会签").click()
    expect(page.locator("#review-status")).to_have_text("会签中")
    shot("appraisal-review-signing")

    # Each member of the panel signs in the role they hold.
    for key, label in PANEL:
        as_user(page, base, key, w)
        page.goto(f"{base}/appraisals/project/{project.pk}/review/")
        member = page.locator(f'[data-panel-role="{key}"]')
        expect(page.get_by_role("button", name=re.compile("^以.*签署$"))).to_have_count(1)
        member.get_by_role("button", name=f"以{label}签署").click()
        expect(member.locator("[data-signed]")).to_be_visible()
    expect(page.locator(".alert-success")).to_contain_text("联评联审小组已全部签署，评审定稿")
    expect(page.locator("#review-status")).to_have_text("已定稿")
    shot("appraisal-review-final")

    # Now the project may enter the library; its budget may not exceed 审定.
    pass_goal(w, Project.objects.get(pk=project.pk))
    as_user(page, base, "budget", w)
    page.goto(f"{base}/projects/{project.pk}/")
    expect(page.locator("#project-appraisal")).to_contain_text("审定 480.00")
    page.get_by_role("button", name="纳入项目库").click()
    expect(page.locator("#project-status")).to_have_text("已入库")
    page.get_by_placeholder("默认同申报金额").fill("500")
    page.get_by_role("button", name="批复预算").click()
    expect(page.locator(".alert-danger")).to_contain_text("批复金额500.00万元超过预算评审审定金额480.00万元")
    expect(page.locator("#project-status")).to_have_text("已入库")
    page.get_by_placeholder("默认同申报金额").fill("480")
    page.get_by_role("button", name="批复预算").click()
    expect(page.locator("#project-status")).to_have_text("已批复")
    assert errors == []
