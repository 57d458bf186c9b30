"""Writers for 绩效自评: prefilling a form from the goal in force, entering what was achieved (scored by
`jixiao.rules.scoring` on every save), submitting, and the two review steps. Pages, the API, the CLI and
the Excel import all come through here; each checks permission and records an audit event.

Who does what:

- the project's owner side (PROJECT_CHANGE over the project) prefills, fills in and submits;
- the 主管部门 (SELFEVAL_REVIEW as department) approves or returns a submitted form;
- the finance bureau (SELFEVAL_REVIEW as 绩效管理 or 归口科室) approves or returns a department-approved one.

A returned form goes back to the unit (退回修改) with the reviewer's comment and is submitted again from there.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.evaluations import scoring_bridge
from jixiao.evaluations.models import IndicatorResult, Layout, SelfEvaluation
from jixiao.goals.models import Goal
from jixiao.goals.services import project_place
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap, Role
from jixiao.payments.selectors import recorded_execution
from jixiao.projects.models import Project

# Who acts at each review step: the department step, then the finance step.
DEPARTMENT_ROLES = (Role.DEPARTMENT,)
FINANCE_ROLES = (Role.PERFORMANCE, Role.SECTOR)
REVIEWABLE = {
    SelfEvaluation.Status.SUBMITTED: (DEPARTMENT_ROLES, SelfEvaluation.Status.DEPT_REVIEWED, "主管部门审核"),
    SelfEvaluation.Status.DEPT_REVIEWED: (FINANCE_ROLES, SelfEvaluation.Status.FINANCE_REVIEWED, "财政审核"),
}
AUDITED_FIELDS = [
    "status",
    "layout",
    "budget_initial",
    "budget_full_year",
    "executed",
    "execution_reason",
    "annual_goal_actual",
    "execution_score",
    "total_score",
    "grade",
]
# What a unit may enter per indicator; the rest is copied from the goal and not editable here.
ENTRY_FIELDS = [
    "actual_value",
    "actual_text",
    "band",
    "manual_score",
    "not_applicable",
    "not_applicable_reason",
    "deduction",
    "deduction_reason",
    "deviation_reason",
    "improvement_measures",
]
# Projects that have an approved budget and so are self-evaluated (10号: all projects in the budget).
EVALUATED_STATUSES = (Project.Status.BUDGETED, Project.Status.EXECUTING, Project.Status.COMPLETED)


@dataclass
class IndicatorEntry:
    """What the unit states for one indicator (by the IndicatorResult's id)."""

    id: int
    actual_value: Decimal | None = None
    actual_text: str = ""
    band: str = ""
    manual_score: Decimal | None = None
    not_applicable: bool = False
    not_applicable_reason: str = ""
    deduction: Decimal | None = None
    deduction_reason: str = ""
    deviation_reason: str = ""
    improvement_measures: str = ""
    weight: Decimal | None = None  # 四川: the unit splits the 90 points; None keeps the prefilled points


@dataclass
class FormEntry:
    """What the unit states on the form. `executed` None keeps the prefilled amount."""

    annual_goal_actual: str = ""
    budget_initial: Decimal | None = None
    budget_full_year: Decimal | None = None
    executed: Decimal | None = None
    execution_reason: str = ""
    indicators: list[IndicatorEntry] = field(default_factory=list)


# --- Places and permission ------------------------------------------------------------------------------


def place(evaluation: SelfEvaluation) -> dict[str, Any]:
    return project_place(evaluation.project)


def check_may_fill(actor: Any, evaluation: SelfEvaluation) -> None:
    scoping.require(actor, Cap.PROJECT_CHANGE, view_cap=Cap.PROJECT_VIEW, **place(evaluation))
    if evaluation.status not in SelfEvaluation.EDITABLE_BY_UNIT:
        raise DomainError(f"自评表状态为“{evaluation.get_status_display()}”，不能修改", field="status")


def may_fill(user: Any, evaluation: SelfEvaluation) -> bool:
    return evaluation.status in SelfEvaluation.EDITABLE_BY_UNIT and scoping.reaches(
        user, Cap.PROJECT_CHANGE, **place(evaluation)
    )


def may_review(user: Any, evaluation: SelfEvaluation) -> bool:
    """Whether `user` may decide the step the form waits at, in the role that step names."""
    step = REVIEWABLE.get(evaluation.status)  # type: ignore[call-overload]
    if step is None:
        return False
    return any(scoping.reaches_as(user, Cap.SELFEVAL_REVIEW, role, **place(evaluation)) for role in step[0])


# --- Prefill --------------------------------------------------------------------------------------------


def approved_goal(project: Project) -> Goal | None:
    return project.goals.filter(status=Goal.Status.APPROVED).order_by("-version").first()


@transaction.atomic
def prefill(*, actor: Any, project: Project, layout: str = Layout.NATIONAL) -> SelfEvaluation:
    """The project's self-evaluation, created from the approved goal and the budget if it does not exist yet.

    The budget block takes 年初预算数 from the approved amount and 全年预算数 from the adjusted amount (or
    the approved one when there was no adjustment). 全年执行数 is the year's payments from the budget
    system's data (`jixiao.payments`) when they were imported; otherwise it stays empty for the unit to state."""
    scoping.require(actor, Cap.PROJECT_CHANGE, view_cap=Cap.PROJECT_VIEW, **project_place(project))
    existing = SelfEvaluation.objects.filter(project=project).first()
    if existing is not None:
        return existing
    if layout not in Layout.values:
        raise DomainError(f"表样“{layout}”无效（可选：{'、'.join(Layout.values)}）", field="layout")
    if project.status not in EVALUATED_STATUSES:
        raise DomainError(f"项目“{project.name}”预算尚未批复，不开展绩效自评", field="project")
    goal = approved_goal(project)
    if goal is None:
        raise DomainError(f"项目“{project.name}”没有已批复的绩效目标，无法生成自评表", field="project")
    evaluation = SelfEvaluation.objects.create(
        project=project,
        year=project.fiscal_year,
        layout=layout,
        goal=goal,
        annual_goal_expected=goal.annual_goal,
        budget_initial=project.amount_approved,
        budget_full_year=project.amount_adjusted if project.amount_adjusted is not None else project.amount_approved,
        executed=recorded_execution(project, 12),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    indicators = list(goal.indicators.all())
    weights: list[Decimal | None] = [i.weight for i in indicators]
    if all(w is None for w in weights):
        # Declared without points: share the template's points (docs/evaluations.md).
        rules = scoring_bridge.rules_for(evaluation)
        weights = scoring_bridge.template_weights(layout, [i.level1 for i in indicators], rules)
    IndicatorResult.objects.bulk_create(
        IndicatorResult(
            evaluation=evaluation,
            source=i,
            position=i.position,
            level1=i.level1,
            level2=i.level2,
            name=i.name,
            operator=i.operator,
            target_value=i.target_value,
            target_text=i.target_text,
            unit=i.unit,
            weight=w,
        )
        for i, w in zip(indicators, weights, strict=True)
    )
    rescore(evaluation)
    audit.record(
        actor=actor,
        action="selfeval.create",
        obj=evaluation,
        after={"layout": layout, "goal_version": goal.version, "indicators": len(indicators)},
        region_path=project.region.path,
        message=f"由第{goal.version}版已批复绩效目标预填",
    )
    return evaluation


def prefill_for_owner(
    *, actor: Any, owner: Organization, year: int, layout: str = Layout.NATIONAL
) -> list[SelfEvaluation]:
    """Prefill every budget-approved project of `owner` for `year` that has an approved goal and no form yet."""
    projects = Project.objects.filter(
        owner=owner, fiscal_year=year, status__in=EVALUATED_STATUSES, goals__status=Goal.Status.APPROVED
    ).exclude(self_evaluation__isnull=False)
    return [prefill(actor=actor, project=p, layout=layout) for p in projects.select_related("owner", "region")]


# --- Entering and scoring -------------------------------------------------------------------------------


# The engine's names for the values it refuses, as the row's fields.
_ENGINE_FIELDS = {"points": "manual_score", "tier": "band", "deduction": "deduction", "weight": "weight"}


def rescore(evaluation: SelfEvaluation, rows: list[IndicatorResult] | None = None) -> SelfEvaluation:
    """Score the form as it stands (or with `rows` as changed in memory) and store every score with its
    explanation. Refuses, naming the row and field, a value the method does not accept. No permission
    check: callers have checked; scoring is a consequence of their save."""
    rows = list(evaluation.indicators.all()) if rows is None else rows
    rules = scoring_bridge.rules_for(evaluation)
    result = scoring_bridge.score_form(
        evaluation, evaluation.layout, rows, rules, scoring_bridge.settings_for(evaluation, rules)
    )
    for n, r in enumerate(result.rows):
        if r.error is not None:
            name = _ENGINE_FIELDS.get(r.error.field, "actual_value")
            raise DomainError(f"第{n + 1}个指标：{r.error.message}", field=f"indicators.{n}.{name}")
    scoring_bridge.store(evaluation, result)
    IndicatorResult.objects.bulk_update(rows, [*ENTRY_FIELDS, "weight", "score", "explanation"])
    evaluation.scored_at = timezone.now()
    evaluation.save()
    return evaluation


@transaction.atomic
def save_entries(
    *, actor: Any, evaluation: SelfEvaluation, data: FormEntry, action: str = "selfeval.save"
) -> SelfEvaluation:
    """Store what the unit states and score the form again. Refuses values the engine cannot score
    (a 定性 score outside its tier's band, a deduction without a reason) with the field named. `action`
    names the audit event (an import records `selfeval.import`)."""
    check_may_fill(actor, evaluation)
    before = audit.snapshot(evaluation, AUDITED_FIELDS)
    rows = {r.pk: r for r in evaluation.indicators.all()}
    errors = entry_errors(evaluation, data, rows)
    if errors:
        raise errors[0]
    evaluation.annual_goal_actual = data.annual_goal_actual
    for name in ("budget_initial", "budget_full_year", "executed"):
        value = getattr(data, name)
        if value is not None:
            setattr(evaluation, name, value)
    evaluation.execution_reason = data.execution_reason
    for entry in data.indicators:
        row = rows[entry.id]
        for name in ENTRY_FIELDS:
            setattr(row, name, getattr(entry, name))
        if entry.weight is not None:
            row.weight = entry.weight
    rescore(evaluation, list(rows.values()))
    old, new = audit.diff(before, audit.snapshot(evaluation, AUDITED_FIELDS))
    audit.record(
        actor=actor,
        action=action,
        obj=evaluation,
        before=old,
        after={**new, "indicators": len(data.indicators)},
        region_path=evaluation.project.region.path,
    )
    return evaluation


def entry_errors(evaluation: SelfEvaluation, data: FormEntry, rows: dict[int, IndicatorResult]) -> list[DomainError]:
    """Values that cannot be stored: unknown indicators, negative amounts, a deduction without reason."""
    errors: list[DomainError] = []
    for n, entry in enumerate(data.indicators):
        if entry.id not in rows:
            errors.append(DomainError(f"第{n + 1}行：指标{entry.id}不属于本自评表", field=f"indicators.{n}.id"))
    for name, label in (
        ("budget_initial", "年初预算数"),
        ("budget_full_year", "全年预算数"),
        ("executed", "全年执行数"),
    ):
        value = getattr(data, name)
        if value is not None and (not value.is_finite() or value < 0):
            errors.append(DomainError(f"{label}须为不小于0的金额", field=name))
    return errors


# --- Submitting and reviewing ---------------------------------------------------------------------------


def missing_explanations(evaluation: SelfEvaluation) -> list[DomainError]:
    """What must be explained before the form may be submitted: each missed target needs 偏差原因 and
    改进措施 (10号), each not-applicable indicator a reason, each unscored indicator a value; the 四川 layout
    needs a reason when 预算执行率 is below the threshold."""
    errors: list[DomainError] = []
    for n, row in enumerate(evaluation.indicators.all()):
        where = f"第{row.position or n + 1}个指标“{row.name}”"
        if row.not_applicable:
            if not row.not_applicable_reason.strip():
                errors.append(
                    DomainError(f"{where}标为不适用，须说明理由", field=f"indicators.{n}.not_applicable_reason")
                )
            continue
        if row.score is None:
            errors.append(DomainError(f"{where}尚未填写实际完成值", field=f"indicators.{n}.actual_value"))
            continue
        if scoring_bridge.target_missed(row):
            if not row.deviation_reason.strip():
                errors.append(
                    DomainError(f"{where}未完成年度指标值，须分析偏差原因", field=f"indicators.{n}.deviation_reason")
                )
            if not row.improvement_measures.strip():
                errors.append(
                    DomainError(
                        f"{where}未完成年度指标值，须提出改进措施", field=f"indicators.{n}.improvement_measures"
                    )
                )
    if evaluation.executed is None:
        errors.append(DomainError("须填写全年执行数", field="executed"))
    elif (
        scoring_bridge.execution_needs_reason(evaluation, evaluation.layout, scoring_bridge.settings_for(evaluation))
        and not evaluation.execution_reason.strip()
    ):
        errors.append(DomainError("预算执行率低于规定比例，须说明原因", field="execution_reason"))
    return errors


@transaction.atomic
def submit(*, actor: Any, evaluation: SelfEvaluation) -> SelfEvaluation:
    check_may_fill(actor, evaluation)
    missing = missing_explanations(evaluation)
    if missing:
        shown = "；".join(e.message for e in missing[:3])
        more = f"等{len(missing)}处" if len(missing) > 3 else ""
        raise DomainError(f"自评表尚不完整，不能提交：{shown}{more}", field=missing[0].field)
    before = evaluation.status
    evaluation.status = SelfEvaluation.Status.SUBMITTED
    evaluation.submitted_at = timezone.now()
    evaluation.save(update_fields=["status", "submitted_at", "updated_at"])
    audit.record(
        actor=actor,
        action="selfeval.submit",
        obj=evaluation,
        before={"status": before},
        after={"status": evaluation.status, "total_score": evaluation.total_score, "grade": evaluation.grade},
        region_path=evaluation.project.region.path,
    )
    return evaluation


@transaction.atomic
def review(*, actor: Any, evaluation: SelfEvaluation, approve: bool, comment: str = "") -> SelfEvaluation:
    """Decide the step the form waits at: approve moves it up, return sends it back to the unit (a
    comment is required then, so the unit knows what to change)."""
    step = REVIEWABLE.get(evaluation.status)  # type: ignore[call-overload]
    if step is None:
        scoping.require(actor, Cap.SELFEVAL_REVIEW, view_cap=Cap.PROJECT_VIEW, **place(evaluation))
        raise DomainError(f"自评表状态为“{evaluation.get_status_display()}”，没有待审核的环节", field="status")
    roles, approved_status, label = step
    if not may_review(actor, evaluation):
        scoping.require(actor, Cap.PROJECT_VIEW, view_cap=Cap.PROJECT_VIEW, **place(evaluation))
        raise PermissionDenied(f"“{label}”环节不由您审核")
    if not approve and not comment.strip():
        raise DomainError("退回须写明需修改的内容", field="comment")
    before = evaluation.status
    now = timezone.now()
    if evaluation.status == SelfEvaluation.Status.SUBMITTED:
        evaluation.dept_reviewer, evaluation.dept_reviewed_at = actor, now
    else:
        evaluation.finance_reviewer, evaluation.finance_reviewed_at = actor, now
    evaluation.status = approved_status if approve else SelfEvaluation.Status.RETURNED
    evaluation.review_comment = comment.strip()
    evaluation.save()
    audit.record(
        actor=actor,
        action="selfeval.review" if approve else "selfeval.return",
        obj=evaluation,
        before={"status": before},
        after={"status": evaluation.status, "step": label},
        region_path=evaluation.project.region.path,
        message=comment.strip(),
    )
    return evaluation
