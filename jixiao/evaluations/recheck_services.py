"""Writers for the finance bureau's side: sampling plans and their draws (抽查复核), re-checks of sampled
self-evaluations on the same form, and 再评价 of departments. Each checks permission and records an audit
event; the draw's event carries the method, seed, population size and population hash.
"""

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.evaluations import sampling, scoring_bridge
from jixiao.evaluations.models import (
    Recheck,
    RecheckIndicator,
    ReEvaluation,
    SampleItem,
    SamplingPlan,
    SelfEvaluation,
)
from jixiao.evaluations.services import ENTRY_FIELDS, EVALUATED_STATUSES, FormEntry, IndicatorEntry
from jixiao.orgs.models import Organization, Region
from jixiao.orgs.roles import Cap, Role
from jixiao.orgs.rules_config import resolve
from jixiao.projects.models import Project
from jixiao.rules import config

# Copied from the self-evaluation's row onto the re-check's row: the indicator as declared and what the unit
# stated, which the re-checker confirms or corrects.
COPIED = ["position", "level1", "level2", "name", "operator", "target_value", "target_text", "unit", "weight"]
COPIED_ENTRIES = [f for f in ENTRY_FIELDS if f not in ("deviation_reason", "improvement_measures")]
FILTER_KEYS = {"category", "kind", "department", "min_amount", "max_amount", "self_evaluated"}
RECHECKABLE = (
    SelfEvaluation.Status.SUBMITTED,
    SelfEvaluation.Status.DEPT_REVIEWED,
    SelfEvaluation.Status.FINANCE_REVIEWED,
)


def _require_region(actor: Any, cap: str, region: Region) -> None:
    if scoping.reaches_region(actor, cap, region.path):
        return
    if scoping.reaches_region(actor, Cap.PROJECT_VIEW, region.path):
        raise PermissionDenied("您没有执行此操作的权限。")
    raise NotFound("对象不存在或不在您的权限范围内。")


# --- Sampling plans --------------------------------------------------------------------------------------


@dataclass
class PlanInput:
    region: Region
    year: int
    population: str
    method: str
    rate: Decimal | None = None
    size: int | None = None
    seed: int | None = None  # None: a fresh random seed, recorded on the plan
    strata: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    amount_bands: list[Decimal] = field(default_factory=list)
    name: str = ""


def plan_errors(data: PlanInput) -> list[DomainError]:
    errors = []
    if data.population not in SamplingPlan.Population.values:
        errors.append(
            DomainError(f"抽样对象“{data.population}”无效（可选：projects、departments）", field="population")
        )
    if data.method not in SamplingPlan.Method.values:
        errors.append(DomainError(f"抽样方法“{data.method}”无效（可选：simple、stratified、pps）", field="method"))
    if data.method == SamplingPlan.Method.STRATIFIED and data.strata not in SamplingPlan.Strata.values:
        errors.append(DomainError("分层抽样须指定分层依据（department、category 或 amount_band）", field="strata"))
    if data.population == SamplingPlan.Population.DEPARTMENTS and data.strata in ("department", "category"):
        errors.append(DomainError("按部门抽样时只能按金额档次分层", field="strata"))
    if (data.rate is None) == (data.size is None):
        errors.append(DomainError("须指定抽样比例或样本量之一", field="rate"))
    if data.rate is not None and not Decimal(0) < data.rate <= Decimal(1):
        errors.append(DomainError("抽样比例须大于0且不超过1（如0.3表示30%）", field="rate"))
    if data.size is not None and data.size < 1:
        errors.append(DomainError("样本量须为正整数", field="size"))
    unknown = set(data.filters) - FILTER_KEYS
    if unknown:
        errors.append(DomainError(f"未知的筛选条件：{'、'.join(sorted(unknown))}", field="filters"))
    if any(b <= 0 for b in data.amount_bands) or data.amount_bands != sorted(set(data.amount_bands)):
        errors.append(DomainError("金额分档须为递增的正数（元）", field="amount_bands"))
    return errors


