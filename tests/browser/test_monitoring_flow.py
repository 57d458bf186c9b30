"""One project through a monitoring round in a real browser: the unit reports an indicator 有可能 (the causes
are then required, and submitting without them is refused), the department approves, the finance bureau
selects it for 重点监控 and re-checks it with findings, proposes 暂缓拨款, the budget division approves,
and the project's payments show as suspended with its available budget."""

import pytest
from playwright.sync_api import Page, expect

from jixiao.monitoring.models import Disposition, MonitoringReport
from tests.browser.test_goal_flow import as_user

pytestmark = pytest.mark.browser


def test_one_project_through_a_round(page: Page, live_server, live_world, shot):
    base = live_server.url
    w = live_world
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    project = w.projects["c1.unit_a.P2"]

    as_user(page, base, "performance", w)
    page.goto(f"{base}/monitoring/")
    page.get_by_label("区划").select_option("141129")
    page.get_by_label("年度").fill("2025")
    page.get_by_role("button", name="发起监控").click()
    expect(page.locator(".alert-success")).to_contain_text("已发起")
    report = MonitoringReport.objects.get(project=project)

    # The unit reports: the first indicator 有可能 makes the causes and measures required.
    as_user(page, base, "unit", w)
    page.goto(f"{base}/monitoring/report/{report.pk}/")
    page.get_by_label("1-7月执行数（万元）").fill("10")
    page.get_by_label("全年预计执行数（万元）").fill("20")
    cards = page.locator("[data-indicator-row]")
    for n in range(cards.count()):
        cards.nth(n).get_by_label("截至当月完成值").fill("600")
        cards.nth(n).get_by_label("完成目标可能性").select_option("确定能")
    first = cards.nth(0)
    expect(first.locator("[data-cause-hint]")).to_be_hidden()
    first.get_by_label("完成目标可能性").select_option("有可能")
    expect(first.locator("[data-cause-hint]")).to_be_visible()
    first.get_by_label("相关建议或举措").fill("加快施工进度")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#form-errors")).to_contain_text("须勾选偏差原因")
    expect(page.locator("#report-status")).to_have_text("草稿")
    page.locator("[data-indicator-row]").nth(0).get_by_label("经费保障").check()
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator(".alert-success")).to_contain_text("已提交")
    expect(page.locator("#report-status")).to_have_text("已提交")
    expect(page.locator("#report-warnings")).to_contain_text("有可能")
    shot("monitoring-submitted")

    as_user(page, base, "department", w)
    page.goto(f"{base}/monitoring/report/{report.pk}/")
    page.locator("#review-link").click()
    page.get_by_label("审核通过").check()
    page.get_by_role("button", name="提交主管部门审核意见").click()
    expect(page.locator("#report-status")).to_have_text("部门已审核")

    as_user(page, base, "performance", w)
    page.goto(f"{base}/monitoring/report/{report.pk}/")
    page.locator("#key-selection").get_by_label("理由").fill("审计发现问题较多")
    page.get_by_role("button", name="选为重点监控").click()
    expect(page.locator("#report-key")).to_be_visible()
    page.locator("#recheck-link").click()
    page.get_by_label("复核通过").check()
    page.get_by_label("财政复核发现的问题").fill("执行进度滞后，指标完成存在风险")
    page.get_by_role("button", name="提交财政复核意见").click()
    expect(page.locator("#report-status")).to_have_text("财政已复核")
    expect(page.locator("#report-findings")).to_contain_text("执行进度滞后")
    page.locator("#propose-disposition").get_by_label("处理方式").select_option("suspend")
    page.locator("#propose-disposition").get_by_label("处理理由").fill("整改到位前暂缓拨款")
    page.get_by_role("button", name="提出处理").click()
    expect(page.locator("#disposition-status")).to_have_text("待审批")
    available = page.locator("#available-budget").text_content()

    as_user(page, base, "budget", w)
    disposition = Disposition.objects.get(project=project)
    page.goto(f"{base}/monitoring/disposition/{disposition.pk}/")
    page.get_by_role("button", name="批准处理").click()
    expect(page.locator("#disposition-status")).to_have_text("已批准")
    expect(page.locator("#payment-block")).to_have_text("已暂缓拨款")
    expect(page.locator("#available-budget")).to_have_text(available)
    page.goto(f"{base}/monitoring/report/{report.pk}/")
    expect(page.locator("#payment-block")).to_have_text("已暂缓拨款")
    expect(page.locator("#report-dispositions")).to_contain_text("已批准")
    shot("monitoring-suspended")
    assert errors == [], errors
