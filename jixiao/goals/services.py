"""Writers for 绩效目标: declaring a goal, submitting it, reviewing it step by step, withdrawing it and
adjusting it once approved. Pages, the API, the CLI and imports all come through here.

The life of a goal (财预〔2015〕88号):

    草稿 ──submit──▶ 审核中 ──优/良 at the last step──▶ 审核通过 ──budget approved──▶ 已批复
      ▲  ◀─withdraw─┘  │ │
      └──── 退回修改 ◀─中┘ └─差─▶ 审核不通过 (may not enter the budget)

The chain of steps is snapshot on the goal when it is submitted; a resubmission after 中 starts again
at the first step, under the chain then in force. An approved goal changes only through an adjustment:
a new version, reviewed through the chain, that replaces the approved one when it passes (第二十八条).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.goals.models import Basis, Goal, Indicator, LibraryIndicator, Operator, Review, ReviewResult
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap, Role
from jixiao.orgs.rules_config import resolve_all
from jixiao.projects.models import Project
from jixiao.projects.services import check_may_change
from jixiao.rules import config
from jixiao.rules.goal_checks import CheckSettings, Finding, GoalFacts, IndicatorFacts, check_goal, level_key


@dataclass
class IndicatorInput:
    """One indicator as a person states it; operator, value and unit already parsed
    (`jixiao.rules.targets.parse_target` turns 「≥50个」 into them)."""

    level1: str
    level2: str
    name: str
    operator: str
    target_value: Decimal | None = None
    target_text: str = ""
    mid_term_target: str = ""
    unit: str = ""
    explanation: str = ""
    scoring_rule: str = ""
    basis: str = ""
    data_source: str = ""
    last_year_actual: Decimal | None = None
    weight: Decimal | None = None
    is_core: bool = False
    remark: str = ""
    library_entry_id: int | None = None


@dataclass
class GoalInput:
    annual_goal: str
    mid_term_goal: str = ""
    has_beneficiaries: bool = True
    indicators: list[IndicatorInput] = field(default_factory=list)


# Stored values of an indicator by attribute name (library_entry_id for the library link), as IndicatorInput names them.
INDICATOR_FIELDS = [f.attname for f in Indicator._meta.concrete_fields if f.name not in ("id", "goal", "position")]
GOAL_TEXT_FIELDS = ["annual_goal", "mid_term_goal", "has_beneficiaries"]
AUDITED_FIELDS = ["version", "status", *GOAL_TEXT_FIELDS]
IN_FORCE = (Goal.Status.PASSED, Goal.Status.APPROVED)
BUDGET_APPROVED = (Project.Status.BUDGETED, Project.Status.EXECUTING, Project.Status.COMPLETED)
PROCEEDS = (ReviewResult.EXCELLENT, ReviewResult.GOOD)
ROLE_LABELS = dict(Role.choices)
_LABELS = {f.attname: str(f.verbose_name) for f in Indicator._meta.concrete_fields}
# Field lengths come from the model, so that a too-long value is refused by name, not by the database.
_LENGTHS = {
    f.name: f.max_length
    for f in Indicator._meta.concrete_fields
    if f.max_length and f.name in INDICATOR_FIELDS and f.name != "operator"
}


# (max_digits, decimal_places) of the Decimal columns, as the model declares them.
def _digits(name: str) -> tuple[int, int]:
    column = Indicator._meta.get_field(name)
    assert isinstance(column, models.DecimalField)
    return int(column.max_digits or 0), int(column.decimal_places or 0)


_DIGITS = {name: _digits(name) for name in ("target_value", "last_year_actual", "weight")}


class GoalCheckFailed(DomainError):
    """Submission refused by the automatic checks; `findings` lists every blocking one."""

    def __init__(self, findings: list[Finding]) -> None:
        shown = "；".join(f.message for f in findings[:3])
        more = f"等{len(findings)}处" if len(findings) > 3 else ""
        super().__init__(f"绩效目标未通过自动审核，不能提交：{shown}{more}", field=findings[0].field)
        self.findings = findings


# --- Checks -------------------------------------------------------------------------------------------


def _rules(region: Region, fiscal_year: int) -> dict[str, Any]:
    return {key: rule.value for key, rule in resolve_all(region, fiscal_year).items()}


def check_settings(region: Region, fiscal_year: int) -> CheckSettings:
    return CheckSettings.from_rules(_rules(region, fiscal_year))


# Looked up once: `Operator.values` builds a new list on every access, and imports check every indicator.
_OPERATORS = frozenset(Operator.values)
_BASES = frozenset(Basis.values)
_FACT_FIELDS = [f.name for f in fields(IndicatorFacts) if f.name != "position"]


class ProjectFacts(Protocol):
    """What the checks read of a project (a Project, or a record read without the ORM by an import)."""

    @property
    def kind(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def amount_requested(self) -> Decimal: ...


def _facts(project: ProjectFacts, goal: "Goal | GoalInput", indicators: Iterable[tuple[int, Any]]) -> GoalFacts:
    return GoalFacts(
        kind=project.kind,
        category=project.category,
        budget_yuan=project.amount_requested,
        has_beneficiaries=goal.has_beneficiaries,
        annual_goal=goal.annual_goal,
        mid_term_goal=goal.mid_term_goal,
        indicators=tuple(
            IndicatorFacts(position=n, **{name: getattr(item, name) for name in _FACT_FIELDS}) for n, item in indicators
        ),
    )


def facts_for(goal: Goal) -> GoalFacts:
    """What the checks look at; reads `goal.indicators.all()`, so a prefetch serves a list of goals."""
    return _facts(goal.project, goal, ((i.position, i) for i in goal.indicators.all()))


def facts_from_input(project: ProjectFacts, data: "GoalInput") -> GoalFacts:
    """The same for a goal as typed or imported, not yet saved; positions as `save_goal` numbers them."""
    return _facts(project, data, enumerate(data.indicators, start=1))


def findings_for(goal: Goal, settings: CheckSettings | None = None) -> list[Finding]:
    """The automatic checks' findings; pass `settings` when checking many goals of one region and year."""
    if settings is None:
        settings = check_settings(goal.project.region, goal.project.fiscal_year)
    return check_goal(facts_for(goal), settings)


