"""The goal workflow through the services and the CLI: declaring, the automatic checks at submission, the
review chain with its four results (优 良 中 差), one pending step per goal, who may review what, the inbox,
batch review, withdrawal, adjustments of an approved goal, and the goal gate on the budget."""

from dataclasses import replace
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.db import IntegrityError, connections, transaction

from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.models import AuditEvent
from jixiao.goals import selectors, services
from jixiao.goals.models import Goal, Review
from jixiao.goals.services import GoalCheckFailed
from jixiao.orgs import services as org_services
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from tests.world import GOAL, pass_goal

TAIBAI_CHAIN = [
    {"step": "主管部门审核", "role": "department"},
    {"step": "职能股室复核", "role": "sector"},
    {"step": "评审中心复审", "role": "review_center"},
    {"step": "预算股终审", "role": "budget"},
]


def u(world, key):
    return world.users[key]


def declared(world, key="c1.unit_a.P1", by="unit", data=GOAL) -> Goal:
    return services.save_goal(actor=u(world, by), project=world.project(key), data=data)


def submitted(world, key="c1.unit_a.P1", by="unit") -> Goal:
    return services.submit_goal(actor=u(world, by), goal=declared(world, key, by))


def fresh(goal: Goal) -> Goal:
    return Goal.objects.get(pk=goal.pk)


def into_library(world, key: str) -> Project:
    project = world.project(key)
    for action in ("submit", "admit"):
        project = project_services.transition_project(actor=u(world, "performance"), project=project, action=action)
    return project


def approve(world, project: Project) -> Project:
    return project_services.transition_project(actor=u(world, "performance"), project=project, action="approve_budget")


def history(goal: Goal) -> list[tuple[int, int, str, str, str]]:
    return [
        (r.submission, r.step, r.step_label, r.state, r.result) for r in Review.objects.filter(goal=goal).order_by("pk")
    ]


# --- Declaring ------------------------------------------------------------------------------------------


def test_a_unit_declares_a_goal_with_numbered_indicators_and_an_audit_event(world):
    goal = declared(world)
    assert (goal.version, goal.status) == (1, Goal.Status.DRAFT)
    indicators = list(goal.indicators.order_by("position"))
    assert [(i.position, i.name, i.operator, i.target_value, i.unit) for i in indicators] == [
        (1, "维修改造校舍面积", "≥", Decimal(1200), "平方米"),
        (2, "校舍安全隐患消除率", "=", Decimal(100), "%"),
        (3, "师生满意度", "≥", Decimal(90), "%"),
    ]
    changed = replace(
        GOAL,
        indicators=[replace(GOAL.indicators[0], target_value=Decimal(1500)), *GOAL.indicators[1:]],
    )
    again = services.save_goal(actor=u(world, "unit"), project=world.project("c1.unit_a.P1"), data=changed)
    assert again.pk == goal.pk and again.indicators.count() == 3
    event = AuditEvent.objects.filter(action="goal.save", object_id=str(goal.pk)).latest("pk")
    assert event.after == {"indicator_changes": {"changed": ["产出指标/数量指标/维修改造校舍面积"]}}


def test_level_names_are_read_in_the_regions_spelling_and_unknown_ones_are_named(world):
    short = replace(GOAL, indicators=[replace(GOAL.indicators[0], level1="产出", level2="数量"), *GOAL.indicators[1:]])
    goal = declared(world, data=short)
    assert goal.indicators.get(position=1).level1 == "产出指标"
    wrong = replace(GOAL, indicators=[GOAL.indicators[0], replace(GOAL.indicators[1], level2="数量指标")])
    with pytest.raises(DomainError) as exc:
        declared(world, data=wrong)
    assert exc.value.field == "indicators.2.level2"
    assert "二级指标“数量指标”不属于“效益指标”" in exc.value.message
    too_long = replace(GOAL, indicators=[*GOAL.indicators, replace(GOAL.indicators[0], name="很" * 201)])
    with pytest.raises(DomainError, match="第4个指标：三级指标不能超过200个字") as exc:
        declared(world, data=too_long)
    assert exc.value.field == "indicators.4.name"


