"""The 绩效目标 pages: declaring with live checks and recommendations, the list, a goal's detail, the
review screen, the inbox with batch approval, the indicator library, and the budget gate as a page shows it."""

from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jixiao.goals import services
from jixiao.goals.library import LibraryInput, save_entry
from jixiao.goals.models import Goal, LibraryIndicator, Review
from jixiao.goals.services import GoalInput
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from jixiao.projects.services import ProjectInput
from tests.world import GOAL, pass_goal

P1 = "c1.unit_a.P1"  # 中阳县第一中学校舍维修改造项目: a draft project of the unit, no goal yet


def text(response) -> str:
    return unescape(response.content.decode())


def row(n: int, **fields: str) -> dict[str, str]:
    """One indicator row of the edit form (formset prefix `ind`)."""
    return {f"ind-{n}-{k}": v for k, v in fields.items()}


def goal_post(*rows: dict[str, str], annual: str = "完成校舍维修改造1200平方米，保障教学安全。", **extra: str) -> dict:
    data = {
        "ind-TOTAL_FORMS": str(len(rows)),
        "ind-INITIAL_FORMS": "0",
        "ind-MIN_NUM_FORMS": "0",
        "ind-MAX_NUM_FORMS": "200",
        "annual_goal": annual,
        "mid_term_goal": "",
        "has_beneficiaries": "on",
        **extra,
    }
    for n, r in enumerate(rows):
        data.update(row(n, **r))
    return data


GOOD_ROWS = (
    {"level1": "产出指标", "level2": "数量指标", "name": "维修改造校舍面积", "target": "≥1200平方米"},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "校舍安全隐患消除率", "target": "=100%"},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "师生满意度", "target": "≥90%"},
)


# --- Declaring ----------------------------------------------------------------------------------------


def test_unit_declares_a_goal_with_inline_targets(world, client_for):
    client = client_for("unit")
    project = world.projects[P1]
    url = reverse("goals:edit", args=[project.pk])
    page = client.get(url)
    assert page.status_code == 200
    body = text(page)
    assert project.code in body and "100.00" in body  # header: code and 万元
    assert "推荐指标" in body and 'id="indicator-tree"' in body

    response = client.post(url, goal_post(*GOOD_ROWS, action="save"))
    assert response.status_code == 302
    goal = Goal.objects.get(project=project)
    assert goal.status == Goal.Status.DRAFT
    first = goal.indicators.get(position=1)
    assert (first.operator, first.target_value, first.unit) == ("≥", Decimal(1200), "平方米")
    assert goal.indicators.get(position=2).unit == "%"

    # The saved goal shows again in the form, target as a number beside its operator and unit.
    again = text(client.get(url))
    assert 'value="1200"' in again and 'value="平方米"' in again


def test_live_check_lists_a_vague_target_at_its_row(world, client_for):
    client = client_for("unit")
    project = world.projects[P1]
    vague = {"level1": "效益指标", "level2": "社会效益指标", "name": "教学条件", "target": "有所提升"}
    response = client.post(reverse("goals:check", args=[project.pk]), goal_post(GOOD_ROWS[0], vague, GOOD_ROWS[2]))
    assert response.status_code == 200
    body = text(response)
    assert "有所提升" in body
    assert 'data-row="1"' in body  # the second row of the form
    # The typed 「≥1200平方米」 is read: the page fills in operator and unit from this.
    assert 'data-parsed data-row="0" data-operator="≥" data-unit="平方米"' in body

    fixed = {**vague, "name": "校舍安全隐患消除率", "target": "=100%"}
    body = text(client.post(reverse("goals:check", args=[project.pk]), goal_post(GOOD_ROWS[0], fixed, GOOD_ROWS[2])))
    assert "有所提升" not in body
    assert "阻断" not in body


