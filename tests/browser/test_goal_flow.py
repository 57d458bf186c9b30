"""A goal from declaration to budget approval in a real browser, through a four-step review chain with a
return for revision; and the budget gate's message for a project without a goal."""

import re

import pytest
from playwright.sync_api import Page, expect

from jixiao.goals.models import Goal
from jixiao.orgs import services as org_services
from jixiao.projects import services as project_services
from tests.browser.test_project_flow import sign_in

pytestmark = pytest.mark.browser

CHAIN = [
    {"step": "主管部门审核", "role": "department"},
    {"step": "职能股室复核", "role": "sector"},
    {"step": "评审中心复审", "role": "review_center"},
    {"step": "预算股终审", "role": "budget"},
]


def as_user(page: Page, base: str, key: str, world) -> None:
    page.context.clear_cookies()
    sign_in(page, base, f"t_{key}", world.password)


def row(page: Page, n: int):
    return page.locator("#indicator-table tbody tr[data-formset-row]").nth(n)


def review(page: Page, base: str, goal: Goal, result: str, comment: str = "") -> None:
    page.goto(f"{base}/goals/{goal.pk}/review/")
    page.get_by_label("完整性").fill("目标内容完整")
    page.get_by_label("可行性").fill("措施可行")
    page.locator(f'input[name="result"][value="{result}"]').check()
    if comment:
        page.get_by_label("审核意见（需补充完善事项）").fill(comment)
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator(".alert-success")).to_contain_text(f"已审核“{goal}”：{result}")


def test_goal_through_a_four_step_chain_to_the_budget(page: Page, live_server, live_world, shot):
    base = live_server.url
    w = live_world
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    org_services.set_rule(
        actor=w.users["performance"],
        key="goals.review_chain",
        region=w.regions["c1"],
        fiscal_year=None,
        value=CHAIN,
        source="《中阳县预算绩效目标管理办法》",
    )
    project = w.projects["c1.unit_a.P1"]

    # The unit declares the goal from the project page.
    as_user(page, base, "unit", w)
    page.goto(f"{base}/projects/{project.pk}/")
    expect(page.locator("#project-goal-status")).to_contain_text("尚未申报")
    page.get_by_role("link", name="申报/编辑绩效目标").click()
    page.get_by_label("年度目标").fill("完成校舍维修改造1200平方米，消除安全隐患。")

    # Typing 「≥50个」 fills 指标性质 and 计量单位.
    first = row(page, 0)
    first.locator("[data-level2]").select_option("数量指标")
    first.locator('[name$="-name"]').fill("维修教室数量")
    first.locator("[data-target]").fill("≥50个")
    expect(first.locator("[data-operator]")).to_have_value("≥")
    expect(first.locator("[data-unit]")).to_have_value("个")

    # A vague target is flagged live, at its row.
    second = row(page, 1)
    second.locator("[data-level2]").select_option("社会效益指标")
    second.locator('[name$="-name"]').fill("教学条件")
    second.locator("[data-target]").fill("有所提升")
    expect(page.locator("#goal-findings")).to_contain_text("有所提升")
    expect(second).to_have_class(re.compile(r"table-(danger|warning)"))
    shot("goal-edit-vague-target")

    # Fixing it clears the finding.
    second.locator('[name$="-name"]').fill("校舍安全隐患消除率")
    second.locator("[data-target]").fill("=100%")
    third = row(page, 2)
    third.locator("[data-level2]").select_option("服务对象满意度指标")
    third.locator('[name$="-name"]').fill("师生满意度")
    third.locator("[data-target]").fill("≥90%")
    expect(page.locator("#goal-findings")).not_to_contain_text("有所提升")
    expect(page.locator("#findings-summary .text-bg-danger")).to_have_count(0)
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#goal-status")).to_contain_text("审核中")
    goal = Goal.objects.get(project=project)

    # Step 1 passes; step 2 returns it with 中 and a comment.
    as_user(page, base, "department", w)
    review(page, base, goal, "优")
    as_user(page, base, "sector", w)
    review(page, base, goal, "中", comment="满意度指标须写明调查方式")

    # The unit sees the comment, revises and resubmits.
    as_user(page, base, "unit", w)
    page.goto(f"{base}/goals/{goal.pk}/")
    expect(page.locator("#goal-status")).to_contain_text("退回修改")
    expect(page.locator("#review-history")).to_contain_text("满意度指标须写明调查方式")
    shot("goal-returned")
    page.get_by_role("link", name="编辑").click()
    row(page, 2).locator('[name$="-explanation"]').fill("问卷调查，抽样不少于200人")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#goal-status")).to_contain_text("审核中")

    # Step 1 again, through the inbox's batch approval.
    as_user(page, base, "department", w)
    page.get_by_role("link", name="待我审核").click()
    page.locator(f'#inbox-rows input[name="goals"][value="{goal.pk}"]').check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="批量通过").click()
    expect(page.locator(".alert-success")).to_contain_text("已批量审核1个")

    for key, result in (("sector", "优"), ("review_center", "良"), ("budget", "优")):
        as_user(page, base, key, w)
        review(page, base, goal, result)
    goal.refresh_from_db()
    assert goal.status == Goal.Status.PASSED
    page.goto(f"{base}/goals/{goal.pk}/")
    expect(page.locator("#review-history [data-review-step]")).to_have_count(6)  # 2 steps, then 4
    shot("goal-passed")

    # The budget is approved with the goal; a project without one is refused with the gate's message.
    for action in ("submit", "admit"):
        project_services.transition_project(actor=w.users["budget"], project=w.project("c1.unit_a.P1"), action=action)
    page.goto(f"{base}/projects/{project.pk}/")
    page.get_by_role("button", name="批复预算").click()
    expect(page.locator("#project-status")).to_have_text("已批复")
    expect(page.locator("#project-goal-status")).to_contain_text("已批复")

    other = w.projects["c1.unit_b.P1"]
    for action in ("submit", "admit"):
        project_services.transition_project(actor=w.users["budget"], project=w.project("c1.unit_b.P1"), action=action)
    page.goto(f"{base}/projects/{other.pk}/")
    page.get_by_role("button", name="批复预算").click()
    expect(page.locator(".alert-danger")).to_contain_text("尚未申报绩效目标，不能批复预算")
    expect(page.locator("#project-status")).to_have_text("已入库")
    shot("budget-gate")
    assert errors == [], errors
