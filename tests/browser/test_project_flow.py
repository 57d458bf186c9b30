"""End-to-end flows in a real browser: sign in, landing page, filter the 项目库, open a project, sign out."""

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/")


def test_county_performance_user_filters_opens_and_signs_out(page: Page, live_server, live_world, shot):
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, base, "t_performance", live_world.password)

    # Landing page: what 中阳县 holds (6 projects, 13,750,001.53 元).
    expect(page.locator("#stat-count")).to_have_text("6")
    expect(page.locator("#stat-requested")).to_have_text("1,375.00")
    # The chart is drawn: Bootstrap, ECharts and app.js load as static files under the CSP.
    expect(page.locator("[data-chart] canvas")).to_have_count(1)
    shot("home")
    assert errors == [], errors  # no script blocked by the CSP, no missing file

    page.get_by_role("link", name="项目库").click()
    expect(page).to_have_url(f"{base}/projects/")
    expect(page.locator("#total-count")).to_have_text("6")
    expect(page.locator("#project-rows tbody tr")).to_have_count(6)

    page.locator("#id_category").select_option("特定目标类")
    page.locator("#id_q").fill("校舍")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#total-count")).to_have_text("2")
    # 1,000,000.01 + 2,000,000.02 元 = 300.000003 万元
    expect(page.locator("#total-requested")).to_have_text("300.00")
    expect(page.locator("#project-rows tbody tr")).to_have_count(2)
    shot("project-list-filtered")

    page.get_by_role("link", name="中阳县第一中学校舍维修改造项目").click()
    expect(page.locator("#project-name")).to_have_text("中阳县第一中学校舍维修改造项目")
    expect(page.locator("#amount-requested")).to_contain_text("100.00 万元（1,000,000.01 元）")
    expect(page.locator("#project-status")).to_have_text("草稿")
    shot("project-detail")

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    # "Back" must not show the project again: the page was not cached and the session is gone.
    page.go_back()
    page.wait_for_load_state()
    assert "中阳县第一中学校舍维修改造项目" not in page.content()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    shot("after-logout-back")


def test_unit_user_sees_only_their_own_projects(page: Page, live_server, live_world, shot):
    base = live_server.url
    sign_in(page, base, "t_unit", live_world.password)
    expect(page.locator("#stat-count")).to_have_text("2")

    page.goto(f"{base}/projects/")
    rows = page.locator("#project-rows tbody tr")
    expect(rows).to_have_count(2)
    for text in rows.all_inner_texts():
        assert "中阳县第一中学" in text
    body = page.locator("main").inner_text()
    assert "农技推广中心" not in body
    assert "交口县" not in body
    shot("unit-project-list")

    # Another unit's project, reached by its address, does not exist for this user.
    other = live_world.projects["c1.unit_b.P1"]
    response = page.goto(f"{base}/projects/{other.pk}/")
    assert response is not None and response.status == 404
    assert "农技推广中心" not in page.content()
