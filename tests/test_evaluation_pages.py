"""The 绩效自评 pages: the list with its grade distribution, the form prefilled from the approved goal with
live scores, submission with the deviation reasons a missed target needs, the two review steps, the 四川
layout, and the finance bureau's sampling plans, re-checks, discrepancy report, inflation table and 再评价."""

from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from jixiao.core.models import AuditEvent
from jixiao.evaluations import services
from jixiao.evaluations.models import Recheck, ReEvaluation, SamplingPlan, SelfEvaluation
from jixiao.orgs import services as org_services
from jixiao.rules.config import DEFINITIONS

P2 = "c1.unit_a.P2"  # 中阳县第一中学智慧农业示范项目: budgeted, its goal approved (tests/world.py)


def text(response) -> str:
    return unescape(response.content.decode())


def start(client, world, key: str = P2) -> SelfEvaluation:
    response = client.post(reverse("evaluations:start", args=[world.projects[key].pk]))
    evaluation = SelfEvaluation.objects.get(project=world.projects[key])
    assert response.status_code == 302 and response["Location"] == reverse("evaluations:form", args=[evaluation.pk])
    return evaluation


def form_data(evaluation: SelfEvaluation, executed: str, actuals: list[str], **row_extra: dict[str, str]) -> dict:
    """The form as the page posts it: amounts in 万元, one row per indicator (prefix `res`)."""
    rows = list(evaluation.indicators.all())
    data = {
        "res-TOTAL_FORMS": str(len(rows)),
        "res-INITIAL_FORMS": str(len(rows)),
        "res-MIN_NUM_FORMS": "0",
        "res-MAX_NUM_FORMS": "500",
        "budget_initial": "",
        "budget_full_year": "",
        "executed": executed,
        "execution_reason": "",
        "annual_goal_actual": "完成校舍维修改造1250平方米。",
    }
    for n, (row, actual) in enumerate(zip(rows, actuals, strict=True)):
        data[f"res-{n}-id"] = str(row.pk)
        data[f"res-{n}-actual_value"] = actual
        for name, value in row_extra.get(str(n), {}).items():
            data[f"res-{n}-{name}"] = value
    return data


def test_unit_generates_a_form_prefilled_from_the_approved_goal(world, client_for):
    client = client_for("unit")
    page = text(client.get(reverse("evaluations:list")))
    assert "中阳县第一中学智慧农业示范项目" in page and "生成自评表" in page
    evaluation = start(client, world)
    page = text(client.get(reverse("evaluations:form", args=[evaluation.pk])))
    assert "项目支出绩效自评表" in page and "项目资金（万元）" in page and "年度总体目标（预期目标）" in page
    assert "完成校舍维修改造1200平方米" in page  # the goal's annual goal, expected
    for name in ("维修改造校舍面积", "校舍安全隐患消除率", "师生满意度"):
        assert name in page
    assert "≥1200平方米" in page
    # National weights: 产出 50, 效益 30, 满意度 10 (each a single indicator here), execution 10.
    assert [r.weight for r in evaluation.indicators.all()] == [Decimal(50), Decimal(30), Decimal(10)]


def test_preview_scores_what_is_typed_with_explanations_and_saves_nothing(world, client_for):
    client = client_for("unit")
    evaluation = start(client, world)
    budget = evaluation.budget_full_year
    half_wan = str(budget / 2 / 10000)
    response = client.post(
        reverse("evaluations:preview", args=[evaluation.pk]), form_data(evaluation, half_wan, ["600", "100", "95"])
    )
    page = text(response)
    # 600 of ≥1200: 600 ÷ 1200 × 50 = 25; execution 50% of 10 = 5; total 25 + 30 + 10 + 5 = 70 → 中.
    assert "实际值 600 ÷ 指标值 1200 × 分值 50 = 25" in page
    assert 'id="total-score"' in page and ">70.00<" in page and ">中<" in page
    assert "须分析偏差原因" in page
    evaluation.refresh_from_db()
    assert evaluation.executed is None and evaluation.total_score is None