# --- Validation of what is declared --------------------------------------------------------------------


def input_errors(data: GoalInput, tree: dict[str, list[str]]) -> list[DomainError]:
    """Every value the model cannot store or the indicator tree does not know, each naming its field
    as `indicators.N.field` (N = the indicator's position, from 1). Goal checks (missing 效益, vague
    targets …) are not errors here: a draft may be incomplete; they refuse the submission."""
    errors: list[DomainError] = []
    if len(data.annual_goal) > 5000 or len(data.mid_term_goal) > 5000:
        field_name = "annual_goal" if len(data.annual_goal) > 5000 else "mid_term_goal"
        errors.append(DomainError("总体目标不能超过5000字", field=field_name))
    for n, item in enumerate(data.indicators, start=1):
        errors.extend(_indicator_errors(n, item, tree))
    return errors


def _indicator_errors(n: int, item: IndicatorInput, tree: dict[str, list[str]]) -> list[DomainError]:
    where = f"第{n}个指标"
    errors: list[DomainError] = []

    def bad(name: str, message: str) -> None:
        errors.append(DomainError(f"{where}：{message}", field=f"indicators.{n}.{name}"))

    if item.level1 not in tree:
        bad("level1", f"一级指标“{item.level1}”不在本地区的指标体系中（可选：{'、'.join(tree)}）")
    elif item.level2 not in tree[item.level1]:
        bad("level2", f"二级指标“{item.level2}”不属于“{item.level1}”（可选：{'、'.join(tree[item.level1])}）")
    if not item.name.strip():
        bad("name", "三级指标名称不能为空")
    if item.operator not in _OPERATORS:
        bad("operator", f"指标性质“{item.operator}”无效（可选：{'、'.join(Operator.values)}）")
    if item.basis and item.basis not in _BASES:
        bad("basis", f"指标值设定依据“{item.basis}”无效（可选：{'、'.join(Basis.values)}）")
    for name, limit in _LENGTHS.items():
        value = getattr(item, name)
        if isinstance(value, str) and len(value) > limit:
            bad(name, f"{_LABELS[name]}不能超过{limit}个字（现有{len(value)}个）")
    for name, (digits, places) in _DIGITS.items():
        value = getattr(item, name)
        if value is None:
            continue
        if not value.is_finite():
            bad(name, f"{_LABELS[name]}须为数字")
        elif not _fits(value, digits, places):
            bad(name, f"{_LABELS[name]}“{value}”超出可记录的位数")
    if item.weight is not None and item.weight.is_finite() and item.weight < 0:
        bad("weight", "分值不能为负数")
    return errors


