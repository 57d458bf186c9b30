"""The demo data: loaded, the system's own statistics reproduce the figures of the seed work reports.

The demo is loaded once for this module, inside an outer transaction rolled back at the end (as the
shared test world is); every test runs in a savepoint within it. Figures are read the way the pages
read them: through the selectors, as a demo user.
"""

import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Min, Sum
from django.db.models.functions import Coalesce
from django.test import override_settings

from jixiao.appraisals.models import Assessment, BudgetReview, FunctionPointReview, PanelSignature
from jixiao.appraisals.selectors import assessments_for, worklist
from jixiao.appraisals.stats import appraisal_stats
from jixiao.core.models import AuditEvent
from jixiao.demo import indicators, tables
from jixiao.demo.generate import (
    FAULTS,
    plan_goals,
    plan_library,
    plan_organizations,
    plan_projects,
    rng_for,
    split_exact,
)
from jixiao.demo.loader import load
from jixiao.demo.monitoring import plan_monitoring
from jixiao.evaluations import recheck_services
from jixiao.evaluations.models import Recheck, ReEvaluation, SamplingPlan
from jixiao.evaluations.selectors import self_evaluations_for
from jixiao.evaluations.stats import inflation
from jixiao.goals import services as goal_services
from jixiao.goals.models import Goal, Indicator, LibraryIndicator, Review
from jixiao.goals.stats import goal_stats
from jixiao.monitoring.models import (
    Disposition,
    MonitoringReport,
    MonitoringRound,
    MonitoringWarning,
    RectificationItem,
)
from jixiao.monitoring.selectors import available_budget, payment_block
from jixiao.orgs import selectors as org_selectors
from jixiao.orgs.models import Membership, Organization, Region, RuleSetting, User
from jixiao.orgs.rules_config import resolve
from jixiao.payments.models import Payment, PaymentBatch, ProjectMonth
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for, totals
from jixiao.rules.config import grade_for
from jixiao.rules.goal_checks import CheckSettings, GoalFacts, IndicatorFacts, check_goal
from jixiao.rules.money import yuan_to_wan
from tests.conftest import FAST_HASHERS


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield load()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(_demo, db):
    return _demo


def user(username: str) -> User:
    return User.objects.get(username=username)


def yuan(wan: str) -> Decimal:
    return Decimal(wan) * 10000


def projects(username: str, region: str, year: int):
    return projects_for(user=user(username)).filter(region__code=region, fiscal_year=year)


# --- 中阳县 ------------------------------------------------------------------------------------------


def test_zhongyang_2024_budget_is_2779_projects_and_288828_98_wan(demo):
    qs = projects("zhongyang_jx", "141129", 2024)
    t = totals(qs)
    assert t.count == 2779
    assert t.requested == Decimal("2888289800.00")
    assert t.approved == Decimal("2888289800.00")  # the budget was approved as compiled


def test_zhongyang_2024_splits_into_operating_and_specific_as_reported(demo):
    qs = projects("zhongyang_jx", "141129", 2024)
    assert totals(qs.filter(category="其他运转类")).requested == yuan("29780.18")
    assert totals(qs.filter(category="特定目标类")).requested == yuan("259048.8")
    assert qs.exclude(category__in=["其他运转类", "特定目标类"]).count() == 0
    assert set(qs.values_list("status", flat=True)) == {Project.Status.BUDGETED}


def test_zhongyang_has_37_new_specific_projects_of_500_wan_or_more(demo):
    qs = projects("zhongyang_jx", "141129", 2024).filter(is_new=True, amount_requested__gte=5_000_000)
    assert qs.count() == 37
    assert set(qs.values_list("category", flat=True)) == {"特定目标类"}


@pytest.mark.parametrize(
    ("name", "year", "wan", "score"),
    [
        ("中阳县2024年度衔接推进乡村振兴补助资金支出", 2024, "18570.75", "89.97"),
        ("中阳县殡仪馆整体项目资金支出", 2024, "5917.17", "77.7"),
        ("下枣林乡公益性公募建设项目资金支出", 2024, "98.79", "75.02"),
        ("中阳县县级公益性公募整体项目资金支出", 2024, "665.78", "70.6"),
        ("中阳县2023年建制村通公路、自然村通硬化路‘四好农村路’建设", 2023, "9610.86", "90.85"),
        ("中阳县‘四好农村路’建设（2022年自然村通公路工程）", 2022, "2643.66", "91.34"),
        ("中阳县‘四好农村路’建设（2022年建制村通公路工程）", 2022, "2500.25", "89.12"),
        ("中阳县2024年‘四好农村路’建设工程", 2024, "11161.02", "89.71"),
    ],
)
def test_zhongyang_key_evaluated_projects_carry_the_reported_amounts(demo, name, year, wan, score):
    p = projects("zhongyang_jx", "141129", year).get(name=name)
    assert p.amount_requested == yuan(wan)
    assert not p.is_generated
    assert f"得分{score}分" in p.description


