"""绩效自评 through the services: prefill from the approved goal, scoring by the engine on every save,
required explanations, the review flow with returns, scope isolation, re-checks, discrepancy report,
grade-inflation signal and 再评价."""

from decimal import Decimal

import pytest

from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.models import AuditEvent
from jixiao.evaluations import recheck_services, selectors, services, stats
from jixiao.evaluations.models import Recheck, SelfEvaluation
from jixiao.evaluations.services import FormEntry, IndicatorEntry
from jixiao.payments.services import import_payments
from jixiao.rules import scoring

pytestmark = pytest.mark.django_db


def _prefill(world, key="c1.unit_a.P2", user="unit"):
    return services.prefill(actor=world.users[user], project=world.project(key))


def _entries(evaluation, values, **extra):
    rows = list(evaluation.indicators.all())
    return [
        IndicatorEntry(id=r.pk, actual_value=Decimal(v), **extra.get(r.name, {}))
        for r, v in zip(rows, values, strict=True)
    ]


def _fill(world, evaluation, values=("1200", "100", "95"), executed="250000.50", user="unit", **extra):
    data = FormEntry(
        annual_goal_actual="完成", executed=Decimal(executed), indicators=_entries(evaluation, values, **extra)
    )
    return services.save_entries(actor=world.users[user], evaluation=evaluation, data=data)


def _stored(value):
    return value.quantize(Decimal("1e-10"))


def test_prefill_copies_the_approved_goal_and_the_budget(world):
    project = world.project("c1.unit_a.P2")
    evaluation = _prefill(world)
    goal = project.goals.get(status="approved")
    assert evaluation.goal == goal
    assert evaluation.annual_goal_expected == goal.annual_goal
    assert evaluation.budget_initial == project.amount_approved
    assert evaluation.budget_full_year == project.amount_approved  # no adjustment
    assert evaluation.executed is None
    rows = list(evaluation.indicators.all())
    assert [(r.name, r.operator, r.target_value) for r in rows] == [
        (i.name, i.operator, i.target_value) for i in goal.indicators.all()
    ]
    # Declared without points: the national template's 50 / 30 / 10 per 一级指标.
    assert [r.weight for r in rows] == [Decimal(50), Decimal(30), Decimal(10)]
    assert evaluation.total_score is None and evaluation.grade == ""
    assert AuditEvent.objects.filter(action="selfeval.create", object_id=str(evaluation.pk)).exists()
    # Prefilling again returns the same form.
    assert _prefill(world).pk == evaluation.pk


def test_prefill_takes_the_years_payments_as_executed(world, tmp_path):
    project = world.project("c1.unit_a.P2")
    path = tmp_path / "支付.csv"
    path.write_text(
        f"项目编码,支付日期,金额（元）\n{project.code},{project.fiscal_year}-03-05,120000.50\n"
        f"{project.code},{project.fiscal_year}-11-30,80000\n",
        encoding="utf-8",
    )
    import_payments(
        actor=world.users["budget"],
        path=path,
        filename=path.name,
        region=project.region,
        fiscal_year=project.fiscal_year,
        period=None,
    )
    assert _prefill(world).executed == Decimal("200000.50")


def test_a_project_without_approved_budget_is_not_prefilled(world):
    with pytest.raises(DomainError, match="预算尚未批复"):
        _prefill(world, "c1.unit_a.P1")


def test_scores_through_the_services_match_the_engine(world):
    evaluation = _fill(world, _prefill(world), values=("1000", "100", "80"), executed="200000")
    rows = list(evaluation.indicators.all())
    expected = scoring.score_form(
        [
            scoring.Indicator(r.name, r.weight, r.operator, r.target_value, r.actual_value, level1=r.level1)
            for r in rows
        ],
        scoring.Funds(adjusted=evaluation.budget_full_year, spent=Decimal(200000), initial=evaluation.budget_initial),
    )
    stored = SelfEvaluation.objects.get(pk=evaluation.pk)
    assert stored.total_score == _stored(expected.total)
    assert stored.grade == expected.grade
    assert [r.score for r in rows] == [_stored(s.score) for s in expected.indicators]
    assert stored.execution_score == _stored(expected.execution.score)
    # Kept to 10 decimals, not rounded for display: 1000 / 1200 × 50 = 41.666…
    assert rows[0].score == Decimal("41.6666666667")
    assert "实际值 1000 ÷ 指标值 1200" in rows[0].explanation["text"]
    assert evaluation.explanation["grade"] == expected.grade