def _fits(value: Decimal, max_digits: int, places: int) -> bool:
    """Whether a finite Decimal fits a DecimalField(max_digits, places), as Django's DecimalValidator
    decides it (without building a ValidationError for each value that fits)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite
    if exponent >= 0:
        decimals, whole = 0, len(digits) + exponent
    else:
        decimals = -exponent
        whole = max(len(digits) - decimals, 0)
    return len(digits) + max(exponent, 0) <= max_digits and decimals <= places and whole <= max_digits - places


class TreeSpelling:
    """Level names as the region's tree writes them: tables differ in whether they write the 「指标」
    (「产出」 is 「产出指标」). Names the tree does not know are left for `input_errors` to name. Keep one
    per tree when spelling many goals: each distinct pair of names is worked out once."""

    def __init__(self, tree: dict[str, list[str]]) -> None:
        self.tree = tree
        self.level1s = {level_key(one): one for one in tree}
        self.pairs: dict[tuple[str, str], tuple[str, str]] = {}

    def pair(self, level1: str, level2: str) -> tuple[str, str]:
        found = self.pairs.get((level1, level2))
        if found is None:
            one = self.level1s.get(level_key(level1), level1)
            two = next((t for t in self.tree.get(one, []) if level_key(t) == level_key(level2)), level2)
            found = self.pairs[(level1, level2)] = (one, two)
        return found

    def __call__(self, data: GoalInput) -> GoalInput:
        indicators = []
        for item in data.indicators:
            level1, level2 = self.pair(item.level1, item.level2)
            if (level1, level2) != (item.level1, item.level2):
                item = replace(item, level1=level1, level2=level2)
            indicators.append(item)
        return replace(data, indicators=indicators)


def in_tree_spelling(data: GoalInput, tree: dict[str, list[str]]) -> GoalInput:
    return TreeSpelling(tree)(data)


def _check_library_entries(data: GoalInput) -> None:
    ids = {i.library_entry_id for i in data.indicators if i.library_entry_id is not None}
    known = set(LibraryIndicator.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    for n, item in enumerate(data.indicators, start=1):
        if item.library_entry_id is not None and item.library_entry_id not in known:
            raise DomainError(f"第{n}个指标引用的指标库条目不存在", field=f"indicators.{n}.library_entry_id")


# --- Permissions ----------------------------------------------------------------------------------------


def project_place(project: Project) -> dict[str, Any]:
    return {"owner_path": project.owner.path, "owner_id": project.owner_id, "region_path": project.region.path}


def pending_review(goal: Goal) -> Review | None:
    """The step waiting for a decision; served from `goal.reviews` when prefetched."""
    return next((r for r in goal.reviews.all() if r.state == Review.State.PENDING), None)


def may_act_on(user: Any, goal: Goal, review: Review | None) -> bool:
    """Whether `user` may decide the pending step: the step's role, with GOAL_REVIEW over the project."""
    if review is None or review.state != Review.State.PENDING:
        return False
    return scoping.reaches_as(user, Cap.GOAL_REVIEW, review.role, **project_place(goal.project))


def _require_reviewer(actor: Any, goal: Goal, review: Review) -> None:
    if may_act_on(actor, goal, review):
        return
    if scoping.reaches(actor, Cap.PROJECT_VIEW, **project_place(goal.project)):
        role = ROLE_LABELS.get(review.role, review.role)
        raise PermissionDenied(f"“{review.step_label}”环节须由{role}审核，您不能办理。")
    raise NotFound("对象不存在或不在您的权限范围内。")


def _lock(goal: Goal) -> Goal:
    return Goal.objects.select_for_update().select_related("project__owner", "project__region").get(pk=goal.pk)


# --- Declaring --------------------------------------------------------------------------------------------


def _indicator_key(i: IndicatorInput | Indicator) -> str:
    return f"{i.level1}/{i.level2}/{i.name}"


def _indicator_values(i: IndicatorInput | Indicator) -> tuple[Any, ...]:
    return tuple(getattr(i, n) for n in INDICATOR_FIELDS)


def _indicator_changes(old: list[Indicator], new: list[IndicatorInput]) -> dict[str, list[str]]:
    """Which indicators a save added, removed or changed, by 一级/二级/三级 name (first 20 of each)."""
    before = {_indicator_key(i): _indicator_values(i) for i in old}
    after = {_indicator_key(i): _indicator_values(i) for i in new}
    changes = {
        "added": [k for k in after if k not in before],
        "removed": [k for k in before if k not in after],
        "changed": [k for k in after if k in before and before[k] != after[k]],
    }
    return {k: v[:20] for k, v in changes.items() if v}