def test_missed_target_needs_its_reason_before_the_form_is_submitted(world, client_for):
    client = client_for("unit")
    evaluation = start(client, world)
    full = str(evaluation.budget_full_year / 10000)
    data = form_data(evaluation, full, ["1100", "100", "96"], action="submit")
    data["action"] = "submit"
    page = text(client.post(reverse("evaluations:form", args=[evaluation.pk]), data))
    assert "不能提交" in page and "须分析偏差原因" in page
    evaluation.refresh_from_db()
    assert evaluation.status == SelfEvaluation.Status.DRAFT and evaluation.grade == "优"  # saved, not submitted
    reasons = {"0": {"deviation_reason": "雨季延误两周", "improvement_measures": "提前安排施工窗口"}}
    data = form_data(evaluation, full, ["1100", "100", "96"], **reasons)
    data["action"] = "submit"
    response = client.post(reverse("evaluations:form", args=[evaluation.pk]), data)
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == SelfEvaluation.Status.SUBMITTED
    # 1100 ÷ 1200 × 50 = 45.8333…; 10 + 45.83 + 30 + 10 = 95.83 → 优; kept at full precision.
    assert evaluation.total_score.quantize(Decimal("0.0001")) == Decimal("95.8333")
    page = text(client.get(reverse("evaluations:form", args=[evaluation.pk])))
    assert "已提交" in page and "雨季延误两周" in page and 'name="res-0-actual_value"' not in page


def _submitted(world, client) -> SelfEvaluation:
    evaluation = start(client, world)
    full = str(evaluation.budget_full_year / 10000)
    data = form_data(evaluation, full, ["1300", "100", "98"])
    data["action"] = "submit"
    client.post(reverse("evaluations:form", args=[evaluation.pk]), data)
    evaluation.refresh_from_db()
    assert evaluation.status == SelfEvaluation.Status.SUBMITTED
    return evaluation