def test_live_check_reports_a_target_that_cannot_be_read(world, client_for):
    client = client_for("unit")
    bad = {**GOOD_ROWS[0], "target": "50至80个"}
    body = text(client.post(reverse("goals:check", args=[world.projects[P1].pk]), goal_post(bad)))
    assert "第1行 指标值" in body and "多个数字" in body


def test_submit_with_blocking_findings_is_refused_with_the_list(world, client_for):
    client = client_for("unit")
    project = world.projects[P1]
    url = reverse("goals:edit", args=[project.pk])
    response = client.post(url, goal_post(GOOD_ROWS[0], action="submit"), follow=True)
    body = text(response)
    assert "不能提交" in body
    assert "效益指标" in body  # the missing 效益 indicator is named, in the message and the panel
    assert Goal.objects.get(project=project).status == Goal.Status.DRAFT

    response = client.post(url, goal_post(*GOOD_ROWS, action="submit"))
    goal = Goal.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == reverse("goals:detail", args=[goal.pk])
    assert goal.status == Goal.Status.IN_REVIEW


def test_edit_page_refuses_who_may_not_declare(world, client_for):
    url = reverse("goals:edit", args=[world.projects[P1].pk])
    assert client_for("unit_b").get(url).status_code == 404  # another unit's project
    assert client_for("congress").get(url).status_code == 403  # may read it, not declare
    assert client_for("p2_performance").get(url).status_code == 404
    check = reverse("goals:check", args=[world.projects[P1].pk])
    assert client_for("unit_b").post(check, goal_post(*GOOD_ROWS)).status_code == 404


def test_in_force_goal_is_changed_only_by_an_adjustment(world, client_for):
    project = world.projects["c1.unit_a.P2"]  # budgeted, with an approved goal
    client = client_for("unit")
    response = client.get(reverse("goals:edit", args=[project.pk]))
    assert response.status_code == 403 and "调整申请" in text(response)

    approved = Goal.objects.get(project=project)
    response = client.post(reverse("goals:adjust", args=[approved.pk]), {"reason": "上级追加任务，扩大改造面积"})
    assert response["Location"] == reverse("goals:edit", args=[project.pk])
    adjusted = Goal.objects.get(project=project, version=2)
    body = text(client.get(reverse("goals:detail", args=[adjusted.pk])))
    assert "上级追加任务" in body and "第1版" in body and "现行有效" in body


def test_recommendations_and_library_search_offer_rows_to_add(world, client_for):
    project = world.projects[P1]
    entry = save_entry(
        actor=world.users["performance"],
        data=LibraryInput(
            scope=LibraryIndicator.Scope.COMMON,
            level1="产出指标",
            level2="数量指标",
            name="校舍维修改造面积",
            operator="≥",
            unit="平方米",
            typical_target="≥1000平方米",
        ),
    )
    client = client_for("unit")
    body = text(client.get(reverse("goals:edit", args=[project.pk])))
    assert "校舍维修改造面积" in body and "data-add-indicator" in body
    found = text(client.get(reverse("goals:library_search", args=[project.pk]), {"q": "校舍 面积"}))
    assert "校舍维修改造面积" in found
    assert f"&quot;library_entry_id&quot;: &quot;{entry.pk}&quot;" in found.replace("&amp;", "&") or (
        f'"library_entry_id": "{entry.pk}"' in found
    )


# --- Reading ------------------------------------------------------------------------------------------


def test_list_shows_goals_in_scope_with_filters(world, client_for):
    services.save_goal(actor=world.users["unit"], project=world.projects[P1], data=GoalInput(annual_goal="草稿"))
    body = text(client_for("unit").get(reverse("goals:list")))
    assert "中阳县第一中学校舍维修改造项目" in body and "中阳县第一中学智慧农业示范项目" in body
    assert "农技推广中心" not in body

    perf = client_for("performance")
    everything = text(perf.get(reverse("goals:list")))
    assert "农技推广中心" in everything and "交口县" not in everything
    drafts = text(perf.get(reverse("goals:list"), {"status": "draft"}))
    assert "中阳县第一中学校舍维修改造项目" in drafts and "智慧农业示范项目" not in drafts
    flagged = text(perf.get(reverse("goals:list"), {"findings": "blocking"}))
    assert "校舍维修改造项目" in flagged and "智慧农业示范项目" not in flagged
    assert client_for("sysadmin").get(reverse("goals:list")).status_code == 403