def _open_version(project: Project, actor: Any) -> Goal | None:
    """The version a save writes to, or None when a first one is to be created; refuses what a
    save may not change."""
    goals = list(Goal.objects.select_for_update().filter(project=project).order_by("-version"))
    open_goal = next((g for g in goals if g.status in Goal.OPEN), None)
    if open_goal is not None:
        if open_goal.status == Goal.Status.IN_REVIEW:
            review = pending_review(open_goal)
            open_goal.project = project
            if not may_act_on(actor, open_goal, review):
                check_may_change(actor, project.owner)
                step = f"（{review.step_label}）" if review else ""
                raise DomainError(
                    f"绩效目标正在审核中{step}，不能修改：第一个环节办理前可以撤回后修改，之后请与审核人协商",
                    field="status",
                )
            return open_goal
        check_may_change(actor, project.owner)
        return open_goal
    check_may_change(actor, project.owner)
    if any(g.status in IN_FORCE for g in goals):
        raise DomainError("绩效目标已审核通过，修改须提出调整申请并重新审核", field="status")
    if goals and goals[0].status == Goal.Status.REJECTED:
        raise DomainError("绩效目标审核结果为“差”，不得进入预算安排，不能再申报", field="status")
    return None


@transaction.atomic
def save_goal(*, actor: Any, project: Project, data: GoalInput) -> Goal:
    """Create version 1, or rewrite the open version (a draft, a returned goal, or — by the reviewer of
    the current step, who may complete it by agreement (良) — a goal in review). Indicators are replaced
    and numbered 1..n in the order given."""
    project = Project.objects.select_related("owner__region", "region").get(pk=project.pk)
    goal = _open_version(project, actor)
    tree = _rules(project.region, project.fiscal_year)["goals.indicator_tree"]
    data = in_tree_spelling(data, tree)
    errors = input_errors(data, tree)
    if errors:
        raise errors[0]
    _check_library_entries(data)
    old_indicators: list[Indicator] = []
    if goal is None:
        goal = Goal(project=project, version=1, created_by=actor if getattr(actor, "is_authenticated", False) else None)
        before: dict[str, Any] = {}
    else:
        old_indicators = list(goal.indicators.all())
        before = {**audit.snapshot(goal, AUDITED_FIELDS), "indicators": len(old_indicators)}
    goal.annual_goal = data.annual_goal.strip()
    goal.mid_term_goal = data.mid_term_goal.strip()
    goal.has_beneficiaries = data.has_beneficiaries
    goal.save()
    goal.indicators.all().delete()
    Indicator.objects.bulk_create(
        Indicator(
            goal=goal,
            position=n,
            **{name: getattr(item, name) for name in INDICATOR_FIELDS},
        )
        for n, item in enumerate(data.indicators, start=1)
    )
    after = {**audit.snapshot(goal, AUDITED_FIELDS), "indicators": len(data.indicators)}
    old, new = audit.diff(before, after) if before else ({}, after)
    changes = _indicator_changes(old_indicators, data.indicators)
    if changes:
        new["indicator_changes"] = changes
    if new or not before:
        audit.record(actor=actor, action="goal.save", obj=goal, before=old, after=new, region_path=project.region.path)
    return goal


# --- Submitting and reviewing ---------------------------------------------------------------------------


@transaction.atomic
def submit_goal(*, actor: Any, goal: Goal) -> Goal:
    """Send a draft or returned goal into its review chain, from the first step. Blocking findings of
    the automatic checks refuse it (GoalCheckFailed lists them)."""
    goal = _lock(goal)
    project = goal.project
    check_may_change(actor, project.owner)
    if goal.status not in Goal.EDITABLE_BY_UNIT:
        raise DomainError(f"绩效目标当前为“{goal.get_status_display()}”，不能提交", field="status")
    rules = _rules(project.region, project.fiscal_year)
    blocking = [f for f in findings_for(goal, CheckSettings.from_rules(rules)) if f.severity == "blocking"]
    if blocking:
        raise GoalCheckFailed(blocking)
    chain = config.chain_for(rules["goals.review_chain"], project.kind)
    if not chain:
        raise DomainError(f"{project.region.name}未设定绩效目标审核流程", field="chain")
    before = audit.snapshot(goal, ["status", "submissions"])
    goal.chain = chain
    goal.submissions += 1
    goal.status = Goal.Status.IN_REVIEW
    goal.submitted_at = timezone.now()
    goal.decided_at = None
    goal.save()
    first = Review.objects.create(
        goal=goal, submission=goal.submissions, step=1, step_label=chain[0]["step"], role=chain[0]["role"]
    )
    audit.record(
        actor=actor,
        action="goal.submit",
        obj=goal,
        before=before,
        after={**audit.snapshot(goal, ["status", "submissions"]), "chain": [s["step"] for s in chain]},
        region_path=project.region.path,
        message=f"送{first.step_label}",
    )
    return goal