def test_zhongyang_department_and_unit_users_see_their_own_projects_only(demo):
    department = projects_for(user=user("zhongyang_jt"))
    unit = projects_for(user=user("zhongyang_glz"))
    transport = Organization.objects.get(name="中阳县交通运输局")
    assert department.exists() and not department.exclude(department=transport).exists()
    assert unit.exists() and set(unit.values_list("owner__name", flat=True)) == {"中阳县农村公路管理站"}
    assert unit.filter(name="中阳县2024年‘四好农村路’建设工程").exists()
    assert department.count() > unit.count()


def test_congress_and_audit_read_the_county_and_the_three_administrators_see_no_projects(demo):
    county = projects_for(user=user("zhongyang_jx")).count()
    assert projects_for(user=user("zhongyang_rd")).count() == county
    assert projects_for(user=user("zhongyang_sj")).count() == county
    for admin in ("zhongyang_xtgl", "zhongyang_aqgl", "zhongyang_sjgl"):
        assert not projects_for(user=user(admin)).exists()


def test_lvliang_scope_includes_zhongyang(demo):
    city = projects_for(user=user("lvliang_jx"))
    assert city.filter(region__code="141129").count() == projects_for(user=user("zhongyang_jx")).count()


# --- 吕梁市 ------------------------------------------------------------------------------------------


def test_lvliang_30_key_evaluations_total_21_66_yi_with_generated_amounts(demo):
    qs = projects("lvliang_jx", "141100", 2023)
    t = totals(qs)
    assert (t.count, t.requested) == (30, yuan("216600"))
    assert all("金额为演示生成" in d for d in qs.values_list("description", flat=True))
    grades = [p.evaluation.grade for p in tables.LVLIANG_PROJECTS if p.evaluation]
    assert [grades.count(g) for g in ("优", "良", "中", "差")] == [1, 18, 9, 2]


# --- 岳池县 ------------------------------------------------------------------------------------------


def test_yuechi_goals_cover_17395_88_wan_and_85_departments(demo):
    assert totals(projects("yuechi_jx", "511621", 2023)).requested == yuan("17395.88")
    units = org_selectors.budget_units_for(user=user("yuechi_jx"))
    assert units.filter(region__code="511621", kind="department").count() == 85
    assert units.filter(region__code="511621", kind="department", is_generated=False).count() == 5


def test_yuechi_five_ex_ante_projects_are_named(demo):
    qs = projects("yuechi_jx", "511621", 2023).filter(is_generated=False)
    assert set(qs.values_list("name", flat=True)) == {p.name for p in tables.YUECHI_PROJECTS}
    assert set(qs.values_list("department__name", flat=True)) == {
        "岳池县消防救援大队",
        "岳池县住房和城乡建设局",
        "岳池县民政局",
        "岳池县现代农业园区服务中心",
    }


# --- 蔡甸区 ------------------------------------------------------------------------------------------


def test_caidian_358_projects_12_92_yi_and_70_departments(demo):
    t = totals(projects("caidian_jx", "420114", 2023).exclude(kind="department_overall"))
    assert (t.count, t.requested) == (358, yuan("129200"))
    units = org_selectors.budget_units_for(user=user("caidian_jx"))
    assert units.filter(region__code="420114", kind="department").count() == 70


def test_caidian_42_key_evaluations_4_07_yi_in_39_departments(demo):
    key = projects("caidian_jx", "420114", 2023).filter(description__contains="2024年区级重点绩效评价项目")
    assert (totals(key).count, totals(key).requested) == (42, yuan("40700"))
    departments = set(key.values_list("department__name", flat=True))
    assert len(departments) == 39
    assert {"蔡甸区财政局机关", "蔡甸区民政局", "蔡甸区大数据中心", "中共蔡甸区委组织部"} <= departments
    assert key.filter(owner__name="蔡甸区公路运输管理所", name="2023年公路货物运规上企业奖补资金项目").exists()


# --- 宝鸡市 ------------------------------------------------------------------------------------------


def test_baoji_59_ex_ante_projects_await_appraisal_with_24053_22_wan(demo):
    qs = projects("baoji_jx", "610300", 2023)
    t = totals(qs)
    assert (t.count, t.requested, t.approved) == (59, yuan("24053.22"), Decimal(0))
    assert set(qs.values_list("status", flat=True)) == {Project.Status.SUBMITTED}