def test_submission_is_refused_while_blocking_checks_fail(world):
    only_output = replace(GOAL, annual_goal="", indicators=GOAL.indicators[:1])
    goal = declared(world, data=only_output)
    with pytest.raises(GoalCheckFailed) as exc:
        services.submit_goal(actor=u(world, "unit"), goal=goal)
    checks = {f.check for f in exc.value.findings}
    assert {"empty_annual_goal", "missing_benefit", "missing_satisfaction", "too_few_indicators"} <= checks
    assert exc.value.message.startswith("绩效目标未通过自动审核，不能提交：年度目标为空")
    assert fresh(goal).status == Goal.Status.DRAFT
    assert not Review.objects.filter(goal=goal).exists()


# --- The chain ----------------------------------------------------------------------------------------------


def test_full_chain_with_a_return_for_revision_then_the_budget(world):
    goal = submitted(world)
    assert (goal.status, goal.submissions) == (Goal.Status.IN_REVIEW, 1)
    assert [s["step"] for s in goal.chain] == ["主管部门审核", "财政部门审核"]

    with pytest.raises(DomainError, match="须在“需补充完善事项”中写明") as exc:
        services.review_goal(actor=u(world, "department"), goal=goal, result="中")
    assert exc.value.field == "comment"
    goal = services.review_goal(
        actor=u(world, "department"),
        goal=goal,
        result="中",
        completeness="指标完整",
        reasonableness="面积与资金规模不匹配",
        comment="请按预算核实维修面积",
    )
    assert goal.status == Goal.Status.RETURNED
    first = Review.objects.get(goal=goal, submission=1)
    assert (first.appropriateness, first.reviewer, first.result) == (
        "面积与资金规模不匹配",
        u(world, "department"),
        "中",
    )

    # The unit revises and resubmits: the chain starts again at the first step.
    revised = replace(GOAL, indicators=[replace(GOAL.indicators[0], target_value=Decimal(950)), *GOAL.indicators[1:]])
    declared(world, data=revised)
    goal = services.submit_goal(actor=u(world, "unit"), goal=goal)
    assert goal.submissions == 2
    assert selectors.inbox_for(user=u(world, "department")).get().step == 1
    goal = services.review_goal(actor=u(world, "department"), goal=goal, result="优")
    goal = services.review_goal(actor=u(world, "performance"), goal=goal, result="良", comment="已协商完善")
    assert goal.status == Goal.Status.PASSED and goal.last_result == "良"
    assert history(goal) == [
        (1, 1, "主管部门审核", "done", "中"),
        (2, 1, "主管部门审核", "done", "优"),
        (2, 2, "财政部门审核", "done", "良"),
    ]

    approve(world, into_library(world, "c1.unit_a.P1"))
    goal = fresh(goal)
    assert goal.status == Goal.Status.APPROVED and goal.approved_at is not None
    actions = list(AuditEvent.objects.filter(object_id=str(goal.pk), action__startswith="goal.").values_list("action"))
    assert [a for (a,) in actions].count("goal.review") == 3
    assert ("goal.approve",) in actions


def test_a_reviewer_of_the_current_step_may_complete_the_goal_by_agreement(world):
    goal = submitted(world)
    amended = replace(GOAL, annual_goal="完成校舍维修改造1000平方米，消除校舍安全隐患。")
    services.save_goal(actor=u(world, "department"), project=world.project("c1.unit_a.P1"), data=amended)
    assert fresh(goal).annual_goal == amended.annual_goal
    assert fresh(goal).status == Goal.Status.IN_REVIEW
    with pytest.raises(DomainError, match="正在审核中（主管部门审核），不能修改"):
        declared(world)  # the unit waits for the decision
    with pytest.raises(PermissionDenied):  # the next step's reviewer is not at the goal yet
        services.save_goal(actor=u(world, "sector"), project=world.project("c1.unit_a.P1"), data=amended)