@transaction.atomic
def create_plan(*, actor: Any, data: PlanInput) -> SamplingPlan:
    _require_region(actor, Cap.SAMPLING_MANAGE, data.region)
    errors = plan_errors(data)
    if errors:
        raise errors[0]
    bands = data.amount_bands
    if data.strata == SamplingPlan.Strata.AMOUNT_BAND and not bands:
        bands = [Decimal(b) for b in resolve("sampling.amount_bands_yuan", data.region, data.year).value]
    plan = SamplingPlan.objects.create(
        region=data.region,
        year=data.year,
        name=data.name.strip(),
        population=data.population,
        filters=data.filters,
        method=data.method,
        strata=data.strata if data.method == SamplingPlan.Method.STRATIFIED else "",
        amount_bands=[str(b) for b in bands],
        rate=data.rate,
        size=data.size,
        seed=data.seed if data.seed is not None else secrets.randbelow(2**31),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="sampling.create",
        obj=plan,
        after=audit.snapshot(
            plan, ["population", "method", "strata", "rate", "size", "seed", "filters", "amount_bands"]
        ),
        region_path=plan.region.path,
    )
    return plan


def _amount(project: Project) -> Decimal:
    if project.amount_adjusted is not None:
        return project.amount_adjusted
    return project.amount_approved if project.amount_approved is not None else Decimal(0)


def _projects(plan: SamplingPlan) -> Any:
    f = plan.filters
    qs = Project.objects.filter(
        region__path__startswith=plan.region.path, fiscal_year=plan.year, status__in=EVALUATED_STATUSES
    )
    if f.get("category"):
        qs = qs.filter(category=f["category"])
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("department"):
        qs = qs.filter(department_id=f["department"])
    if f.get("self_evaluated"):
        qs = qs.filter(self_evaluation__status__in=RECHECKABLE)
    amount = Coalesce("amount_adjusted", "amount_approved", Decimal(0))
    qs = qs.annotate(sampled_amount=amount)
    if f.get("min_amount") not in (None, ""):
        qs = qs.filter(sampled_amount__gte=Decimal(str(f["min_amount"])))
    if f.get("max_amount") not in (None, ""):
        qs = qs.filter(sampled_amount__lt=Decimal(str(f["max_amount"])))
    return qs.select_related("department", "region")


def population(plan: SamplingPlan) -> dict[str, tuple[sampling.Unit, Project | None, Organization]]:
    """The plan's population by key: each member as a sampling unit with its project (None for
    departments) and department. Departments are the 一级预算单位 with budget-approved projects in the
    year; their amount is the sum of those projects' amounts."""
    bands = [Decimal(b) for b in plan.amount_bands]
    out: dict[str, tuple[sampling.Unit, Project | None, Organization]] = {}

    def stratum(amount: Decimal, project: Project | None, department: Organization) -> str:
        if plan.strata == SamplingPlan.Strata.DEPARTMENT:
            return department.code
        if plan.strata == SamplingPlan.Strata.CATEGORY and project is not None:
            return project.category
        if plan.strata == SamplingPlan.Strata.AMOUNT_BAND:
            return sampling.amount_band(amount, bands)
        return ""

    projects = _projects(plan)
    if plan.population == SamplingPlan.Population.PROJECTS:
        for p in projects:
            key = f"{p.region.code}/{p.code}"
            out[key] = (
                sampling.Unit(key, p.sampled_amount, stratum(p.sampled_amount, p, p.department)),
                p,
                p.department,
            )
        return out
    totals = projects.values("department").annotate(total=Sum("sampled_amount"))
    departments = Organization.objects.in_bulk([t["department"] for t in totals])
    for t in totals:
        d = departments[t["department"]]
        out[d.code] = (sampling.Unit(d.code, t["total"], stratum(t["total"], None, d)), None, d)
    return out


@transaction.atomic
def draw(*, actor: Any, plan: SamplingPlan) -> list[SampleItem]:
    """Draw the plan's sample. A plan drawn before draws again to the same sample (shown in the audit
    trail as a second draw); if its population has changed since, the draw is refused: a new plan is needed."""
    _require_region(actor, Cap.SAMPLING_MANAGE, plan.region)
    members = population(plan)
    units = [m[0] for m in members.values()]
    digest = sampling.population_hash(units)
    if plan.drawn_at is not None and digest != plan.population_hash:
        raise DomainError(
            f"抽样总体自{plan.drawn_at:%Y-%m-%d}抽取以来已变化（对象{plan.population_size}个→{len(units)}个），"
            "同一方案不能重抽出不同样本，请新建抽样方案",
            field="population",
        )
    try:
        n = sampling.size_for(len(units), rate=plan.rate, size=plan.size)
        drawn = sampling.draw(plan.method, units, n, plan.seed)
    except sampling.SamplingError as exc:
        raise DomainError(str(exc), field="method") from exc
    keys = [u.key for u in drawn]
    repeat = plan.drawn_at is not None
    if repeat:
        stored = [_key(i) for i in plan.items.select_related("project__region", "department")]
        if stored != keys:  # the functions are pure; this would mean the code changed under the plan
            raise DomainError("重抽结果与首次抽取不一致，请检查抽样程序版本", field="seed")
        items = list(plan.items.all())
    else:
        items = SampleItem.objects.bulk_create(
            SampleItem(
                plan=plan,
                order=n + 1,
                project=members[u.key][1],
                department=members[u.key][2],
                stratum=u.stratum,
                amount=u.amount,
            )
            for n, u in enumerate(drawn)
        )
        plan.population_size, plan.population_hash, plan.drawn_at = len(units), digest, timezone.now()
        plan.save(update_fields=["population_size", "population_hash", "drawn_at"])
    audit.record(
        actor=actor,
        action="sampling.draw",
        obj=plan,
        after={
            "method": plan.method,
            "strata": plan.strata,
            "seed": plan.seed,
            "rate": plan.rate,
            "size": plan.size,
            "population_size": len(units),
            "population_hash": digest,
            "sample_size": len(keys),
            "sample": keys,
        },
        region_path=plan.region.path,
        message="再次抽取，样本与首次一致" if repeat else f"从{len(units)}个对象中抽取{len(keys)}个",
    )
    return items