def _take_effect(actor: Any, goal: Goal, now: Any) -> None:
    """A goal that passed its last step comes into force. While the budget is still to be approved it
    waits as 审核通过 (the gate approves it with the budget); an adjustment of a goal whose budget is
    already approved is approved at once. Either way it replaces the version in force, which is marked
    superseded first: the database keeps one version in force per project."""
    previous = list(
        Goal.objects.select_for_update().filter(project=goal.project, status__in=IN_FORCE).exclude(pk=goal.pk)
    )
    for old in previous:
        old.status = Goal.Status.SUPERSEDED
        old.save(update_fields=["status", "updated_at"])
    approve = goal.project.status in BUDGET_APPROVED or any(g.approved_at for g in previous)
    goal.status = Goal.Status.APPROVED if approve else Goal.Status.PASSED
    goal.decided_at = now
    if approve:
        goal.approved_at = now
    goal.save()
    if approve:
        replaced = f"，替代第{previous[0].version}版" if previous else ""
        audit.record(
            actor=actor,
            action="goal.approve",
            obj=goal,
            after={"status": goal.status, "version": goal.version},
            region_path=goal.project.region.path,
            message=f"调整经审核通过，随已批复的预算生效{replaced}",
        )


@transaction.atomic
def review_goal(
    *,
    actor: Any,
    goal: Goal,
    result: str,
    completeness: str = "",
    relevance: str = "",
    appropriateness: str = "",
    feasibility: str = "",
    comment: str = "",
    reasonableness: str = "",
) -> Goal:
    """Decide the pending step. 优 and 良 pass it on (at the last step the goal passes); 中 returns the
    goal to the unit; 差 rejects it. 中 and 差 must say what is to be fixed. `reasonableness` (合理性)
    is the name some regions use for 适当性."""
    goal = _lock(goal)
    review = Review.objects.select_for_update().filter(goal=goal, state=Review.State.PENDING).first()
    if goal.status != Goal.Status.IN_REVIEW or review is None:
        if not scoping.reaches(actor, Cap.PROJECT_VIEW, **project_place(goal.project)):
            raise NotFound("对象不存在或不在您的权限范围内。")
        raise DomainError(f"绩效目标当前为“{goal.get_status_display()}”，没有待审核的环节", field="status")
    _require_reviewer(actor, goal, review)
    if result not in ReviewResult.values:
        raise DomainError(f"审核结果“{result}”无效（可选：优、良、中、差）", field="result")
    if result not in PROCEEDS and not comment.strip():
        raise DomainError(f"审核结果为“{result}”时，须在“需补充完善事项”中写明问题和修改要求", field="comment")
    now = timezone.now()
    review.state = Review.State.DONE
    review.result = result
    review.completeness = completeness.strip()
    review.relevance = relevance.strip()
    review.appropriateness = (appropriateness or reasonableness).strip()
    review.feasibility = feasibility.strip()
    review.comment = comment.strip()
    review.reviewer = actor
    review.decided_at = now
    review.save()
    before = audit.snapshot(goal, ["status"])
    goal.last_result = result
    if result in PROCEEDS and review.step < len(goal.chain):
        step = goal.chain[review.step]
        Review.objects.create(
            goal=goal, submission=review.submission, step=review.step + 1, step_label=step["step"], role=step["role"]
        )
        goal.save(update_fields=["last_result", "updated_at"])
    elif result in PROCEEDS:
        _take_effect(actor, goal, now)
    else:
        goal.status = Goal.Status.RETURNED if result == ReviewResult.FAIR else Goal.Status.REJECTED
        goal.decided_at = now
        goal.save()
    audit.record(
        actor=actor,
        action="goal.review",
        obj=goal,
        before=before,
        after={"step": review.step_label, "result": result, "status": goal.status},
        region_path=goal.project.region.path,
        message=review.comment,
    )
    return goal


