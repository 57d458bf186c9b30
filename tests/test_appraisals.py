"""事前绩效评估 and 预算评审 through the services: which projects need an assessment (中阳 500万, 蔡甸 100万),
five-dimension scores and the conclusion bands at their boundaries, the panel's override with a reason,
调整完善后予以支持 only after a resubmission, 送审 = 审定 + 审减 in the service and the database, the
联评联审 signatures, the gate on 纳入项目库 and 批复预算 with the 审定 cap (services and CLI), a third-party
agency limited to its assignments, and a function-point review that stores what `jixiao fpa` prints."""

import json
from decimal import Decimal as D
from io import StringIO

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from jixiao.appraisals import selectors, services
from jixiao.appraisals.models import Assessment, AssessorKind, BudgetReview, Conclusion
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.models import AuditEvent
from jixiao.orgs import services as org_services
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Role
from jixiao.projects import services as project_services
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for
from jixiao.rules.fp_workbook import read_function_list
from tests.world import pass_goal

CAIDIAN = "《蔡甸区区级预算事前绩效评估管理暂行办法》：新增区级财政资金100万元以上的项目必须开展事前绩效评估"


def u(world, key):
    return world.users[key]


def threshold(world, yuan: str, region: str = "c1") -> None:
    org_services.set_rule(
        actor=u(world, "performance" if region == "c1" else f"{region}_performance"),
        key="appraisal.new_project_threshold_yuan",
        region=world.regions[region],
        fiscal_year=None,
        value=yuan,
        source=CAIDIAN,
    )


def new_project(world, code: str, amount: str, **changes) -> Project:
    data = project_services.ProjectInput(
        code=code,
        name=f"{code}建设项目",
        owner=world.orgs["c1.unit_a"],
        fiscal_year=2026,
        category=Project.Category.SPECIFIC,
        amount_requested=D(amount),
    )
    for k, v in changes.items():
        setattr(data, k, v)
    return project_services.create_project(actor=u(world, "performance"), data=data)


def scores_totalling(assessment: Assessment, total: str) -> list[services.ScoreInput]:
    """Full marks, less `100 − total` taken from the sub-items in order."""
    deduct = D(100) - D(total)
    out = []
    for dim in assessment.dimensions:
        for item in dim["items"]:
            points = D(item["points"])
            take = min(points, deduct)
            deduct -= take
            out.append(services.ScoreInput(dim["key"], item["name"], points - take))
    return out


def scored(world, project: Project, total: str, *, by: str = "unit", kind=AssessorKind.UNIT, agency=None):
    assessment = services.create_assessment(actor=u(world, by), project=project, assessor_kind=kind, agency=agency)
    scorer = "agency" if kind == AssessorKind.AGENCY else ("performance" if kind == AssessorKind.BUREAU else by)
    assessment = services.score_assessment(
        actor=u(world, scorer),
        assessment=assessment,
        scores=scores_totalling(assessment, total),
        materials_provided=list(assessment.materials_required),
    )
    return services.submit_assessment(actor=u(world, scorer), assessment=assessment)


def concluded(world, project: Project, total: str, **kw) -> Assessment:
    return services.conclude_assessment(actor=u(world, "performance"), assessment=scored(world, project, total, **kw))


def in_scope_project(world) -> Project:
    """第一中学's 校舍维修改造 (100万零1分, 特定目标类, new) under the 蔡甸-style 100万 threshold, submitted."""
    threshold(world, "1000000")
    project = world.project("c1.unit_a.P1")
    return project_services.transition_project(actor=u(world, "unit"), project=project, action="submit")


# --- Applicability and the worklist -------------------------------------------------------------------


def test_zhongyang_500_wan_includes_the_threshold_and_excludes_continuing_and_personnel(world):
    at = new_project(world, "ZY-500", "5000000.00")
    below = new_project(world, "ZY-499", "4999999.99")
    continuing = new_project(world, "ZY-OLD", "8000000.00", is_new=False)
    personnel = new_project(world, "ZY-RY", "8000000.00", category=Project.Category.PERSONNEL)
    policy = new_project(world, "ZY-ZC", "6000000.00", kind=Project.Kind.POLICY)
    required = {p.code: selectors.assessment_required(p) for p in (at, below, continuing, personnel, policy)}
    assert required == {"ZY-500": True, "ZY-499": False, "ZY-OLD": False, "ZY-RY": False, "ZY-ZC": True}
    worklist = set(selectors.worklist(user=u(world, "performance")).values_list("code", flat=True))
    assert {"ZY-500", "ZY-ZC"} <= worklist
    assert not {"ZY-499", "ZY-OLD", "ZY-RY", world.projects["c1.unit_a.P1"].code} & worklist


