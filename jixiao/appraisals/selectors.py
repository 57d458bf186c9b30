"""Readers for 事前绩效评估 and 预算评审, always scoped to the user.

Assessments, budget reviews and function-point reviews are read with the project (PROJECT_VIEW over
it), except by a third-party agency: an agency holds no right over the 项目库 and reads exactly the
assessments assigned to its organization (`Assessment.assessor_org`, with `assessor_kind` agency).
"""

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from jixiao.appraisals.models import (
    Assessment,
    AssessorKind,
    BudgetReview,
    Conclusion,
    FunctionPointReview,
    PanelSignature,
)
from jixiao.core import scoping
from jixiao.core.errors import NotFound
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap, Role
from jixiao.orgs.rules_config import EffectiveRule, resolve_all
from jixiao.projects.models import Project
from jixiao.projects.selectors import projects_for

_PROJECT = ("project__owner", "project__department", "project__region")
# A project still on its way to a budget: the worklist and the gate concern these.
OPEN_STATUSES = (Project.Status.DRAFT, Project.Status.SUBMITTED, Project.Status.IN_LIBRARY)

# What `Assessment.is_passing` says, as a filter.
PASSING = Q(status=Assessment.Status.CONCLUDED) & (
    Q(conclusion=Conclusion.SUPPORT) | Q(conclusion=Conclusion.ADJUST, previous__isnull=False)
)


# --- Applicability ---


def assessment_required(project: Project, rules: dict[str, EffectiveRule] | None = None) -> bool:
    """Whether the rules in force for the project's region and year ask for an ex-ante assessment:
    its kind and category are in scope, it is new (where only new ones are), and it requests at least
    the threshold (含本数: 中阳 "500万元（含）以上")."""
    rules = rules or resolve_all(project.region, project.fiscal_year)
    scope = rules["appraisal.applicability"].value
    threshold = Decimal(str(rules["appraisal.new_project_threshold_yuan"].value))
    return (
        project.kind in scope["kinds"]
        and (not scope.get("new_only", True) or project.is_new)
        and (not scope.get("categories") or project.category in scope["categories"])
        and project.amount_requested >= threshold
    )


def _applicability_q(rules: dict[str, EffectiveRule]) -> Q:
    scope = rules["appraisal.applicability"].value
    q = Q(
        kind__in=scope["kinds"], amount_requested__gte=Decimal(str(rules["appraisal.new_project_threshold_yuan"].value))
    )
    if scope.get("new_only", True):
        q &= Q(is_new=True)
    if scope.get("categories"):
        q &= Q(category__in=scope["categories"])
    return q


def in_scope(qs: QuerySet[Project]) -> QuerySet[Project]:
    """The projects of `qs` that need an assessment under the rules of their own region and year (the
    rules are resolved once per region and year present)."""
    q = Q(pk__in=[])
    pairs = qs.order_by().values_list("region_id", "fiscal_year").distinct()
    regions = Region.objects.in_bulk({r for r, _ in pairs})
    for region_id, year in sorted(pairs):
        q |= Q(region_id=region_id, fiscal_year=year) & _applicability_q(resolve_all(regions[region_id], year))
    return qs.filter(q)


def worklist(*, user: Any, fiscal_year: int | None = None) -> QuerySet[Project]:
    """Projects the user sees, not yet budgeted, that need an assessment and have no passing one."""
    qs = projects_for(user=user).filter(status__in=OPEN_STATUSES)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    passed = Assessment.objects.filter(PASSING).values("project_id")
    return in_scope(qs).exclude(pk__in=passed).select_related("owner", "department", "region")


def passing_assessment(project: Project) -> Assessment | None:
    return Assessment.objects.filter(PASSING, project=project).order_by("-submission").first()


def latest_assessment(project: Project) -> Assessment | None:
    return Assessment.objects.filter(project=project).order_by("-submission").first()


def final_review(project: Project) -> BudgetReview | None:
    """The budget review in force: the latest one the panel has signed in full."""
    return BudgetReview.objects.filter(project=project, status=BudgetReview.Status.FINAL).order_by("-id").first()


# --- Assessments ---


def agency_org_ids(user: Any) -> list[int]:
    """The agencies whose assessments the user works on (the assignment, see module doc)."""
    return [g.org_id for g in scoping.grants(user, Cap.APPRAISAL_ASSESS) if g.role == Role.AGENCY]


def assessments_for(*, user: Any) -> QuerySet[Assessment]:
    q = scoping.scope_q(user, Cap.PROJECT_VIEW, owner="project__owner", region="project__region")
    agencies = agency_org_ids(user)
    if agencies:
        assigned = Q(assessor_kind=AssessorKind.AGENCY, assessor_org_id__in=agencies)
        q = assigned if q is None else q | assigned
    qs = Assessment.objects.select_related(*_PROJECT, "assessor_org")
    return qs.none() if q is None else qs.filter(q)


def assessment_list(*, user: Any) -> QuerySet[Assessment]:
    return assessments_for(user=user).prefetch_related("scores", "attachments")


def assessment_detail(*, user: Any, pk: Any) -> Assessment:
    try:
        return assessment_list(user=user).get(pk=pk)
    except (Assessment.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("事前评估不存在或不在您的权限范围内。") from exc


# --- Budget reviews and function-point reviews ---


def budget_reviews_for(*, user: Any) -> QuerySet[BudgetReview]:
    return scoping.restrict(
        BudgetReview.objects.select_related(*_PROJECT, "reviewer").prefetch_related(
            Prefetch("signatures", queryset=PanelSignature.objects.select_related("member"))
        ),
        user,
        Cap.PROJECT_VIEW,
        owner="project__owner",
        region="project__region",
    )


def budget_review_detail(*, user: Any, pk: Any) -> BudgetReview:
    try:
        return budget_reviews_for(user=user).get(pk=pk)
    except (BudgetReview.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("预算评审不存在或不在您的权限范围内。") from exc


def fp_reviews_for(*, user: Any) -> QuerySet[FunctionPointReview]:
    return scoping.restrict(
        FunctionPointReview.objects.select_related(*_PROJECT).prefetch_related("items"),
        user,
        Cap.PROJECT_VIEW,
        owner="project__owner",
        region="project__region",
    )


def fp_review_detail(*, user: Any, pk: Any) -> FunctionPointReview:
    try:
        return fp_reviews_for(user=user).get(pk=pk)
    except (FunctionPointReview.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("功能点评审不存在或不在您的权限范围内。") from exc