def _key(item: SampleItem) -> str:
    if item.project is not None:
        return f"{item.project.region.code}/{item.project.code}"
    return item.department.code


# --- Re-checks -------------------------------------------------------------------------------------------


def may_recheck(user: Any, recheck: Recheck) -> bool:
    """The finance side over the project's region, or the agency the re-check is assigned to."""
    project = recheck.evaluation.project
    if scoping.reaches_region(user, Cap.RECHECK, project.region.path):
        return True
    return recheck.agency_id is not None and any(
        g.role == Role.AGENCY and g.org_id == recheck.agency_id for g in scoping.grants(user, Cap.RECHECK)
    )


@transaction.atomic
def assign_recheck(
    *,
    actor: Any,
    evaluation: SelfEvaluation,
    sample_item: SampleItem | None = None,
    rechecker: Any = None,
    agency: Organization | None = None,
) -> Recheck:
    """Open a re-check of a submitted self-evaluation, prefilled with what the unit stated."""
    _require_region(actor, Cap.RECHECK, evaluation.project.region)
    if evaluation.status not in RECHECKABLE:
        raise DomainError("自评表尚未提交，不能复核", field="evaluation")
    if agency is not None and agency.kind != Organization.Kind.AGENCY:
        raise DomainError(f"“{agency.name}”不是第三方机构", field="agency")
    if sample_item is not None and sample_item.project_id != evaluation.project_id:
        raise DomainError("抽中对象与自评表的项目不一致", field="sample_item")
    recheck = Recheck.objects.create(
        evaluation=evaluation,
        sample_item=sample_item,
        rechecker=rechecker,
        agency=agency,
        budget_initial=evaluation.budget_initial,
        budget_full_year=evaluation.budget_full_year,
        executed=evaluation.executed,
        execution_reason=evaluation.execution_reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    RecheckIndicator.objects.bulk_create(
        RecheckIndicator(recheck=recheck, result=row, **{f: getattr(row, f) for f in [*COPIED, *COPIED_ENTRIES]})
        for row in evaluation.indicators.all()
    )
    _rescore(recheck, list(recheck.indicators.all()))
    audit.record(
        actor=actor,
        action="recheck.assign",
        obj=recheck,
        after={"evaluation": evaluation.pk, "agency": agency.pk if agency else None, "sample_item": sample_item},
        region_path=evaluation.project.region.path,
    )
    return recheck


def _rescore(recheck: Recheck, rows: list[RecheckIndicator]) -> None:
    evaluation = recheck.evaluation
    rules = scoring_bridge.rules_for(evaluation)
    settings = scoring_bridge.settings_for(evaluation, rules)
    result = scoring_bridge.score_form(recheck, evaluation.layout, rows, rules, settings)
    for n, r in enumerate(result.rows):
        if r.error is not None:
            raise DomainError(f"第{n + 1}个指标：{r.error.message}", field=f"indicators.{n}.{r.error.field}")
    scoring_bridge.store(recheck, result)
    fields = [f for f in ENTRY_FIELDS if f not in ("deviation_reason", "improvement_measures")]
    RecheckIndicator.objects.bulk_update(rows, [*fields, "comment", "score", "explanation"])
    recheck.scored_at = timezone.now()
    recheck.save()


@dataclass
class RecheckEntry(IndicatorEntry):
    comment: str = ""


@transaction.atomic
def save_recheck(
    *, actor: Any, recheck: Recheck, data: FormEntry, findings: str = "", complete: bool = False
) -> Recheck:
    """The re-checker's values on the same form, scored by the same engine; `complete` closes it."""
    if not may_recheck(actor, recheck):
        _require_region(actor, Cap.RECHECK, recheck.evaluation.project.region)
    if recheck.status == Recheck.Status.DONE:
        raise DomainError("复核已完成，不能修改", field="status")
    rows = {r.pk: r for r in recheck.indicators.all()}
    for n, entry in enumerate(data.indicators):
        row = rows.get(entry.id)
        if row is None:
            raise DomainError(f"第{n + 1}行：指标{entry.id}不属于本复核", field=f"indicators.{n}.id")
        for name in COPIED_ENTRIES:
            setattr(row, name, getattr(entry, name))
        row.comment = getattr(entry, "comment", "")
    for name in ("budget_initial", "budget_full_year", "executed"):
        if getattr(data, name) is not None:
            setattr(recheck, name, getattr(data, name))
    recheck.execution_reason = data.execution_reason
    recheck.findings = findings
    _rescore(recheck, list(rows.values()))
    if complete:
        if recheck.total_score is None:
            raise DomainError("复核表尚未填写完整，不能完成", field="status")
        recheck.status, recheck.completed_at = Recheck.Status.DONE, timezone.now()
        recheck.save(update_fields=["status", "completed_at"])
    audit.record(
        actor=actor,
        action="recheck.complete" if complete else "recheck.save",
        obj=recheck,
        after={"total_score": recheck.total_score, "grade": recheck.grade, "status": recheck.status},
        region_path=recheck.evaluation.project.region.path,
        message=findings[:500],
    )
    return recheck


# --- 再评价 ------------------------------------------------------------------------------------------------


@dataclass
class AspectScore:
    key: str
    score: Decimal
    finding: str = ""


@transaction.atomic
def save_reevaluation(
    *,
    actor: Any,
    department: Organization,
    year: int,
    scores: list[AspectScore],
    findings: str = "",
    sample_item: SampleItem | None = None,
    complete: bool = False,
) -> ReEvaluation:
    """Score a department on the checklist in force (rule `evaluation.reevaluation_aspects`), kept on the
    re-evaluation when it is first saved. The total is the sum of the aspects; the grade by the bands."""
    region = department.region
    _require_region(actor, Cap.REEVALUATE, region)
    if department.kind != Organization.Kind.DEPARTMENT:
        raise DomainError(f"“{department.name}”不是一级预算单位（主管部门）", field="department")
    reevaluation = ReEvaluation.objects.filter(department=department, year=year).first()
    if reevaluation is None:
        aspects = resolve("evaluation.reevaluation_aspects", region, year).value
        reevaluation = ReEvaluation(
            department=department,
            region=region,
            year=year,
            items=[{**a, "score": None, "finding": ""} for a in aspects],
        )
    elif reevaluation.status == ReEvaluation.Status.DONE:
        raise DomainError("再评价已完成，不能修改", field="status")
    items = {item["key"]: item for item in reevaluation.items}
    for n, s in enumerate(scores):
        item = items.get(s.key)
        if item is None:
            raise DomainError(f"评价内容“{s.key}”不在清单中（可选：{'、'.join(items)}）", field=f"scores.{n}.key")
        if not Decimal(0) <= s.score <= Decimal(item["points"]):
            raise DomainError(f"“{item['label']}”得分须在0到{item['points']}分之间", field=f"scores.{n}.score")
        item["score"], item["finding"] = str(s.score), s.finding.strip()
    scored = [Decimal(i["score"]) for i in reevaluation.items if i["score"] is not None]
    if complete and len(scored) < len(reevaluation.items):
        raise DomainError("尚有评价内容未评分，不能完成", field="scores")
    total = sum(scored, Decimal(0)) if len(scored) == len(reevaluation.items) else None
    bands = resolve("evaluation.grade_bands", region, year).value
    reevaluation.total_score = total
    reevaluation.grade = config.grade_for(total, bands) if total is not None else ""
    reevaluation.findings = findings.strip()
    reevaluation.sample_item = sample_item or reevaluation.sample_item
    reevaluation.evaluator = actor
    if complete:
        reevaluation.status = ReEvaluation.Status.DONE
    reevaluation.save()
    audit.record(
        actor=actor,
        action="reevaluation.complete" if complete else "reevaluation.save",
        obj=reevaluation,
        after={"total_score": reevaluation.total_score, "grade": reevaluation.grade, "items": reevaluation.items},
        region_path=region.path,
    )
    return reevaluation
