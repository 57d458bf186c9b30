"""Readers for self-evaluations, sampling plans, re-checks and re-evaluations, always scoped to the user.

Self-evaluations are seen with their project (PROJECT_VIEW); sampling plans by region (the finance side,
人大 and 审计 of the region: a draw is meant to be shown); re-checks by the finance side of the region or
the agency they are assigned to; re-evaluations by the region or by the department evaluated.
"""

from typing import Any

from django.db.models import Q, QuerySet, Value

from jixiao.core import scoping
from jixiao.core.errors import NotFound
from jixiao.evaluations.models import Recheck, ReEvaluation, SamplingPlan, SelfEvaluation
from jixiao.evaluations.services import DEPARTMENT_ROLES, FINANCE_ROLES
from jixiao.orgs.roles import Cap, Role

_PROJECT = ("project__owner", "project__department", "project__region")


def self_evaluations_for(*, user: Any) -> QuerySet[SelfEvaluation]:
    return scoping.restrict(
        SelfEvaluation.objects.select_related(*_PROJECT),
        user,
        Cap.PROJECT_VIEW,
        owner="project__owner",
        region="project__region",
    )


def self_evaluation_detail(*, user: Any, pk: Any) -> SelfEvaluation:
    try:
        return self_evaluations_for(user=user).prefetch_related("indicators").get(pk=pk)
    except (SelfEvaluation.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("绩效自评不存在或不在您的权限范围内。") from exc


def review_inbox(*, user: Any) -> QuerySet[SelfEvaluation]:
    """Forms waiting at a step the user decides, the longest waiting first. Each step names its roles;
    the role is put on each row as a constant so that `role_scope_q` matches grants of that role only."""
    q: Q | None = None
    for status, roles in (
        (SelfEvaluation.Status.SUBMITTED, DEPARTMENT_ROLES),
        (SelfEvaluation.Status.DEPT_REVIEWED, FINANCE_ROLES),
    ):
        for role in roles:
            part = scoping.role_scope_q(
                user, Cap.SELFEVAL_REVIEW, role_field=f"step_{role}", owner="project__owner", region="project__region"
            )
            if part is not None:
                part &= Q(status=status)
                q = part if q is None else q | part
    if q is None:
        return SelfEvaluation.objects.none()
    constants = {f"step_{r}": Value(str(r)) for r in (*DEPARTMENT_ROLES, *FINANCE_ROLES)}
    return (
        SelfEvaluation.objects.annotate(**constants).filter(q).select_related(*_PROJECT).order_by("submitted_at", "pk")
    )


def sampling_plans_for(*, user: Any) -> QuerySet[SamplingPlan]:
    q = scoping.region_q(user, Cap.PROJECT_VIEW, "region__path")
    qs = SamplingPlan.objects.select_related("region", "created_by")
    return qs.none() if q is None else qs.filter(q)


def sampling_plan_detail(*, user: Any, pk: Any) -> SamplingPlan:
    try:
        return sampling_plans_for(user=user).get(pk=pk)
    except (SamplingPlan.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("抽样方案不存在或不在您的权限范围内。") from exc


def rechecks_for(*, user: Any) -> QuerySet[Recheck]:
    q = scoping.region_q(user, Cap.RECHECK, "evaluation__project__region__path")
    agencies = [g.org_id for g in scoping.grants(user, Cap.RECHECK) if g.role == Role.AGENCY]
    if agencies:
        assigned = Q(agency_id__in=agencies)
        q = assigned if q is None else q | assigned
    qs = Recheck.objects.select_related("evaluation__project__region", "evaluation__project__owner", "agency")
    return qs.none() if q is None else qs.filter(q)


def recheck_detail(*, user: Any, pk: Any) -> Recheck:
    try:
        return rechecks_for(user=user).prefetch_related("indicators").get(pk=pk)
    except (Recheck.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("抽查复核不存在或不在您的权限范围内。") from exc


def reevaluations_for(*, user: Any) -> QuerySet[ReEvaluation]:
    return scoping.restrict(
        ReEvaluation.objects.select_related("department", "region"),
        user,
        Cap.PROJECT_VIEW,
        owner="department",
        region="region",
    )