def test_caidian_100_wan_brings_the_school_project_into_scope_only_in_its_own_region(world):
    school = world.project("c1.unit_a.P1")  # 1,000,000.01 元
    assert not selectors.assessment_required(school)
    threshold(world, "1000000")
    assert selectors.assessment_required(school)
    worklist = selectors.worklist(user=u(world, "city_performance"))
    codes = set(worklist.values_list("code", flat=True))
    assert school.code in codes
    # 交口县 keeps the national 500万: its 300万 school project is not listed.
    assert world.projects["c2.unit_a.P1"].code not in codes
    # Each unit sees its own worklist only.
    assert set(selectors.worklist(user=u(world, "unit")).values_list("code", flat=True)) == {school.code}
    theirs = set(selectors.worklist(user=u(world, "unit_b")).values_list("code", flat=True))
    assert theirs == {world.projects["c1.unit_b.P1"].code}


def test_a_passing_assessment_takes_the_project_off_the_worklist(world):
    project = in_scope_project(world)
    concluded(world, project, "85")
    assert not selectors.worklist(user=u(world, "performance")).filter(pk=project.pk).exists()


def test_rule_values_are_checked():
    from jixiao.rules.config import RuleValueError, definition

    with pytest.raises(RuleValueError, match="合计须为100，现为95"):
        definition("appraisal.dimensions").check(
            [{"key": "a", "label": "立项必要性", "items": [{"name": "目的明确", "points": "95"}]}]
        )
    with pytest.raises(RuleValueError, match="不能参加联评联审"):
        definition("appraisal.review_panel").check(["budget", "unit"])
    with pytest.raises(RuleValueError, match="项目类型“department_overall”无效"):
        definition("appraisal.applicability").check({"kinds": ["department_overall"]})


# --- Scores, bands, override, resubmission -------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "conclusion"),
    [
        ("100", Conclusion.SUPPORT),
        ("80", Conclusion.SUPPORT),
        ("79.99", Conclusion.ADJUST),
        ("60", Conclusion.ADJUST),
        ("59.99", Conclusion.REJECT),
        ("0", Conclusion.REJECT),
    ],
)
def test_five_dimensions_add_up_and_the_bands_include_their_lower_bound(world, total, conclusion):
    assessment = concluded(world, in_scope_project(world), total)
    assert assessment.total == D(total)
    assert [d["label"] for d in assessment.dimensions] == [
        "立项必要性",
        "投入经济性",
        "绩效目标合理性",
        "实施方案可行性",
        "筹资合规性",
    ]
    assert assessment.scores.count() == 16
    assert (assessment.band_conclusion, assessment.conclusion) == (conclusion, conclusion)


def test_a_policy_is_assessed_under_the_policy_labels(world):
    project = new_project(world, "ZY-ZC", "6000000.00", kind=Project.Kind.POLICY)
    assessment = services.create_assessment(actor=u(world, "unit"), project=project, assessor_kind="unit")
    assert [d["label"] for d in assessment.dimensions][0] == "政策设立必要性"
    assert assessment.dimensions[-1]["label"] == "政策资金合规性"


def test_scores_outside_the_points_and_missing_items_or_materials_are_refused(world):
    project = in_scope_project(world)
    assessment = services.create_assessment(actor=u(world, "unit"), project=project, assessor_kind="unit")
    with pytest.raises(DomainError, match="“立项必要性/目的明确”的得分6须在0到5分之间"):
        services.score_assessment(
            actor=u(world, "unit"), assessment=assessment, scores=[services.ScoreInput("necessity", "目的明确", D(6))]
        )
    services.score_assessment(
        actor=u(world, "unit"), assessment=assessment, scores=[services.ScoreInput("立项必要性", "目的明确", D(5))]
    )
    with pytest.raises(DomainError, match="尚有15个评分要点未评分"):
        services.submit_assessment(actor=u(world, "unit"), assessment=assessment)
    services.score_assessment(actor=u(world, "unit"), assessment=assessment, scores=scores_totalling(assessment, "90"))
    with pytest.raises(
        DomainError, match="尚缺应提供材料：项目申报书、绩效目标申报表、实施方案、可行性研究报告、预算测算依据"
    ):
        services.submit_assessment(actor=u(world, "unit"), assessment=assessment)