def test_baoji_scope_covers_every_county_and_rules_come_from_the_reports(demo):
    city = user("baoji_jx")
    codes = set(org_selectors.regions_for(user=city).values_list("code", flat=True))
    assert {"610329", "610331", "610371"} <= codes
    assert projects_for(user=city).filter(region__code="610329", name="农村清洁能源项目").exists()
    taibai = Region.objects.get(code="610331")
    assert resolve("goals.review_chain", taibai, 2023).value[-1] == {"step": "预算股终审", "role": "budget"}
    # 宝鸡's 100万 threshold reaches its counties; 中阳 keeps 500万.
    assert resolve("appraisal.new_project_threshold_yuan", taibai, 2023).value == "1000000"
    assert resolve("appraisal.new_project_threshold_yuan", Region.objects.get(code="141129"), 2024).value == "5000000"


# --- generated data, idempotency, accounts -----------------------------------------------------------


def test_generated_rows_are_marked_and_named_rows_are_not(demo):
    all_projects = projects_for(user=user("lvliang_jx")) | projects_for(user=user("baoji_jx"))
    generated = Project.objects.filter(is_generated=True)
    assert generated.exists()
    assert not generated.exclude(description__startswith="演示生成").exists()
    named = {p.name for p in tables.ZHONGYANG_PROJECTS + tables.LVLIANG_PROJECTS}
    assert not all_projects.filter(name__in=named, is_generated=True).exists()
    assert Organization.objects.get(name="中阳县交通运输局").is_generated is False
    assert Organization.objects.get(name="中阳县农村公路管理站").is_generated is True


@pytest.mark.parametrize("n", [1, 2, 7, 1206])
def test_split_exact_gives_positive_whole_hundredths_of_wan_that_sum_to_the_total(n):
    total = Decimal("297801800.00")
    parts = split_exact(total, [rng_for("test", n).lognormvariate(0, 1) for _ in range(n)])
    assert len(parts) == n and sum(parts) == total
    assert all(p > 0 and p % 100 == 0 for p in parts)


def test_the_plan_is_the_same_on_every_run():
    first = plan_projects(plan_organizations())
    second = plan_projects(plan_organizations())
    assert first == second
    assert len({(p.region, p.fiscal_year, p.code) for p in first}) == len(first)


def test_loading_again_writes_nothing(demo):
    models = [Region, Organization, User, Membership, RuleSetting, Project, Project.history.model, AuditEvent]
    models += [Goal, Indicator, Review, LibraryIndicator, Assessment, BudgetReview, PanelSignature, FunctionPointReview]
    models += [
        PaymentBatch,
        Payment,
        MonitoringRound,
        MonitoringReport,
        MonitoringWarning,
        Disposition,
        RectificationItem,
    ]
    before = [m.objects.count() for m in models]
    report = load()
    assert not report.changed
    assert report.projects_unchanged == Project.objects.count()
    assert [m.objects.count() for m in models] == before


def test_demo_command_prints_every_account_with_the_password_and_quiet_prints_nothing(demo, capsys):
    call_command("demo")
    out = capsys.readouterr().out
    assert "已存在，未作改动" in out
    for username, *_ in tables.USERS:
        assert username in out
    assert tables.DEMO_PASSWORD in out
    call_command("demo", "--quiet")
    assert capsys.readouterr().out == ""


def test_demo_command_refuses_production(demo, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="生产环境"):
        call_command("demo", "--quiet")