@transaction.atomic
def batch_review(*, actor: Any, goals: list[Goal], result: str, comment: str = "") -> list[Goal]:
    """Pass many goals at their pending step at once (优 or 良 only: 中 and 差 need a reason for each).
    All or nothing: if the actor cannot decide any of them, none is decided and the refusal lists them."""
    if result not in PROCEEDS:
        raise DomainError("批量审核只能给出“优”或“良”；“中”“差”须逐个审核并写明修改要求", field="result")
    if not goals:
        raise DomainError("请选择要审核的绩效目标", field="goals")
    locked = list(
        Goal.objects.select_for_update()
        .select_related("project__owner", "project__region")
        .filter(pk__in=[g.pk for g in goals])
        .order_by("pk")
    )
    pending = {r.goal_id: r for r in Review.objects.filter(goal__in=locked, state=Review.State.PENDING)}
    refused = [g for g in locked if not may_act_on(actor, g, pending.get(g.pk))]
    if refused or len(locked) < len({g.pk for g in goals}):
        # Named only where the actor may see the project; the rest are counted, not described.
        seen = [g for g in refused if scoping.reaches(actor, Cap.PROJECT_VIEW, **project_place(g.project))]
        unseen = len({g.pk for g in goals}) - len(locked) + len(refused) - len(seen)
        parts = [f"{g.project.code} {g.project.name}" for g in seen]
        if unseen:
            parts.append(f"另有{unseen}个不存在或不在您的权限范围内")
        raise PermissionDenied(f"以下绩效目标不在您的待审核范围内，本批均未审核：{'、'.join(parts)}")
    return [review_goal(actor=actor, goal=g, result=result, comment=comment) for g in locked]


@transaction.atomic
def withdraw_goal(*, actor: Any, goal: Goal) -> Goal:
    """The unit takes back a submitted goal while its first step has not been decided: back to draft."""
    goal = _lock(goal)
    check_may_change(actor, goal.project.owner)
    review = Review.objects.select_for_update().filter(goal=goal, state=Review.State.PENDING).first()
    if goal.status != Goal.Status.IN_REVIEW or review is None:
        raise DomainError(f"绩效目标当前为“{goal.get_status_display()}”，不能撤回", field="status")
    if review.step != 1:
        raise DomainError(f"“{goal.chain[0]['step']}”已办理，不能撤回", field="status")
    review.state = Review.State.WITHDRAWN
    review.decided_at = timezone.now()
    review.save(update_fields=["state", "decided_at"])
    goal.status = Goal.Status.DRAFT
    goal.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="goal.withdraw",
        obj=goal,
        before={"status": Goal.Status.IN_REVIEW},
        after={"status": goal.status},
        region_path=goal.project.region.path,
    )
    return goal


# --- Adjusting ----------------------------------------------------------------------------------------


@transaction.atomic
def start_adjustment(*, actor: Any, project: Project, reason: str) -> Goal:
    """Open version n+1 as a draft copy of the goal in force, with the reason for the change. The goal
    in force stays so until the new version passes the chain (财预〔2015〕88号 第二十八条)."""
    project = Project.objects.select_related("owner__region", "region").get(pk=project.pk)
    check_may_change(actor, project.owner)
    if not reason.strip():
        raise DomainError("请写明调整理由", field="reason")
    goals = list(Goal.objects.select_for_update().filter(project=project).order_by("-version"))
    if any(g.status in Goal.OPEN for g in goals):
        raise DomainError("该项目已有未完成审核的绩效目标版本，不能再申请调整", field="status")
    in_force = next((g for g in goals if g.status in IN_FORCE), None)
    if in_force is None:
        raise DomainError("只有审核通过或已批复的绩效目标才能申请调整", field="status")
    copy = Goal.objects.create(
        project=project,
        version=goals[0].version + 1,
        status=Goal.Status.DRAFT,
        adjustment_reason=reason.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **{name: getattr(in_force, name) for name in GOAL_TEXT_FIELDS},
    )
    Indicator.objects.bulk_create(
        Indicator(goal=copy, position=i.position, **{n: getattr(i, n) for n in INDICATOR_FIELDS})
        for i in in_force.indicators.all()
    )
    audit.record(
        actor=actor,
        action="goal.adjust",
        obj=copy,
        after={"version": copy.version, "from_version": in_force.version, "reason": copy.adjustment_reason},
        region_path=project.region.path,
        message=copy.adjustment_reason,
    )
    return copy
