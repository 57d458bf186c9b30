"""A self-evaluation from the prefilled form to the finance review in a real browser: the unit enters actual
values and sees the scores and the grade follow, a missed target asks for its reason, the department
approves and the finance bureau reviews."""

import pytest
from playwright.sync_api import Page, expect

from jixiao.evaluations.models import SelfEvaluation
from tests.browser.test_goal_flow import as_user

pytestmark = pytest.mark.browser


def test_self_evaluation_from_prefilled_form_to_finance_review(page: Page, live_server, live_world, shot):
    base = live_server.url
    w = live_world
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    project = w.projects["c1.unit_a.P2"]  # budgeted, its goal approved

    as_user(page, base, "unit", w)
    page.goto(f"{base}/evaluations/")
    page.locator("#awaiting li", has_text=project.name).get_by_role("button", name="生成自评表").click()
    expect(page.locator("#evaluation-status")).to_have_text("草稿")
    expect(page.locator("#overall-goal")).to_contain_text("完成校舍维修改造1200平方米")
    expect(page.locator("#indicator-results")).to_contain_text("≥1200平方米")
    evaluation = SelfEvaluation.objects.get(project=project)
    budget_wan = evaluation.budget_full_year / 10000

    # Actual values: the area falls short (900 of ≥1200), the rest is met; the scores follow as typed.
    page.get_by_label("全年执行数（万元）").fill(str(budget_wan))
    rows = page.locator("#indicator-results tbody tr")
    rows.nth(0).locator("[data-actual]").fill("900")
    rows.nth(1).locator("[data-actual]").fill("100")
    rows.nth(2).locator("[data-actual]").fill("96")
    # 900 ÷ 1200 × 50 = 37.5; 10 + 37.5 + 30 + 10 = 87.5 → 良.
    expect(page.locator("#total-score")).to_have_text("87.50")
    expect(page.locator("#grade")).to_have_text("良")
    first_score = rows.nth(0).locator("[data-row-score]")
    expect(first_score).to_contain_text("37.50")
    first_score.locator("summary").click()
    expect(first_score).to_contain_text("实际值 900 ÷ 指标值 1200 × 分值 50 = 37.5")
    expect(rows.nth(0).locator("[data-missed]")).to_contain_text("须分析偏差原因")
    shot("selfeval-live-scores")

    # Raising the value scores again; submitting without a reason for the miss is refused.
    rows.nth(0).locator("[data-actual]").fill("1100")
    expect(page.locator("#grade")).to_have_text("优")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator(".alert-danger")).to_contain_text("须分析偏差原因")
    expect(page.locator("#evaluation-status")).to_have_text("草稿")
    page.get_by_label("偏差原因分析").first.fill("雨季停工两周，部分教室顺延至次年")
    page.get_by_label("改进措施").first.fill("提前安排施工窗口，按月跟踪进度")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator(".alert-success")).to_contain_text("已提交")
    expect(page.locator("#evaluation-status")).to_have_text("已提交")
    expect(page.locator("#total-score")).to_have_text("95.83")

    # The department approves; the finance bureau reviews.
    as_user(page, base, "department", w)
    page.goto(f"{base}/evaluations/{evaluation.pk}/")
    page.locator("#review-link").click()
    page.get_by_label("审核通过").check()
    page.get_by_label("审核意见（退回时必填）").fill("偏差原因属实")
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator(".alert-success")).to_contain_text("主管部门审核：已审核通过")

    as_user(page, base, "performance", w)
    page.goto(f"{base}/evaluations/{evaluation.pk}/review/")
    expect(page.locator("#evaluation-status")).to_have_text("部门已审核")
    page.get_by_label("审核通过").check()
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator(".alert-success")).to_contain_text("财政审核：已审核通过")
    page.goto(f"{base}/evaluations/{evaluation.pk}/")
    expect(page.locator("#evaluation-status")).to_have_text("财政已审核")
    expect(page.locator("#evaluation-trail")).to_contain_text("财政审核")
    shot("selfeval-finance-reviewed")
    assert errors == [], errors