def test_the_panel_overrides_only_with_a_reason_and_the_reason_is_audited(world):
    assessment = scored(world, in_scope_project(world), "85")
    with pytest.raises(DomainError, match="由“予以支持”改为“不予支持”，须写明理由"):
        services.conclude_assessment(actor=u(world, "performance"), assessment=assessment, override="不予支持")
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SUBMITTED
    done = services.conclude_assessment(
        actor=u(world, "performance"), assessment=assessment, override="不予支持", reason="与已有项目重复"
    )
    assert (done.band_conclusion, done.conclusion, done.override_reason) == ("予以支持", "不予支持", "与已有项目重复")
    event = AuditEvent.objects.filter(action="appraisal.conclude", object_id=str(done.pk)).get()
    assert event.message == "与已有项目重复" and event.after["conclusion"] == "不予支持"
    with pytest.raises(DomainError, match="须写明理由"):
        services.override_conclusion(actor=u(world, "performance"), assessment=done, conclusion="予以支持", reason=" ")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=done.pk).update(override_reason="")
    # The unit that assessed may not conclude or override its own assessment.
    with pytest.raises(PermissionDenied):
        services.override_conclusion(actor=u(world, "unit"), assessment=done, conclusion="予以支持", reason="x")


def test_adjust_passes_only_after_a_resubmission(world):
    project = in_scope_project(world)
    first = concluded(world, project, "70")
    assert first.conclusion == Conclusion.ADJUST and not first.is_passing
    with pytest.raises(DomainError, match="须调整完善后重新报送并评估，不能纳入项目库"):
        project_services.transition_project(actor=u(world, "performance"), project=project, action="admit")
    with pytest.raises(DomainError, match="请调整完善后重新报送"):
        services.create_assessment(actor=u(world, "unit"), project=project, assessor_kind="unit")
    second = services.resubmit_assessment(actor=u(world, "unit"), assessment=first)
    assert (second.submission, second.previous_id, second.status, second.total) == (2, first.pk, "draft", D(70))
    assert second.scores.count() == 16
    with pytest.raises(DomainError, match="已重新报送"):
        services.resubmit_assessment(actor=u(world, "unit"), assessment=first)
    second = services.submit_assessment(actor=u(world, "unit"), assessment=second)
    second = services.conclude_assessment(actor=u(world, "performance"), assessment=second)
    assert second.conclusion == Conclusion.ADJUST and second.is_passing
    admitted = project_services.transition_project(actor=u(world, "performance"), project=project, action="admit")
    assert admitted.status == Project.Status.IN_LIBRARY


# --- Budget review: 送审 = 审定 + 审减 ------------------------------------------------------------------


def amounts(s, a, r, derive=False):
    return services.ReviewAmounts(
        None if s is None else D(s), None if a is None else D(a), None if r is None else D(r), derive
    )


def test_the_invariant_is_refused_naming_the_three_figures_and_the_difference(world):
    project = in_scope_project(world)
    # 宝鸡's main text calls 14892.89万 the 审减 where its annex (and the 38.08% rate) say 审定.
    with pytest.raises(DomainError) as exc:
        services.save_budget_review(
            actor=u(world, "review_center"), project=project, amounts=amounts("240532200", "148928900", "148928900")
        )
    assert exc.value.message == (
        "项目“141129-JY-01-P1 中阳县第一中学校舍维修改造项目”：送审金额240,532,200.00元 ≠ 审定金额148,928,900.00元 + "
        "审减金额148,928,900.00元（审定 + 审减 = 297,857,800.00元，相差-57,325,600.00元）：须满足 送审 = 审定 + 审减"
    )
    assert exc.value.field == "submitted_yuan"
    with pytest.raises(DomainError, match=r"相差-10\.00元"):
        services.save_budget_review(
            actor=u(world, "review_center"), project=project, amounts=amounts("1000000", "700000", "300010")
        )
    with pytest.raises(DomainError, match="须填写审减金额"):
        services.save_budget_review(
            actor=u(world, "review_center"), project=project, amounts=amounts("1000000", "700000", None)
        )
    with pytest.raises(DomainError, match="不能为负数"):
        services.save_budget_review(
            actor=u(world, "review_center"), project=project, amounts=amounts("1000000", "1200000", None, derive=True)
        )
    assert not BudgetReview.objects.filter(project=project).exists()
    review = services.save_budget_review(
        actor=u(world, "review_center"), project=project, amounts=amounts("1000000.01", "800000", None, derive=True)
    )
    assert (review.reduced_yuan, review.reduction_rate) == (D("200000.01"), D("20.00"))