def test_detail_shows_indicators_history_and_actions(world, client_for):
    goal = Goal.objects.get(project=world.projects["c1.unit_a.P2"])
    body = text(client_for("unit").get(reverse("goals:detail", args=[goal.pk])))
    assert "≥1200平方米" in body and "=100%" in body  # targets formatted
    assert "主管部门审核" in body and "财政部门审核" in body  # the two steps of the history
    assert "申请调整" in body
    assert client_for("unit_b").get(reverse("goals:detail", args=[goal.pk])).status_code == 404


# --- Reviewing ----------------------------------------------------------------------------------------


def submitted(world, key: str = P1) -> Goal:
    project = world.projects[key]
    goal = services.save_goal(actor=world.users["performance"], project=project, data=GOAL)
    return services.submit_goal(actor=world.users["performance"], goal=goal)


def test_review_screen_for_the_step_reviewer_only(world, client_for):
    goal = submitted(world)
    url = reverse("goals:review", args=[goal.pk])
    page = client_for("department").get(url)
    assert page.status_code == 200
    body = text(page)
    for label in ("完整性", "相关性", "适当性（合理性）", "可行性", "退回单位修改完善"):
        assert label in body
    assert client_for("performance").get(url).status_code == 403  # not the first step's role
    assert client_for("unit").get(url).status_code == 403
    assert client_for("unit_b").get(url).status_code == 404

    # 中 without a comment is refused next to the comment field.
    refused = client_for("department").post(url, {"result": "中"})
    assert refused.status_code == 200 and "须填写审核意见" in text(refused)
    client_for("department").post(url, {"result": "中", "comment": "效益指标过于笼统", "completeness": "完整"})
    goal.refresh_from_db()
    assert goal.status == Goal.Status.RETURNED
    detail = text(client_for("unit").get(reverse("goals:detail", args=[goal.pk])))
    assert "效益指标过于笼统" in detail and "退回修改" in detail


def test_inbox_batch_approval(world, client_for):
    goals = [submitted(world, P1), submitted(world, "c1.dept_a.overall")]
    client = client_for("department")
    body = text(client.get(reverse("goals:inbox")))
    for g in goals:
        assert g.project.name in body
    assert client_for("unit").get(reverse("goals:inbox")).status_code == 403
    assert "没有待您审核" in text(client_for("performance").get(reverse("goals:inbox")))

    response = client.post(
        reverse("goals:inbox_approve"), {"goals": [g.pk for g in goals], "result": "优"}, follow=True
    )
    assert "已批量审核2个" in text(response)
    for g in goals:
        review = Review.objects.get(goal=g, step=1)
        assert (review.result, review.reviewer) == ("优", world.users["department"])
    # Now at the finance step: in 绩效科's inbox.
    assert goals[0].project.name in text(client_for("performance").get(reverse("goals:inbox")))


# --- Library ------------------------------------------------------------------------------------------


def test_library_page_search_and_upkeep(world, client_for):
    perf = client_for("performance")
    response = perf.post(
        reverse("goals:library_create"),
        {
            "scope": "common",
            "level1": "满意度指标",
            "level2": "服务对象满意度指标",
            "name": "培训对象满意度",
            "operator": "≥",
            "unit": "%",
            "typical_target": "≥90%",
        },
    )
    assert response.status_code == 302
    entry = LibraryIndicator.objects.get(name="培训对象满意度")
    assert "培训对象满意度" in text(client_for("unit").get(reverse("goals:library"), {"q": "满意度"}))
    assert client_for("unit").get(reverse("goals:library_create")).status_code == 403
    perf.post(reverse("goals:library_retire", args=[entry.pk]))
    entry.refresh_from_db()
    assert not entry.is_active