def test_a_missed_target_needs_reason_and_measures_before_submit(world):
    evaluation = _fill(world, _prefill(world), values=("1000", "100", "95"))
    with pytest.raises(DomainError, match="须分析偏差原因") as caught:
        services.submit(actor=world.users["unit"], evaluation=evaluation)
    assert caught.value.field == "indicators.0.deviation_reason"
    first = evaluation.indicators.first().name
    evaluation = _fill(
        world,
        evaluation,
        values=("1000", "100", "95"),
        **{first: {"deviation_reason": "工期受雨季影响", "improvement_measures": "提前安排施工计划"}},
    )
    assert services.submit(actor=world.users["unit"], evaluation=evaluation).status == "submitted"


def test_a_not_applicable_indicator_needs_a_reason_and_the_total_is_rescaled(world):
    evaluation = _prefill(world)
    last = list(evaluation.indicators.all())[-1].name
    evaluation = _fill(world, evaluation, values=("1200", "100", "0"), **{last: {"not_applicable": True}})
    assert evaluation.total_score == Decimal(100)  # 90 of 90 applicable points, rescaled
    with pytest.raises(DomainError, match="不适用，须说明理由"):
        services.submit(actor=world.users["unit"], evaluation=evaluation)


def test_a_deduction_without_reason_is_refused(world):
    evaluation = _prefill(world)
    first = evaluation.indicators.first().name
    with pytest.raises(DomainError, match="偏离度调减须说明理由") as caught:
        _fill(world, evaluation, values=("3000", "100", "95"), **{first: {"deduction": Decimal(5)}})
    assert caught.value.field == "indicators.0.deduction"