@pytest.mark.parametrize("username", ["zhongyang_jx", "zhongyang_glz", "zhongyang_sjgl", "baoji_jx"])
def test_demo_users_sign_in_through_the_login_form(demo, client, username):
    response = client.post("/accounts/login/", {"username": username, "password": tables.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_audit_names_the_performance_user_for_projects_and_the_system_for_organizations(demo):
    project_events = AuditEvent.objects.filter(action="project.demo", region_path="510000/511600/511621/")
    assert set(project_events.values_list("actor_name", flat=True)) == {"yuechi_jx"}
    assert project_events.count() == Project.objects.filter(region__code="511621").count()
    org_events = AuditEvent.objects.filter(action="organization.create")
    assert set(org_events.values_list("actor_name", flat=True)) == {"系统"}


# --- goals -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def goal_plans():
    return plan_goals(plan_projects(plan_organizations()))


def facts(plan, budget: Decimal) -> GoalFacts:
    return GoalFacts(
        kind="project",
        category="特定目标类",
        budget_yuan=budget,
        has_beneficiaries=plan.has_beneficiaries,
        annual_goal=plan.annual_goal,
        mid_term_goal=plan.mid_term_goal,
        indicators=tuple(
            IndicatorFacts(n, i.level1, i.level2, i.name, i.operator, i.target_value, i.target_text, i.unit,
                           i.explanation, i.remark, i.basis, i.last_year_actual)
            for n, i in enumerate(plan.indicators, start=1)
        ),
    )  # fmt: skip


def test_every_pool_has_7_to_12_templates_with_an_output_quantity_and_a_benefit():
    names = [f"2024年{p}" for phrases in tables.SPECIFIC_PHRASES.values() for p in phrases]
    pools = [indicators.pool_for(n, domain=d, kind="project", category="特定目标类")
             for d, phrases in tables.SPECIFIC_PHRASES.items() for n in [f"2024年{p}" for p in phrases]]  # fmt: skip
    pools += [indicators.pool_for(p.name, domain=p.domain_tags[0], kind=p.kind, category=p.category)
              for p in plan_projects(plan_organizations()) if not p.generated]  # fmt: skip
    pools += [indicators.pool_for(p, domain="一般公共服务", kind="project", category="其他运转类")
              for p in tables.OPERATING_PHRASES]  # fmt: skip
    assert len(pools) > len(names)
    for pool in pools:
        assert 7 <= len(pool) <= 12
        assert any(t.level2 == "数量指标" for t in pool) and any(t.level1 == "效益指标" for t in pool)
        assert len({t.key for t in pool}) == len(pool)


def test_goal_plan_is_deterministic_and_about_15_percent_carry_a_fault(goal_plans):
    assert goal_plans == plan_goals(plan_projects(plan_organizations()))
    faulty = [g for g in goal_plans if g.fault]
    assert 0.12 < len(faulty) / len(goal_plans) < 0.18
    assert {g.fault for g in faulty} == set(FAULTS)


def test_the_checks_find_each_planned_fault_and_nothing_in_clean_goals(goal_plans):
    settings = CheckSettings.from_rules({})
    budgets = {(p.region, p.code): p.amount for p in plan_projects(plan_organizations())}
    for plan in goal_plans:
        found = {f.check for f in check_goal(facts(plan, budgets[(plan.region, plan.project_code)]), settings)}
        if plan.fault:
            assert plan.fault in found, (plan.project_code, plan.fault, found)
        else:
            assert found == set(), (plan.project_code, found)


def test_loaded_faulty_goals_are_found_by_the_checks_in_the_database(demo, goal_plans):
    for fault in FAULTS:
        plan = next(g for g in goal_plans if g.fault == fault)
        goal = Goal.objects.get(project__region__code=plan.region, project__code=plan.project_code)
        assert fault in {f.check for f in goal_services.findings_for(goal)}


def test_every_demo_project_has_a_goal_approved_with_its_budget(demo):
    budgeted = Project.objects.filter(status=Project.Status.BUDGETED)
    assert not budgeted.filter(goals__isnull=True).exists()
    assert not budgeted.exclude(goals__status=Goal.Status.APPROVED).exists()
    assert Goal.objects.count() == Project.objects.count()
    assert not Goal.objects.filter(is_generated=False).exists()
    events = AuditEvent.objects.filter(action="goal.demo", region_path="510000/511600/511621/")
    assert events.count() == Goal.objects.filter(project__region__code="511621").count()
    assert set(events.values_list("actor_name", flat=True)) == {"yuechi_jx"}


def test_baoji_appraisal_goals_are_in_review_passed_or_drafts_and_in_review_ones_wait_for_the_department(demo):
    goals = Goal.objects.filter(project__region__code="610300", project__fiscal_year=2023)
    statuses = set(goals.values_list("status", flat=True))
    assert statuses == {Goal.Status.IN_REVIEW, Goal.Status.PASSED, Goal.Status.DRAFT}
    pending = Review.objects.filter(goal__in=goals, state=Review.State.PENDING)
    assert pending.count() == goals.filter(status=Goal.Status.IN_REVIEW).count()
    assert set(pending.values_list("role", flat=True)) == {"department"}


def test_taibai_four_step_chain_has_a_goal_pending_at_each_step_and_one_passed(demo):
    goals = Goal.objects.filter(project__region__code="610331")
    pending = Review.objects.filter(goal__in=goals, state=Review.State.PENDING)
    assert sorted(pending.values_list("step", "step_label", "role")) == [
        (1, "主管部门审核", "department"),
        (2, "职能股室复核", "sector"),
        (3, "评审中心复审", "review_center"),
        (4, "预算股终审", "budget"),
    ]
    passed = goals.get(status=Goal.Status.PASSED)
    done = passed.reviews.filter(state=Review.State.DONE).order_by("step")
    assert list(done.values_list("reviewer__username", flat=True)) == [
        "taibai_nyj",
        "taibai_jj",
        "taibai_ps",
        "taibai_ys",
    ]


def test_zhongyang_2025_goals_returned_with_fair_and_the_reviewers_opinions(demo):
    returned = Goal.objects.filter(project__region__code="141129", status=Goal.Status.RETURNED)
    assert returned.count() == 2
    for goal in returned:
        last = goal.reviews.get(result="中")
        assert last.reviewer.username == "zhongyang_jx"
        assert last.appropriateness and last.feasibility and "重新报送" in last.comment
    unit = User.objects.get(username="zhongyang_glz")
    assert projects_for(user=unit).filter(goals__status=Goal.Status.RETURNED).exists()


def test_yuechi_2023_goal_coverage_is_17395_88_wan(demo):
    stats = goal_stats(region=Region.objects.get(code="511621"), year=2023, user=user("yuechi_jx"))
    expected = totals(projects("yuechi_jx", "511621", 2023))
    assert stats.total.needing.amount == expected.requested == yuan("17395.88")
    assert stats.total.stages["approved"].amount == yuan("17395.88")
    assert (stats.total.needing.count, stats.total.coverage_rate) == (436, Decimal("100.00"))
    assert len(stats.by_department) == len(
        set(projects("yuechi_jx", "511621", 2023).values_list("department", flat=True))
    )


def test_zhongyang_2024_goal_coverage_is_the_whole_budget(demo):
    # Goal coverage counts each project's budget as it stands: the 288828.98万元 compiled at the start of
    # the year plus the mid-year additions (年中追加) that 全年预算数 carries (see the monitoring tests).
    stats = goal_stats(region=Region.objects.get(code="141129"), year=2024)
    qs = Project.objects.filter(region__code="141129", fiscal_year=2024)
    added = qs.filter(amount_adjusted__isnull=False).aggregate(s=Sum(F("amount_adjusted") - F("amount_approved")))["s"]
    assert added > 0
    assert (stats.total.needing.count, stats.total.needing.amount) == (2779, yuan("288828.98") + added)
    assert stats.total.coverage_rate == stats.total.reviewed_rate == Decimal("100.00")


def test_library_has_common_entries_per_bureau_and_specific_ones_with_usage_counts(demo):
    plans = plan_library()
    assert LibraryIndicator.objects.count() == len(plans)
    common = LibraryIndicator.objects.filter(scope="common", region__code="141129")
    assert common.filter(name="资金使用合规率", usage_count__gt=0).exists()
    specific = LibraryIndicator.objects.filter(scope="specific", owner__name="中阳县交通运输局")
    assert specific.filter(usage_count__gt=0).exists()
    assert AuditEvent.objects.filter(action="library.save").count() == len(plans)


# --- 事前绩效评估 and 预算评审 ---------------------------------------------------------------------------


def reviewed(region: str, year: int) -> tuple[int, Decimal, Decimal, Decimal]:
    """Final budget reviews of the region's own projects, summed straight from the table."""
    qs = BudgetReview.objects.filter(project__region__code=region, project__fiscal_year=year, status="final")
    sums = qs.aggregate(s=Sum("submitted_yuan"), a=Sum("approved_yuan"), r=Sum("reduced_yuan"))
    return qs.count(), sums["s"], sums["a"], sums["r"]


@pytest.mark.parametrize(
    ("region", "year", "count", "submitted", "approved", "reduced", "rate"),
    [
        ("610300", 2023, 59, "24053.22", "14892.89", "9160.33", "38.08"),  # 宝鸡市
        ("610305", 2023, 800, "22404", "8873", "13531", "60.40"),  # 凤翔区 (the report rounds to 60%)
        ("610329", 2024, 572, "29026.74", "25916.74", "3110", "10.71"),  # 麟游县
        ("610326", 2023, 427, "80126.57", "52178.43", "27948.14", "34.88"),  # 眉县
    ],
)
def test_budget_reviews_reproduce_the_reports(demo, region, year, count, submitted, approved, reduced, rate):
    n, s, a, r = reviewed(region, year)
    assert (n, s, a, r) == (count, yuan(submitted), yuan(approved), yuan(reduced))
    assert (r * 100 / s).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == Decimal(rate)
    stats = appraisal_stats(region=Region.objects.get(code=region), year=year).total
    assert (stats.reviewed, stats.submitted, stats.approved, stats.reduced) == (n, s, a, r)
    assert stats.reduction_rate == Decimal(rate)
    assert not BudgetReview.objects.filter(project__region__code=region).exclude(status="final").exists()


def test_baoji_conclusions_are_4_rejected_and_13_to_be_adjusted(demo):
    conclusions = Assessment.objects.filter(project__region__code="610300", project__fiscal_year=2023)
    counted = dict(conclusions.values_list("conclusion").annotate(n=Count("id")).values_list("conclusion", "n"))
    assert counted == {"予以支持": 42, "调整完善后予以支持": 13, "不予支持": 4}
    stats = appraisal_stats(region=Region.objects.get(code="610300"), year=2023).total
    assert (stats.assessed, stats.by_conclusion) == (59, counted)
    # A rejected project is cut whole; one to be adjusted waits for its resubmission in the worklist.
    rejected = conclusions.filter(conclusion="不予支持").values("project")
    assert set(BudgetReview.objects.filter(project__in=rejected).values_list("approved_yuan", flat=True)) == {0}
    waiting = set(
        worklist(user=user("baoji_jx"), fiscal_year=2023).filter(region__code="610300").values_list("pk", flat=True)
    )
    not_passing = set(conclusions.exclude(conclusion="予以支持").values_list("project", flat=True))
    assert waiting and waiting <= not_passing


def test_baoji_software_projects_are_costed_by_function_points(demo):
    reviews = FunctionPointReview.objects.filter(project__region__code="610300").select_related("budget_review")
    assert reviews.count() == 15
    for fp_review in reviews:
        assert fp_review.items.count() >= 8 and fp_review.result["benchmark"]
        assert fp_review.budget_review.approved_yuan == fp_review.proposed_approved_yuan
        assert fp_review.requested_yuan == fp_review.budget_review.submitted_yuan
    s = sum(r.budget_review.submitted_yuan for r in reviews)
    cut = sum(r.budget_review.reduced_yuan for r in reviews)
    assert abs(cut * 100 / s - Decimal("33.75")) < 1  # the report's average 审减率 of its 15 software projects


def test_final_reviews_are_signed_by_the_whole_panel_of_their_region(demo):
    signatures = PanelSignature.objects.filter(review__project__region__code="610305").select_related("member")
    assert signatures.count() == 4 * 800
    members = {(s.role, s.member.username) for s in signatures}
    assert members == {("budget", "fengxiang_ys"), ("performance", "fengxiang_jx")} | {
        ("sector", "fengxiang_jj"),
        ("review_center", "fengxiang_ps"),
    }


def test_fengxiang_cancelled_170_projects_of_7909_wan_and_budgets_do_not_exceed_the_reviews(demo):
    cut_whole = BudgetReview.objects.filter(project__region__code="610305", approved_yuan=0)
    assert (cut_whole.count(), cut_whole.aggregate(s=Sum("submitted_yuan"))["s"]) == (170, yuan("7909"))
    assert set(cut_whole.values_list("project__status", flat=True)) == {Project.Status.CANCELLED}
    budgeted = Project.objects.filter(
        region__code__in=["610305", "610326", "610329"], status="budgeted", budget_reviews__isnull=False
    )
    assert not budgeted.filter(amount_approved__gt=F("budget_reviews__approved_yuan")).exists()
    assert budgeted.count() == 800 - 170 + 572 + 427 - 9


def test_zhongyang_37_assessments_all_score_90_or_more(demo):
    stats = appraisal_stats(region=Region.objects.get(code="141129"), year=2024).total
    assessed = Assessment.objects.filter(project__region__code="141129", project__fiscal_year=2024)
    assert assessed.count() == stats.assessed == 37
    assert assessed.aggregate(low=Min("total"))["low"] >= 90 and stats.lowest_score >= 90
    wanted = projects("zhongyang_jx", "141129", 2024).filter(is_new=True, amount_requested__gte=5_000_000)
    assert set(assessed.values_list("project", flat=True)) == set(wanted.values_list("pk", flat=True))


def test_yuechi_five_projects_were_assessed_by_a_third_party(demo):
    assessed = Assessment.objects.filter(project__region__code="511621").select_related("assessor_org", "project")
    assert {a.project.name for a in assessed} == {p.name for p in tables.YUECHI_PROJECTS}
    assert {(a.assessor_kind, a.assessor_org.kind) for a in assessed} == {("agency", "agency")}
    stats = appraisal_stats(region=Region.objects.get(code="511621"), year=2023).total
    assert (stats.assessed, stats.by_assessor["agency"]) == (5, 5)
    # The agency's account reads exactly the five.
    assert assessments_for(user=user("shuzheng_pg")).count() == 5


def test_demo_assessments_follow_the_bands_and_their_scores(demo):
    for a in Assessment.objects.filter(project__region__code="610300").prefetch_related("scores")[:20]:
        assert a.total == sum(s.score for s in a.scores.all())
        assert a.conclusion == a.band_conclusion == grade_for(a.total, a.bands)


# --- 绩效自评, 抽查复核 and 再评价 ----------------------------------------------------------------------


def self_evaluations(username: str, region: str, year: int):
    return self_evaluations_for(user=user(username)).filter(project__region__code=region, year=year)


def test_caidian_self_evaluated_358_projects_of_12_92_yi_and_70_departments_of_32_59_yi(demo):
    """蔡甸 2024 (of 2023 spending): counted from the forms themselves, not from the stats module."""
    forms = self_evaluations("caidian_jx", "420114", 2023)
    own = forms.exclude(project__kind="department_overall")
    overall = forms.filter(project__kind="department_overall")
    assert own.count() == 358 and sum(e.budget_full_year for e in own) == yuan("129200")
    assert overall.count() == 70 and sum(e.budget_full_year for e in overall) == yuan("325900")
    assert len({e.project.owner_id for e in overall}) == 70
    assert set(forms.values_list("status", flat=True)) == {"submitted"}
    grades = list(forms.values_list("grade", flat=True))
    assert grades.count("优") > 0.8 * len(grades)  # nearly all 优, as the reports complain


def test_caidian_17_departments_re_evaluated_on_five_aspects(demo):
    done = ReEvaluation.objects.filter(region__code="420114", year=2023, status="done")
    assert done.count() == 17
    assert all(len(r.items) == 5 and r.total_score == sum(Decimal(i["score"]) for i in r.items) for r in done)
    no_rules = [r for r in done if "未制定内部预算绩效管理制度" in r.findings]
    assert len(no_rules) > 17 / 2  # 被检查单位大部分未制定预算绩效管理制度


def test_yuechi_85_departments_self_evaluated_on_the_sichuan_layout(demo):
    forms = self_evaluations("yuechi_jx", "511621", 2022)
    assert forms.filter(project__kind="department_overall").count() == 85
    assert len(set(forms.values_list("project__owner", flat=True))) == 85
    assert set(forms.values_list("layout", flat=True)) == {"sichuan"}
    assert resolve("self_evaluation.layout", Region.objects.get(code="511621"), 2022).value == "sichuan"


def test_zhongyang_spot_check_drew_16_all_self_graded_excellent_and_the_rechecks_grade_lower(demo):
    plan = SamplingPlan.objects.get(region__code="141129", name=tables.ZHONGYANG_SPOT_CHECK[0])
    rechecks = Recheck.objects.filter(sample_item__plan=plan, status="done").select_related("evaluation")
    assert plan.items.count() == rechecks.count() == 16
    assert {r.evaluation.grade for r in rechecks} == {"优"}  # 抽查项目自评全部为“优”
    downgraded = [r for r in rechecks if r.grade != "优"]
    assert 0 < len(downgraded) < 16
    assert all(r.total_score < r.evaluation.total_score for r in downgraded)
    # The same plan draws the same sample again (and says so in the audit trail).
    keys = list(plan.items.values_list("project_id", flat=True))
    recheck_services.draw(actor=user("zhongyang_jx"), plan=plan)
    assert list(plan.items.values_list("project_id", flat=True)) == keys
    assert AuditEvent.objects.filter(action="sampling.draw", object_id=str(plan.pk)).count() == 2


def test_zhongyang_inflation_signal_flags_departments_the_rechecks_downgraded(demo):
    signals = inflation(self_evaluations("zhongyang_jx", "141129", 2023))
    assert any(s.flagged for s in signals)
    flagged = [s for s in signals if s.flagged]
    assert all(s.recheck_share is not None and s.self_share > s.recheck_share for s in flagged)


def test_selfeval_stats_command_reproduces_the_caidian_figures(demo, capsys):
    # 蔡甸's 2024 report: 358 projects, 12.92亿元; 70 一级预算单位, 32.59亿元; 17 departments re-evaluated.
    call_command("stats", "selfeval", "--region", "蔡甸区", "--year", "2024", "--json")
    figures = json.loads(capsys.readouterr().out)
    assert figures["budget_year"] == 2023
    assert figures["projects"]["count"] == 358
    assert yuan_to_wan(Decimal(figures["projects"]["amount"]) / 10000, places=2) == Decimal("12.92")
    assert figures["department_overall"]["count"] == 70
    assert yuan_to_wan(Decimal(figures["department_overall"]["amount"]) / 10000, places=2) == Decimal("32.59")
    assert figures["reevaluated_departments"] == 17
    # 岳池's 2023 report: all 85 一级预算单位 self-evaluated (their 2022 budgets).
    call_command("stats", "selfeval", "--region", "岳池县", "--year", "2023", "--json")
    assert json.loads(capsys.readouterr().out)["department_overall"]["count"] == 85


# --- 绩效运行监控 -------------------------------------------------------------------------------------


def monitoring_figures(capsys, region: str, year: int) -> dict:
    call_command("stats", "monitoring", "--region", region, "--year", str(year), "--json")
    rounds = json.loads(capsys.readouterr().out)["rounds"]
    assert len(rounds) == 1
    return rounds[0]


def test_zhongyang_2024_monitoring_1_8_covers_2570_projects_of_312395_8_wan_and_recovered_1868_wan(demo, capsys):
    # 中阳's report: 1-8月, 2570 projects, 312395.8万元 monitored, 1868万元 收回.
    figures = monitoring_figures(capsys, "中阳县", 2024)
    total = figures["total"]
    assert (figures["cutoff_month"], figures["period"]) == (8, "1-8月")
    assert (total["projects"], total["budget_wan"]) == (2570, "312395.80")
    recovered = total["dispositions"]["recover"]
    assert (recovered["amount_wan"], recovered["proposed"]) == ("1868.00", 0) and recovered["count"] > 0
    # The 209 others are research projects, exempt by the default rule; the monitored amount is the
    # compiled budget of the monitored projects plus their mid-year additions.
    projects = Project.objects.filter(region__code="141129", fiscal_year=2024)
    exempt = projects.filter(domain_tags__name="科研")
    assert exempt.count() == 2779 - 2570
    monitored = projects.exclude(pk__in=exempt)
    sums = monitored.aggregate(
        approved=Sum("amount_approved"), budget=Sum(Coalesce("amount_adjusted", "amount_approved"))
    )
    assert sums["budget"] == yuan("312395.8") > sums["approved"]
    assert total["budget_initial_wan"] == str(yuan_to_wan(sums["approved"]))
    # Warnings come from the rules with every colour of spending; each red one says why.
    colours = total["reports_by_colour"]
    assert colours["red"] == total["behind_schedule"] > 0 and colours["yellow"] > 0 and colours["not_computed"] == 0
    red = MonitoringWarning.objects.filter(
        report__round__region__code="141129", colour="red", rule="execution_progress"
    )
    assert red.exists() and all("低于红色预警线" in w.message for w in red[:20])


def test_zhongyang_spending_to_august_comes_from_a_year_of_payments(demo):
    round_ = MonitoringRound.objects.get(region__code="141129", year=2024)
    assert round_.is_generated and not round_.reports.filter(is_generated=False).exists()
    batch = PaymentBatch.objects.get(region__code="141129", fiscal_year=2024, superseded_by=None)
    assert batch.period == 0 and set(Payment.objects.filter(batch=batch).values_list("month", flat=True)) == set(
        range(1, 13)
    )
    august = dict(
        ProjectMonth.objects.filter(month=8, project__region__code="141129").values_list("project", "cumulative")
    )
    reports = MonitoringReport.objects.filter(round=round_)
    assert all(r.executed_to_date == r.paid_to_date == august.get(r.project_id, 0) for r in reports)
    # A project that had money recovered spent no more than what was left to it.
    for d in Disposition.objects.filter(report__round=round_, kind="recover").select_related("project"):
        paid = Payment.objects.filter(project=d.project).aggregate(s=Sum("amount"))["s"]
        assert d.status == "approved" and paid <= available_budget(d.project) < d.report.budget
        assert d.rectifications.count() == 1


def test_fengxian_2023_monitoring_88_projects_4_behind_9_off_target_21_measures(demo, capsys):
    # 凤县's report: 88 projects, 7246.37万元; 4 behind schedule, 9 far from their goals, 21 measures.
    figures = monitoring_figures(capsys, "凤县", 2023)
    total = figures["total"]
    assert (total["projects"], total["budget_wan"]) == (88, "7246.37")
    assert (total["behind_schedule"], total["off_target"], total["measures"]) == (4, 9, 21)
    assert total["dispositions"]["suspend"]["count"] == 2
    assert Organization.objects.filter(region__code="610330", kind="department").count() == 55
    round_ = MonitoringRound.objects.get(region__code="610330", year=2023)
    # The off-target projects declared an indicator 不可能, with its causes and measures.
    off = MonitoringReport.objects.filter(round=round_, warnings__rule="declared_likelihood", warnings__colour="red")
    assert off.distinct().count() == 9
    assert all(i.causes and i.measures for r in off for i in r.indicators.filter(likelihood="不可能"))
    # Suspended projects are blocked and were paid nothing after August.
    for d in Disposition.objects.filter(report__round=round_, kind="suspend").select_related("project"):
        assert payment_block(d.project)
        assert not Payment.objects.filter(project=d.project, month__gt=8).exists()


def test_the_monitoring_plan_is_the_same_on_every_run_and_spends_within_the_budget():
    projects = plan_projects(plan_organizations())
    first, second = plan_monitoring(projects), plan_monitoring(projects)
    assert first == second and [r.csv() for r in first] == [r.csv() for r in second]
    for r in first:
        for p in r.projects:
            months = p.cumulative
            assert all(a <= b for a, b in zip(months, months[1:], strict=False))
            assert months[-1] <= p.budget - (p.recovered or 0)