# --- Budget gate --------------------------------------------------------------------------------------


def admitted(world, code: str, owner_key: str = "c1.unit_a") -> Project:
    actor = world.users["performance"]
    project = project_services.create_project(
        actor=actor,
        data=ProjectInput(
            code=code,
            name=f"{code}项目",
            owner=world.orgs[owner_key],
            fiscal_year=2026,
            category=Project.Category.SPECIFIC,
            amount_requested=Decimal("10000"),
        ),
    )
    for action in ("submit", "admit"):
        project = project_services.transition_project(actor=actor, project=project, action=action)
    return project


def test_budget_approval_without_a_goal_shows_the_gate_message(world, client_for):
    project = admitted(world, "GATE-1")
    response = client_for("budget").post(
        reverse("projects:transition", args=[project.pk]), {"action": "approve_budget"}, follow=True
    )
    assert "尚未申报绩效目标，不能批复预算" in text(response)
    assert Project.objects.get(pk=project.pk).status == Project.Status.IN_LIBRARY


def test_batch_budget_approval_from_the_goals_list(world, client_for):
    ready = admitted(world, "GATE-2")
    pass_goal(world, ready)
    client = client_for("budget")
    body = text(client.get(reverse("goals:list")))
    assert "批量批复预算" in body and f'value="{ready.pk}"' in body
    response = client.post(reverse("goals:approve_budgets"), {"projects": [ready.pk]}, follow=True)
    assert "已批复1个项目的预算" in text(response)
    assert Project.objects.get(pk=ready.pk).status == Project.Status.BUDGETED
    assert Goal.objects.get(project=ready).status == Goal.Status.APPROVED


# --- Query counts -------------------------------------------------------------------------------------


def add_goals(world, n: int, start: int) -> None:
    for i in range(start, start + n):
        project = project_services.create_project(
            actor=world.users["performance"],
            data=ProjectInput(
                code=f"QC-{i:03d}",
                name=f"批量项目{i}",
                owner=world.orgs["c1.unit_a"],
                fiscal_year=2026,
                category=Project.Category.SPECIFIC,
                amount_requested=Decimal("10000"),
            ),
        )
        goal = services.save_goal(actor=world.users["performance"], project=project, data=GOAL)
        services.submit_goal(actor=world.users["performance"], goal=goal)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/goals/?q=批量", "/goals/?q=批量&findings=any", "/goals/inbox/"])
def test_query_count_does_not_grow_with_rows(world, client_for, url):
    client = client_for("department")
    add_goals(world, 3, 0)
    client.get(url)
    few = count_queries(client, url)
    add_goals(world, 12, 3)
    assert count_queries(client, url) == few


def test_menu_entries_follow_capabilities(world, client_for):
    unit_nav = text(client_for("unit").get("/"))
    assert "绩效目标" in unit_nav and "指标库" in unit_nav and "待我审核" not in unit_nav
    assert "待我审核" in text(client_for("review_center").get("/"))


def test_coverage_page_counts_goals_per_department(world, client_for):
    # 中阳县 2025: each unit's P2 is budgeted with an approved goal (其他运转类 needs goals).
    body = text(client_for("performance").get(reverse("goals:coverage"), {"region": "141129", "year": "2025"}))
    assert "中阳县教育局" in body and "中阳县农业农村局" in body and "合计" in body
    assert "100.00%" in body  # every 2025 project needing a goal has an approved one
    unit_view = text(client_for("unit").get(reverse("goals:coverage"), {"region": "141129", "year": "2025"}))
    assert "中阳县农业农村局" not in unit_view  # a unit counts only what it may see