def test_flow_with_returns_up_to_finance_review(world):
    unit, dept, finance = world.users["unit"], world.users["department"], world.users["performance"]
    evaluation = services.submit(actor=unit, evaluation=_fill(world, _prefill(world)))
    assert selectors.review_inbox(user=dept).filter(pk=evaluation.pk).exists()
    assert not selectors.review_inbox(user=finance).filter(pk=evaluation.pk).exists()
    with pytest.raises(PermissionDenied):
        services.review(actor=finance, evaluation=evaluation, approve=True)
    with pytest.raises(DomainError, match="退回须写明"):
        services.review(actor=dept, evaluation=evaluation, approve=False)
    evaluation = services.review(actor=dept, evaluation=evaluation, approve=False, comment="满意度数据来源不明")
    assert evaluation.status == "returned" and evaluation.review_comment == "满意度数据来源不明"
    evaluation = services.submit(actor=unit, evaluation=_fill(world, evaluation))
    evaluation = services.review(actor=dept, evaluation=evaluation, approve=True)
    assert evaluation.status == "dept_reviewed"
    assert selectors.review_inbox(user=finance).filter(pk=evaluation.pk).exists()
    evaluation = services.review(actor=finance, evaluation=evaluation, approve=False, comment="执行数与决算不符")
    assert evaluation.status == "returned"
    evaluation = services.submit(actor=unit, evaluation=_fill(world, evaluation))
    evaluation = services.review(actor=dept, evaluation=evaluation, approve=True)
    evaluation = services.review(actor=finance, evaluation=evaluation, approve=True)
    assert evaluation.status == "finance_reviewed"
    with pytest.raises(DomainError, match="不能修改"):
        _fill(world, evaluation)
    actions = list(
        AuditEvent.objects.filter(object_id=str(evaluation.pk), action__startswith="selfeval.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions.count("selfeval.return") == 2 and actions[-1] == "selfeval.review"


def test_one_unit_cannot_see_or_change_another_units_evaluation(world):
    evaluation = _prefill(world)
    other = world.users["unit_b"]
    assert not selectors.self_evaluations_for(user=other).filter(pk=evaluation.pk).exists()
    with pytest.raises(NotFound):
        selectors.self_evaluation_detail(user=other, pk=evaluation.pk)
    with pytest.raises(NotFound):
        _fill(world, evaluation, user="unit_b")
    with pytest.raises(NotFound):
        services.prefill(actor=other, project=world.project("c1.unit_a.P2"))


def _reviewed(world, values=("1200", "100", "95"), key="c1.unit_a.P2", unit="unit"):
    evaluation = _fill(world, _prefill(world, key, unit), values=values, user=unit)
    return services.submit(actor=world.users[unit], evaluation=evaluation)


def test_recheck_scores_on_the_same_form_and_the_discrepancy_report_shows_the_differences(world):
    evaluation = _reviewed(world)
    assert evaluation.grade == "优"
    finance = world.users["performance"]
    recheck = recheck_services.assign_recheck(actor=finance, evaluation=evaluation)
    assert recheck.total_score == evaluation.total_score  # prefilled with what the unit stated
    rows = list(recheck.indicators.all())
    entries = [
        recheck_services.RecheckEntry(id=r.pk, actual_value=v, comment=c)
        for r, v, c in zip(
            rows, (Decimal(600), Decimal(100), Decimal(95)), ("现场核实仅完成600平方米", "", ""), strict=True
        )
    ]
    recheck = recheck_services.save_recheck(
        actor=finance, recheck=recheck, data=FormEntry(executed=evaluation.executed, indicators=entries), complete=True
    )
    assert recheck.status == Recheck.Status.DONE
    report = stats.discrepancy(recheck)
    first = report["indicators"][0]
    assert first["self_score"] == Decimal(50) and first["recheck_score"] == Decimal(25)
    assert first["difference"] == Decimal(-25)
    assert report["total"]["difference"] == Decimal(-25)
    assert report["grade"] == {"self": "优", "recheck": "中", "changed": True}


def test_the_inflation_signal_flags_a_department_whose_excellent_grades_fall_on_recheck(world):
    finance = world.users["performance"]
    kind = _reviewed(world)  # 教育局 (第一中学): 优, the re-check says 中
    other = _reviewed(world, key="c1.unit_b.P2", unit="unit_b")  # 农业农村局: 优, confirmed
    for evaluation, first in ((kind, Decimal(600)), (other, Decimal(1200))):
        recheck = recheck_services.assign_recheck(actor=finance, evaluation=evaluation)
        rows = list(recheck.indicators.all())
        entries = [recheck_services.RecheckEntry(id=rows[0].pk, actual_value=first)]
        recheck_services.save_recheck(
            actor=finance,
            recheck=recheck,
            data=FormEntry(executed=evaluation.executed, indicators=entries),
            complete=True,
        )
    signals = {
        s.department_id: s for s in stats.inflation(selectors.self_evaluations_for(user=finance).filter(year=2025))
    }
    education, agriculture = signals[world.orgs["c1.dept_a"].pk], signals[world.orgs["c1.dept_b"].pk]
    assert (education.self_share, education.recheck_share, education.downgraded) == (1, 0, 1)
    assert education.flagged and not agriculture.flagged
    assert education.region_share == 1


def test_reevaluation_scores_a_department_on_the_checklist(world):
    finance = world.users["performance"]
    dept = world.orgs["c1.dept_a"]
    scores = [recheck_services.AspectScore(k, Decimal(s)) for k, s in (("rules", 10), ("cooperation", 18))]
    reevaluation = recheck_services.save_reevaluation(actor=finance, department=dept, year=2025, scores=scores)
    assert len(reevaluation.items) == 5 and reevaluation.total_score is None
    rest = [recheck_services.AspectScore(k, Decimal(20)) for k in ("goals", "self_evaluation", "use_of_results")]
    reevaluation = recheck_services.save_reevaluation(
        actor=finance, department=dept, year=2025, scores=rest, findings="未制定内部绩效管理制度", complete=True
    )
    assert reevaluation.total_score == Decimal(88) and reevaluation.grade == "良"
    with pytest.raises(DomainError, match="须在0到20分之间"):
        recheck_services.save_reevaluation(
            actor=finance,
            department=world.orgs["c1.dept_b"],
            year=2025,
            scores=[recheck_services.AspectScore("rules", Decimal(25))],
        )
    with pytest.raises((NotFound, PermissionDenied)):
        recheck_services.save_reevaluation(actor=world.users["department"], department=dept, year=2024, scores=[])


def test_summary_counts_amounts_and_grades(world):
    _reviewed(world)
    evaluations = selectors.self_evaluations_for(user=world.users["performance"]).filter(year=2025)
    summary = stats.summary(evaluations)
    assert summary["projects"]["count"] == 1
    assert summary["projects"]["grades"]["优"] == 1
    assert summary["projects"]["amount"] == world.project("c1.unit_a.P2").amount_approved
    assert SelfEvaluation.objects.count() == 1