def test_the_database_refuses_a_broken_sum_and_negative_amounts(world):
    project = world.project("c1.unit_a.P1")
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetReview.objects.create(project=project, submitted_yuan=100, approved_yuan=60, reduced_yuan=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetReview.objects.create(project=project, submitted_yuan=100, approved_yuan=110, reduced_yuan=-10)
    BudgetReview.objects.create(project=project, submitted_yuan=100, approved_yuan=60, reduced_yuan=40)


def test_only_the_review_center_or_budget_division_records_a_review(world):
    project = in_scope_project(world)
    with pytest.raises(PermissionDenied):
        services.save_budget_review(actor=u(world, "sector"), project=project, amounts=amounts("10", "8", "2"))
    with pytest.raises(NotFound):
        services.save_budget_review(actor=u(world, "unit_b"), project=project, amounts=amounts("10", "8", "2"))


def final_review(world, project: Project, submitted: str, approved: str) -> BudgetReview:
    review = services.save_budget_review(
        actor=u(world, "review_center"), project=project, amounts=amounts(submitted, approved, None, derive=True)
    )
    review = services.submit_budget_review(actor=u(world, "review_center"), review=review)
    for role in ("budget", "performance", "sector", "review_center"):
        services.sign_review(actor=u(world, role), review=review, role=role, opinion="同意")
    return BudgetReview.objects.get(pk=review.pk)


def test_the_panel_signs_role_by_role_and_the_review_is_final_when_all_have_signed(world):
    project = in_scope_project(world)
    review = services.save_budget_review(
        actor=u(world, "review_center"), project=project, amounts=amounts("1000000", "800000", "200000")
    )
    with pytest.raises(DomainError, match="不在会签阶段"):
        services.sign_review(actor=u(world, "budget"), review=review, role="budget")
    review = services.submit_budget_review(actor=u(world, "review_center"), review=review)
    assert review.panel_roles == ["budget", "performance", "sector", "review_center"]
    with pytest.raises(PermissionDenied, match="不以“预算科”角色管辖该项目"):
        services.sign_review(actor=u(world, "sector"), review=review, role="budget")
    with pytest.raises(NotFound):
        services.sign_review(actor=u(world, "c2_performance"), review=review, role="performance")
    assert services.signable_roles(u(world, "budget"), review) == ["budget"]
    for role in ("budget", "performance", "sector"):
        services.sign_review(actor=u(world, role), review=review, role=role)
        assert BudgetReview.objects.get(pk=review.pk).status == BudgetReview.Status.SIGNING
    with pytest.raises(DomainError, match="“预算科”已签署"):
        services.sign_review(actor=u(world, "budget"), review=review, role="budget")
    services.sign_review(actor=u(world, "review_center"), review=review, role="review_center", opinion="同意")
    review = BudgetReview.objects.get(pk=review.pk)
    assert review.status == BudgetReview.Status.FINAL and review.missing_roles == []
    assert AuditEvent.objects.filter(action="budget_review.sign", object_id=str(review.pk)).count() == 4
    with pytest.raises(DomainError, match="不能再修改"):
        services.save_budget_review(
            actor=u(world, "review_center"), project=project, amounts=amounts("10", "8", "2"), review=review
        )


# --- The gate ------------------------------------------------------------------------------------------


def test_admit_and_approve_are_refused_without_a_passing_assessment_and_capped_by_the_approved_amount(world):
    project = in_scope_project(world)
    perf = u(world, "performance")
    with pytest.raises(DomainError) as exc:
        project_services.transition_project(actor=perf, project=project, action="admit")
    assert exc.value.message == (
        "项目“141129-JY-01-P1 中阳县第一中学校舍维修改造项目”须开展事前绩效评估，尚未评估，不能纳入项目库。"
    )
    concluded(world, project, "55")
    with pytest.raises(DomainError, match="事前绩效评估结论为“不予支持”，不能纳入项目库"):
        project_services.transition_project(actor=perf, project=project, action="admit")
    assert world.project("c1.unit_a.P1").status == Project.Status.SUBMITTED

    second = concluded(world, project, "92")  # after 不予支持, a new assessment from nothing
    assert (second.submission, second.previous_id) == (2, None)
    project = project_services.transition_project(actor=perf, project=project, action="admit")
    pass_goal(world, project)
    final_review(world, project, "1000000.01", "800000")
    with pytest.raises(DomainError) as exc:
        project_services.transition_project(actor=perf, project=project, action="approve_budget")
    assert exc.value.message == (
        "项目“141129-JY-01-P1 中阳县第一中学校舍维修改造项目”批复金额100.00万元超过预算评审审定金额80.00万元，"
        "批复金额不得高于审定金额。"
    )
    project = project_services.transition_project(
        actor=perf, project=project, action="approve_budget", amount_approved=D("800000")
    )
    assert (project.status, project.amount_approved) == (Project.Status.BUDGETED, D("800000"))


def test_a_review_still_being_signed_holds_the_budget(world):
    project = in_scope_project(world)
    concluded(world, project, "92")
    project = project_services.transition_project(actor=u(world, "performance"), project=project, action="admit")
    pass_goal(world, project)
    review = services.save_budget_review(
        actor=u(world, "review_center"), project=project, amounts=amounts("1000000.01", "900000", None, derive=True)
    )
    services.submit_budget_review(actor=u(world, "review_center"), review=review)
    with pytest.raises(DomainError, match="尚未经联评联审小组全部签署"):
        project_services.transition_project(
            actor=u(world, "performance"), project=project, action="approve_budget", amount_approved=D(1)
        )


def test_projects_out_of_scope_pass_the_gate_unchanged(world):
    project = world.project("c1.unit_a.P1")  # 100万 under the national 500万
    project = project_services.transition_project(actor=u(world, "unit"), project=project, action="submit")
    admitted = project_services.transition_project(actor=u(world, "performance"), project=project, action="admit")
    assert admitted.status == Project.Status.IN_LIBRARY


def test_cli_admit_and_budget_review_print_the_refusal_and_write_nothing(world):
    project = in_scope_project(world)
    with pytest.raises(CommandError) as exc:
        call_command("admit", project.code, user="t_performance", region="中阳县", year=2026)
    assert "须开展事前绩效评估，尚未评估，不能纳入项目库" in str(exc.value) and exc.value.returncode == 1
    assert world.project("c1.unit_a.P1").status == Project.Status.SUBMITTED
    with pytest.raises(CommandError, match="相差") as exc:
        call_command(
            "budget_review", project.code, user="t_review_center", region="141129", year=2026,
            submitted="100", approved="70", reduced="20", wan=True,
        )  # fmt: skip
    assert not BudgetReview.objects.filter(project=project).exists()
    out = StringIO()
    call_command(
        "budget_review", project.code, user="t_review_center", region="141129", year=2026,
        submitted="100.0000", approved="70", derive=True, wan=True, stdout=out,
    )  # fmt: skip
    assert "送审100.00万元，审定70.00万元，审减30.00万元，审减率30.00%" in out.getvalue()
    concluded(world, project, "88")
    out = StringIO()
    call_command("admit", project.code, user="t_performance", region="中阳县", year=2026, stdout=out)
    assert "已入库：141129-JY-01-P1" in out.getvalue()


# --- Third-party agencies ------------------------------------------------------------------------------


def test_an_agency_sees_and_scores_only_the_assessments_assigned_to_it(world):
    project = in_scope_project(world)
    agency = world.orgs["c1.agency"]
    other = org_services.create_organization(
        actor=None, code="141129-AG2", name="另一评估公司", kind=Organization.Kind.AGENCY, region=world.regions["c1"]
    )
    rival = org_services.create_user(actor=None, username="t_rival", password=world.password)
    org_services.add_membership(actor=None, user=rival, organization=other, role=Role.AGENCY)

    assessment = services.create_assessment(
        actor=u(world, "performance"), project=project, assessor_kind=AssessorKind.AGENCY, agency=agency
    )
    assert list(selectors.assessments_for(user=u(world, "agency"))) == [assessment]
    assert not selectors.assessments_for(user=rival).exists()
    assert not projects_for(user=u(world, "agency")).exists()  # still nothing of the 项目库
    with pytest.raises(NotFound):
        services.score_assessment(actor=rival, assessment=assessment, scores=[])
    # The unit sees its project's assessment but may not score the agency's work.
    with pytest.raises(PermissionDenied):
        services.score_assessment(actor=u(world, "unit"), assessment=assessment, scores=[])
    done = services.score_assessment(
        actor=u(world, "agency"),
        assessment=assessment,
        scores=scores_totalling(assessment, "91.5"),
        materials_provided=list(assessment.materials_required),
    )
    done = services.submit_assessment(actor=u(world, "agency"), assessment=done)
    assert (done.total, done.band_conclusion, done.assessor_org) == (D("91.5"), "予以支持", agency)
    # The agency does not conclude: the finance bureau does.
    with pytest.raises(PermissionDenied):
        services.conclude_assessment(actor=u(world, "agency"), assessment=done)
    with pytest.raises(DomainError, match="须指定一家第三方机构"):
        services.create_assessment(
            actor=u(world, "performance"), project=new_project(world, "X", "9000000"), assessor_kind="agency"
        )


def test_a_unit_may_not_open_a_bureau_assessment_nor_touch_another_units_project(world):
    project = in_scope_project(world)
    with pytest.raises(PermissionDenied):
        services.create_assessment(actor=u(world, "unit"), project=project, assessor_kind="bureau")
    with pytest.raises(NotFound):
        services.create_assessment(actor=u(world, "unit_b"), project=project, assessor_kind="unit")
    assessment = services.create_assessment(actor=u(world, "performance"), project=project, assessor_kind="bureau")
    assert assessment.assessor_org == world.orgs["c1.performance"]
    with pytest.raises(PermissionDenied):
        services.score_assessment(actor=u(world, "unit"), assessment=assessment, scores=[])
    assert not selectors.assessments_for(user=u(world, "unit_b")).exists()


# --- Function-point review -----------------------------------------------------------------------------


def write_list(path, rows):
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("功能清单")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    return path


FUNCTIONS = [
    ["序号", "子系统", "模块", "功能点名称", "功能点类型", "复用程度", "修改类型", "DET", "RET", "FTR", "计数方法"],
    [1, "门户", "用户管理", "用户信息", "ILF", "低", "新增", "", "", "", "估算"],
    [2, "", "", "用户查询", "EQ", "中", "新增", "", "", "", "估算"],
    [3, "", "登录", "登录", "外部输入", "", "", "", "", "", "估算"],
    [4, "后台", "统计", "统计报表", "EO", "高", "", "12", "", "2", "详细"],
    [5, "后台", "接口", "财政一体化接口", "EIF", "", "", "", "", "", "预估"],
]


def test_the_stored_steps_are_what_jixiao_fpa_prints_for_the_same_list(world, tmp_path):
    path = write_list(tmp_path / "list.xlsx", FUNCTIONS)
    project = in_scope_project(world)
    review = services.save_fp_review(
        actor=u(world, "review_center"),
        project=project,
        items=read_function_list(path),
        options={"city": "北京", "stage": "预算"},
        requested_yuan=D("500000"),
    )
    out = StringIO()
    call_command("fpa", str(path), "--city", "北京", "--requested", "500000", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert review.result == printed
    assert review.estimate_yuan == D(printed["cost"])
    assert review.proposed_approved_yuan + review.proposed_reduced_yuan == D("500000")
    assert [(i.path, i.type, i.method) for i in review.items.all()][3:] == [
        ("后台 / 统计", "EO", "详细"),
        ("后台 / 接口", "EIF", "预估"),
    ]
    # Computed again from the stored rows, the result is the same.
    again = services.compute_fp_review(actor=u(world, "review_center"), review=review)
    assert again.result == printed
    with pytest.raises(DomainError, match="没有基准版本“NOPE”"):
        services.save_fp_review(
            actor=u(world, "review_center"),
            project=project,
            items=read_function_list(path),
            options={"benchmark": "NOPE"},
        )
    with pytest.raises(PermissionDenied):
        services.compute_fp_review(actor=u(world, "unit"), review=review)