def test_poor_blocks_the_budget_and_the_goal(world):
    project = into_library(world, "c1.unit_a.P1")
    goal = services.submit_goal(actor=u(world, "unit"), goal=declared(world))
    goal = services.review_goal(actor=u(world, "department"), goal=goal, result="差", comment="目标与项目内容无关")
    assert goal.status == Goal.Status.REJECTED
    with pytest.raises(DomainError, match="绩效目标审核结果为“差”，不得进入预算安排"):
        approve(world, project)
    assert world.project("c1.unit_a.P1").status == Project.Status.IN_LIBRARY
    with pytest.raises(DomainError, match="不得进入预算安排，不能再申报"):
        declared(world)


def test_one_pending_review_per_goal_is_kept_by_the_database(world):
    goal = submitted(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(goal=goal, submission=1, step=2, step_label="财政部门审核", role="performance")


def test_only_the_role_of_the_step_within_its_reach_may_review(world):
    goal = submitted(world)
    # The 绩效科 sees the goal but the first step belongs to the 主管部门.
    with pytest.raises(PermissionDenied, match="“主管部门审核”环节须由主管部门审核"):
        services.review_goal(actor=u(world, "performance"), goal=goal, result="优")
    with pytest.raises(PermissionDenied):
        services.review_goal(actor=u(world, "sector"), goal=goal, result="优")
    # Another department's reviewer and another county's finance bureau do not even see it.
    for outsider in ("c1.dept_b", "c2_performance"):
        with pytest.raises(NotFound):
            services.review_goal(actor=u(world, outsider), goal=goal, result="优")
    goal = services.review_goal(actor=u(world, "department"), goal=goal, result="优")
    with pytest.raises(PermissionDenied, match="“财政部门审核”环节须由绩效管理审核"):
        services.review_goal(actor=u(world, "department"), goal=goal, result="优")
    assert Review.objects.get(goal=goal, state="pending").role == "performance"


def test_a_unit_of_another_department_neither_sees_nor_changes_the_goal(world):
    goal = declared(world)
    other = u(world, "unit_b")
    assert not selectors.goals_for(user=other).filter(pk=goal.pk).exists()
    with pytest.raises(NotFound):
        selectors.goal_detail(user=other, pk=goal.pk)
    with pytest.raises(NotFound):
        services.save_goal(actor=other, project=world.project("c1.unit_a.P1"), data=GOAL)
    with pytest.raises(NotFound):
        services.submit_goal(actor=other, goal=goal)
    assert selectors.goal_detail(user=u(world, "department"), pk=goal.pk) == goal
    assert not selectors.may_edit_goal(other, goal) and selectors.may_edit_goal(u(world, "unit"), goal)


def test_withdrawal_only_before_the_first_decision(world):
    goal = submitted(world)
    goal = services.withdraw_goal(actor=u(world, "unit"), goal=goal)
    assert goal.status == Goal.Status.DRAFT
    assert history(goal) == [(1, 1, "主管部门审核", "withdrawn", "")]
    goal = services.submit_goal(actor=u(world, "unit"), goal=goal)
    services.review_goal(actor=u(world, "department"), goal=goal, result="优")
    with pytest.raises(DomainError, match="“主管部门审核”已办理，不能撤回"):
        services.withdraw_goal(actor=u(world, "unit"), goal=goal)


# --- The inbox and batch review ------------------------------------------------------------------------


def test_inbox_holds_the_pending_steps_of_the_users_role_longest_waiting_first(world):
    first = submitted(world, "c1.unit_a.P1")
    second = submitted(world, "c1.dept_a.overall", by="department")
    elsewhere = submitted(world, "c1.unit_b.P1", by="unit_b")
    assert [r.goal_id for r in selectors.inbox_for(user=u(world, "department"))] == [first.pk, second.pk]
    assert [r.goal_id for r in selectors.inbox_for(user=u(world, "c1.dept_b"))] == [elsewhere.pk]
    assert not selectors.inbox_for(user=u(world, "performance")).exists()
    services.review_goal(actor=u(world, "department"), goal=first, result="优")
    assert [r.goal_id for r in selectors.inbox_for(user=u(world, "performance"))] == [first.pk]
    assert not selectors.inbox_for(user=u(world, "unit")).exists()
    assert selectors.may_review(u(world, "performance"), fresh(first))
    assert not selectors.may_review(u(world, "department"), fresh(first))


def test_batch_review_is_all_or_nothing(world):
    a = submitted(world, "c1.unit_a.P1")
    b = submitted(world, "c1.dept_a.overall", by="department")
    c = submitted(world, "c1.unit_b.P1", by="unit_b")
    # Another department's goal is counted, not described, to a reviewer who may not see it.
    with pytest.raises(PermissionDenied, match="本批均未审核：另有1个不存在或不在您的权限范围内$"):
        services.batch_review(actor=u(world, "department"), goals=[a, b, c], result="优")
    # The 绩效科 sees them all, but they wait for the 主管部门: named.
    with pytest.raises(PermissionDenied, match="本批均未审核：141129-JY-01-P1 中阳县第一中学校舍维修改造项目、"):
        services.batch_review(actor=u(world, "performance"), goals=[a, b, c], result="优")
    assert Review.objects.filter(goal__in=[a, b], state="done").count() == 0
    with pytest.raises(DomainError, match="批量审核只能给出“优”或“良”"):
        services.batch_review(actor=u(world, "department"), goals=[a, b], result="中", comment="x")
    decided = services.batch_review(actor=u(world, "department"), goals=[a, b], result="优", comment="同意")
    assert {g.pk for g in decided} == {a.pk, b.pk}
    assert sorted(r.goal_id for r in selectors.inbox_for(user=u(world, "performance"))) == sorted([a.pk, b.pk])


# --- Configured chains ------------------------------------------------------------------------------------


def test_a_four_step_chain_set_by_rule_and_snapshot_at_submission(world):
    c1 = world.regions["c1"]
    org_services.set_rule(
        actor=u(world, "performance"),
        key="goals.review_chain",
        region=c1,
        fiscal_year=2026,
        value=TAIBAI_CHAIN,
        source="太白县预算绩效目标管理实施细则（四级审核制）",
    )
    goal = submitted(world)
    assert goal.chain == TAIBAI_CHAIN
    # A change of the rule mid-review does not move the goal to another chain.
    org_services.set_rule(
        actor=u(world, "performance"),
        key="goals.review_chain",
        region=c1,
        fiscal_year=2026,
        value=TAIBAI_CHAIN[:1],
        source="改为一级审核",
    )
    for reviewer, result in (("department", "优"), ("sector", "良"), ("review_center", "优")):
        goal = services.review_goal(actor=u(world, reviewer), goal=goal, result=result)
        assert goal.status == Goal.Status.IN_REVIEW
    with pytest.raises(PermissionDenied, match="“预算股终审”环节须由预算科审核"):
        services.review_goal(actor=u(world, "performance"), goal=goal, result="优")
    goal = services.review_goal(actor=u(world, "budget"), goal=goal, result="优")
    assert goal.status == Goal.Status.PASSED
    assert [(s, label, result) for s, _, label, _, result in history(goal)] == [
        (1, "主管部门审核", "优"),
        (1, "职能股室复核", "良"),
        (1, "评审中心复审", "优"),
        (1, "预算股终审", "优"),
    ]


def test_a_chain_per_project_kind(world):
    org_services.set_rule(
        actor=u(world, "performance"),
        key="goals.review_chain",
        region=world.regions["c1"],
        fiscal_year=None,
        value={"project": TAIBAI_CHAIN, "department_overall": [{"step": "财政部门审核", "role": "performance"}]},
        source="按项目类型分别设定",
    )
    assert len(submitted(world).chain) == 4
    overall = submitted(world, "c1.dept_a.overall", by="department")
    assert overall.chain == [{"step": "财政部门审核", "role": "performance"}]


# --- Adjustments ------------------------------------------------------------------------------------------


def test_an_adjustment_keeps_both_versions_and_the_approved_one_in_force_until_the_new_passes(world):
    project = world.project("c1.unit_a.P2")  # budgeted, its goal approved with the budget
    v1 = selectors.current_goal(project)
    assert v1 is not None and v1.status == Goal.Status.APPROVED
    with pytest.raises(DomainError, match="修改须提出调整申请") as exc:
        declared(world, "c1.unit_a.P2")
    assert exc.value.field == "status"
    with pytest.raises(DomainError, match="请写明调整理由"):
        services.start_adjustment(actor=u(world, "unit"), project=project, reason="  ")

    v2 = services.start_adjustment(actor=u(world, "unit"), project=project, reason="上级追加资金，扩大示范面积")
    assert (v2.version, v2.status, v2.adjustment_reason) == (2, Goal.Status.DRAFT, "上级追加资金，扩大示范面积")
    assert [i.name for i in v2.indicators.order_by("position")] == [i.name for i in v1.indicators.order_by("position")]
    with pytest.raises(DomainError, match="已有未完成审核的绩效目标版本"):
        services.start_adjustment(actor=u(world, "unit"), project=project, reason="再次调整")
    bigger = replace(GOAL, indicators=[replace(GOAL.indicators[0], target_value=Decimal(2000)), *GOAL.indicators[1:]])
    assert declared(world, "c1.unit_a.P2", data=bigger).pk == v2.pk
    services.submit_goal(actor=u(world, "unit"), goal=v2)
    services.review_goal(actor=u(world, "department"), goal=v2, result="优")
    assert fresh(v1).status == Goal.Status.APPROVED  # still in force while the adjustment is reviewed
    assert selectors.current_goal(world.project("c1.unit_a.P2")).pk == v2.pk  # the open version is shown
    services.review_goal(actor=u(world, "performance"), goal=v2, result="优")
    assert fresh(v1).status == Goal.Status.SUPERSEDED
    assert fresh(v2).status == Goal.Status.APPROVED
    assert fresh(v2).indicators.get(position=1).target_value == Decimal(2000)
    assert Goal.objects.filter(project=project).count() == 2
    assert AuditEvent.objects.filter(action="goal.adjust", object_id=str(v2.pk)).exists()


def test_a_rejected_adjustment_leaves_the_approved_goal_in_force(world):
    project = world.project("c1.unit_a.P2")
    v1 = selectors.current_goal(project)
    v2 = services.start_adjustment(actor=u(world, "unit"), project=project, reason="调整实施内容")
    services.submit_goal(actor=u(world, "unit"), goal=v2)
    services.review_goal(actor=u(world, "department"), goal=v2, result="差", comment="调整理由不充分")
    assert fresh(v1).status == Goal.Status.APPROVED and fresh(v2).status == Goal.Status.REJECTED
    assert selectors.current_goal(project).pk == v1.pk


def test_adjustment_needs_a_goal_in_force(world):
    with pytest.raises(DomainError, match="只有审核通过或已批复的绩效目标才能申请调整"):
        services.start_adjustment(actor=u(world, "unit"), project=world.project("c1.unit_a.P1"), reason="变更")


# --- The gate ---------------------------------------------------------------------------------------------


def test_the_gate_refuses_a_budget_without_a_passed_goal_and_says_why(world):
    project = into_library(world, "c1.unit_a.P1")
    with pytest.raises(DomainError) as exc:
        approve(world, project)
    assert exc.value.message == (
        "项目“141129-JY-01-P1 中阳县第一中学校舍维修改造项目”尚未申报绩效目标，不能批复预算："
        "特定目标类项目须先设定绩效目标并经审核通过。"
    )
    services.submit_goal(actor=u(world, "unit"), goal=declared(world))
    with pytest.raises(DomainError, match="的绩效目标审核中，须审核通过后才能批复预算"):
        approve(world, project)
    assert world.project("c1.unit_a.P1").status == Project.Status.IN_LIBRARY


def test_batch_budget_approval_refuses_the_whole_batch_naming_every_refusal(world):
    a = into_library(world, "c1.unit_a.P1")
    b = into_library(world, "c1.unit_b.P1")
    pass_goal(world, a)
    with pytest.raises(DomainError) as exc:
        project_services.approve_budgets(actor=u(world, "performance"), projects=[a, b])
    assert "1个项目不能批复预算，本批2个项目均未批复" in exc.value.message
    assert "141129-NY-01-P1 中阳县农技推广中心校舍维修改造项目”尚未申报绩效目标" in exc.value.message
    assert world.project("c1.unit_a.P1").status == Project.Status.IN_LIBRARY  # a was not approved either
    pass_goal(world, b)
    approved = project_services.approve_budgets(actor=u(world, "performance"), projects=[a, b])
    assert [p.status for p in approved] == [Project.Status.BUDGETED] * 2
    assert Goal.objects.filter(project__in=[a, b], status=Goal.Status.APPROVED).count() == 2


# --- CLI --------------------------------------------------------------------------------------------------


def run_cli(*argv: str) -> None:
    """The command as the console runs it, exit code included. `run_from_argv` closes every database
    connection when the command ends, which inside the test's transaction would lose it on PostgreSQL."""
    with mock.patch.object(connections, "close_all"):
        ManagementUtility(["jixiao", *argv]).execute()


def test_cli_approve_budget_prints_the_gate_message_and_exits_non_zero(world, capsys):
    into_library(world, "c1.unit_a.P1")
    with pytest.raises(SystemExit) as exit_:
        run_cli("approve_budget", "--user", "t_performance", "--region", "中阳县", "--year", "2026", "141129-JY-01-P1")
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "尚未申报绩效目标，不能批复预算" in err and "141129-JY-01-P1" in err
    assert world.project("c1.unit_a.P1").status == Project.Status.IN_LIBRARY

    pass_goal(world, world.project("c1.unit_a.P1"))
    out = StringIO()
    call_command("approve_budget", "141129-JY-01-P1", user="t_performance", region="141129", year=2026, stdout=out)
    assert "已批复：141129-JY-01-P1 中阳县第一中学校舍维修改造项目，100.00万元" in out.getvalue()
    assert world.project("c1.unit_a.P1").status == Project.Status.BUDGETED
    with pytest.raises(CommandError, match="没有这些项目，或不在您的权限范围内：NOPE"):
        call_command("approve_budget", "NOPE", user="t_performance", region="中阳县", year=2026)


def test_cli_inbox_and_review(world):
    goal = submitted(world)
    out = StringIO()
    call_command("goal_inbox", user="t_department", stdout=out)
    assert "141129-JY-01-P1\t中阳县第一中学校舍维修改造项目\t申报\t主管部门审核" in out.getvalue()
    with pytest.raises(CommandError, match="须在“需补充完善事项”中写明"):
        call_command("review_goal", "141129-JY-01-P1", user="t_department", region="中阳县", year=2026, result="中")
    out = StringIO()
    call_command(
        "review_goal",
        "141129-JY-01-P1",
        "--reasonableness=资金与目标匹配",  # 合理性, as some regions call 适当性
        user="t_department",
        region="141129",
        year=2026,
        result="优",
        stdout=out,
    )
    assert "结果“优”，目标审核中" in out.getvalue()
    assert Review.objects.get(goal=goal, step=1).appropriateness == "资金与目标匹配"
    with pytest.raises(CommandError, match="须由绩效管理审核"):
        call_command("review_goal", "141129-JY-01-P1", user="t_department", region="中阳县", year=2026, result="优")
    out = StringIO()
    call_command("goal_inbox", user="t_department", stdout=out)
    assert "没有待审核的绩效目标" in out.getvalue()


def test_world_budgets_came_through_the_chain(world):
    budgeted = Project.objects.filter(status=Project.Status.BUDGETED)
    assert budgeted.count() == 6
    for project in budgeted:
        goal = Goal.objects.get(project=project)
        assert goal.status == Goal.Status.APPROVED
        assert [r.role for r in goal.reviews.all()] == ["department", "performance"]