def test_department_then_finance_review_and_a_return_needs_a_comment(world, client_for):
    evaluation = _submitted(world, client_for("unit"))
    finance = client_for("performance")
    assert finance.get(reverse("evaluations:review", args=[evaluation.pk])).status_code == 403  # not its step yet
    department = client_for("department")
    url = reverse("evaluations:review", args=[evaluation.pk])
    page = text(department.post(url, {"decision": "return", "comment": ""}))
    assert "退回须写明需修改的内容" in page
    assert department.post(url, {"decision": "approve", "comment": "同意"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == SelfEvaluation.Status.DEPT_REVIEWED
    assert "审核" in text(finance.get(reverse("evaluations:list")))
    assert finance.post(url, {"decision": "approve", "comment": ""}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == SelfEvaluation.Status.FINANCE_REVIEWED
    assert evaluation.finance_reviewer == world.users["performance"]


def test_a_unit_outside_the_project_gets_404(world, client_for):
    evaluation = _submitted(world, client_for("unit"))
    assert client_for("unit_b").get(reverse("evaluations:form", args=[evaluation.pk])).status_code == 404


def test_sichuan_layout_when_the_region_says_so(world, client_for):
    org_services.set_rule(
        actor=world.users["performance"],
        key="self_evaluation.layout",
        region=world.regions["c1"],
        fiscal_year=None,
        value="sichuan",
        source="四川省2023年度项目支出绩效自评表",
    )
    client = client_for("unit")
    evaluation = start(client, world)
    assert evaluation.layout == "sichuan"
    page = text(client.get(reverse("evaluations:form", args=[evaluation.pk])))
    assert "预算执行情况（10分）" in page and "绩效指标（90分）" in page and "指标性质" in page
    assert "未完成原因分析" in page
    eighty = str(evaluation.budget_full_year * Decimal("0.8") / 10000)
    page = text(
        client.post(
            reverse("evaluations:preview", args=[evaluation.pk]), form_data(evaluation, eighty, ["1200", "100", "95"])
        )
    )
    assert "执行率低于90%，须说明原因" in page


def test_list_shows_the_grade_distribution(world, client_for):
    _submitted(world, client_for("unit"))
    page = text(client_for("performance").get(reverse("evaluations:list")))
    assert 'data-grade="优">优 <strong>1</strong>（100.0%）' in page


# --- the finance bureau's side ------------------------------------------------------------------------


def _plan(client, world, seed: int) -> SamplingPlan:
    response = client.post(
        reverse("evaluations:plans"),
        {
            "name": f"抽查{seed}",
            "region": "141129",
            "year": "2025",
            "population": "projects",
            "method": "simple",
            "size": "1",
            "seed": str(seed),
        },
    )
    plan = SamplingPlan.objects.get(name=f"抽查{seed}")
    assert response.status_code == 302
    return plan


def test_a_plan_drawn_twice_gives_the_same_sample_and_both_draws_are_audited(world, client_for):
    client = client_for("performance")
    plan = _plan(client, world, 7)
    client.post(reverse("evaluations:draw", args=[plan.pk]))
    first = list(plan.items.values_list("project_id", flat=True))
    response = client.post(reverse("evaluations:draw", args=[plan.pk]), follow=True)
    assert "再次抽取，样本与首次一致" in text(response)
    assert list(plan.items.values_list("project_id", flat=True)) == first
    assert AuditEvent.objects.filter(action="sampling.draw", object_id=str(plan.pk)).count() == 2
    page = text(client.get(reverse("evaluations:plan", args=[plan.pk])))
    assert "随机种子" in page and ">7<" in page


def test_recheck_side_by_side_then_discrepancy_and_inflation(world, client_for):
    evaluation = _submitted(world, client_for("unit"))
    finance = client_for("performance")
    plan = SamplingPlan.objects.create(
        region=world.regions["c1"], year=evaluation.year, population="projects", method="simple", size=1, seed=1
    )
    item = plan.items.create(order=1, project=evaluation.project, department=evaluation.project.department)
    response = finance.post(reverse("evaluations:recheck_open", args=[item.pk]))
    recheck = Recheck.objects.get(evaluation=evaluation)
    assert response["Location"] == reverse("evaluations:recheck", args=[recheck.pk])
    rows = list(recheck.indicators.all())
    data = {
        "res-TOTAL_FORMS": str(len(rows)),
        "res-INITIAL_FORMS": str(len(rows)),
        "budget_initial": "",
        "budget_full_year": "",
        "executed": str(evaluation.executed / 10000),
        "execution_reason": "",
        "annual_goal_actual": "",
        "findings": "面积按验收单核实为900平方米",
        "action": "complete",
    }
    for n, (row, actual) in enumerate(zip(rows, ["900", "100", "98"], strict=True)):
        data[f"res-{n}-id"] = str(row.pk)
        data[f"res-{n}-actual_value"] = actual
    assert finance.post(reverse("evaluations:recheck", args=[recheck.pk]), data).status_code == 302
    recheck.refresh_from_db()
    # 900 ÷ 1200 × 50 = 37.5 against the unit's full 50: 10 + 37.5 + 30 + 10 = 87.5 → 良 (self: 100, 优).
    assert recheck.status == Recheck.Status.DONE and recheck.grade == "良"
    page = text(finance.get(reverse("evaluations:recheck", args=[recheck.pk])))
    assert "自评得分" in page and "复核得分" in page and "-12.50" in page
    page = text(finance.get(reverse("evaluations:discrepancies"), {"region": "141129", "year": evaluation.year}))
    assert "复核总分低于自评的 <strong>1</strong>" in page
    page = text(finance.get(reverse("evaluations:inflation"), {"region": "141129", "year": evaluation.year}))
    assert "疑似虚高" in page


def test_reevaluation_checklist_scores_a_department(world, client_for):
    finance = client_for("performance")
    department = world.orgs["c1.dept_a"]
    url = reverse("evaluations:reevaluation", args=[department.pk, 2024])
    page = text(finance.get(url))
    aspects = DEFINITIONS["evaluation.reevaluation_aspects"].default
    assert "单位内部预算绩效管理制度的完备性" in page
    form = {"findings": "未制定预算绩效管理制度", "action": "complete"}
    for a in aspects:
        form[f"score-{a['key']}"] = str(Decimal(a["points"]) * Decimal("0.75"))
    response = finance.post(url, form)
    if response.status_code != 302:
        pytest.fail(text(response))
    r = ReEvaluation.objects.get(department=department, year=2024)
    assert r.status == ReEvaluation.Status.DONE and r.total_score == Decimal(75) and r.grade == "中"


def test_services_may_review_matches_the_list_links(world, client_for):
    evaluation = _submitted(world, client_for("unit"))
    assert services.may_review(world.users["department"], evaluation)
    assert not services.may_review(world.users["performance"], evaluation)
