"""Readers for 绩效运行监控, always scoped to the user, and the budget facts other modules ask of a project.

Reports, warnings, dispositions and rectification items are seen with their project (PROJECT_VIEW). A round
is placed by its region: a finance bureau (or 人大, 审计) sees the rounds of its region and below; a
department or a unit sees the rounds of its own region, where its reports are.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from jixiao.core import scoping
from jixiao.core.errors import NotFound
from jixiao.monitoring.models import (
    Disposition,
    MonitoringReport,
    MonitoringRound,
    MonitoringWarning,
    RectificationItem,
)
from jixiao.orgs.roles import Cap, Reach
from jixiao.projects.models import Project

_PROJECT = ("project__owner", "project__department", "project__region")


def _scoped[M: Any](qs: QuerySet[M], user: Any, prefix: str = "project") -> QuerySet[M]:
    return scoping.restrict(qs, user, Cap.PROJECT_VIEW, owner=f"{prefix}__owner", region=f"{prefix}__region")


def rounds_for(*, user: Any) -> QuerySet[MonitoringRound]:
    q: Q | None = None
    for g in scoping.grants(user, Cap.PROJECT_VIEW):
        part = Q(region__path__startswith=g.region_path) if g.reach == Reach.REGION else Q(region__path=g.region_path)
        q = part if q is None else q | part
    qs = MonitoringRound.objects.select_related("region", "created_by")
    return qs.none() if q is None else qs.filter(q)


def round_detail(*, user: Any, pk: Any) -> MonitoringRound:
    try:
        return rounds_for(user=user).get(pk=pk)
    except (MonitoringRound.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("监控轮次不存在或不在您的权限范围内。") from exc


def reports_for(*, user: Any) -> QuerySet[MonitoringReport]:
    return _scoped(MonitoringReport.objects.select_related("round__region", *_PROJECT), user)


def report_detail(*, user: Any, pk: Any) -> MonitoringReport:
    try:
        return reports_for(user=user).prefetch_related("indicators", "warnings").get(pk=pk)
    except (MonitoringReport.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("绩效监控表不存在或不在您的权限范围内。") from exc


def review_inbox(*, user: Any) -> QuerySet[MonitoringReport]:
    """Submitted reports the user decides as 主管部门, the longest waiting first."""
    qs = scoping.restrict(
        MonitoringReport.objects.select_related("round__region", *_PROJECT),
        user,
        Cap.MONITORING_REVIEW,
        owner="project__owner",
        region="project__region",
    )
    return qs.filter(status=MonitoringReport.Status.SUBMITTED).order_by("submitted_at", "pk")


def recheck_inbox(*, user: Any) -> QuerySet[MonitoringReport]:
    """Department-approved 重点监控 reports waiting for the finance re-check."""
    qs = scoping.restrict(
        MonitoringReport.objects.select_related("round__region", *_PROJECT),
        user,
        Cap.MONITORING_RECHECK,
        owner="project__owner",
        region="project__region",
    )
    return qs.filter(status=MonitoringReport.Status.DEPT_REVIEWED, is_key=True).order_by("dept_reviewed_at", "pk")


def warnings_for(*, user: Any) -> QuerySet[MonitoringWarning]:
    return _scoped(
        MonitoringWarning.objects.select_related("report__round", "indicator", "report__project__owner"),
        user,
        prefix="report__project",
    )


def dispositions_for(*, user: Any) -> QuerySet[Disposition]:
    return _scoped(Disposition.objects.select_related(*_PROJECT, "proposed_by", "approved_by", "report"), user)


def disposition_detail(*, user: Any, pk: Any) -> Disposition:
    try:
        return dispositions_for(user=user).get(pk=pk)
    except (Disposition.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("监控处理不存在或不在您的权限范围内。") from exc


def rectifications_for(*, user: Any) -> QuerySet[RectificationItem]:
    return _scoped(RectificationItem.objects.select_related(*_PROJECT, "owner", "disposition"), user)


# --- Budget facts of one project (unscoped: the caller has already reached the project) -----------------


@dataclass(frozen=True)
class BudgetPosition:
    """全年预算数 (adjusted, or approved), what approved dispositions took off it, and whether payments may go on."""

    budget: Decimal
    recovered: Decimal
    reduced: Decimal
    suspended: bool
    stopped: bool

    @property
    def available(self) -> Decimal:
        return self.budget - self.recovered - self.reduced

    @property
    def payments_blocked(self) -> bool:
        return self.suspended or self.stopped

    @property
    def block_reason(self) -> str:
        if self.stopped:
            return "已停止拨款"
        if self.suspended:
            return "已暂缓拨款"
        return ""


def budget_position(project: Project) -> BudgetPosition:
    """One query: the approved dispositions of the project summed by kind."""
    sums = {
        row["kind"]: row["total"] or Decimal(0)
        for row in Disposition.objects.filter(project_id=project.pk, status=Disposition.Status.APPROVED)
        .values("kind")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    base = project.amount_adjusted if project.amount_adjusted is not None else project.amount_approved
    return BudgetPosition(
        budget=base or Decimal(0),
        recovered=sums.get(Disposition.Kind.RECOVER, Decimal(0)),
        reduced=sums.get(Disposition.Kind.REDUCE, Decimal(0)),
        suspended=Disposition.Kind.SUSPEND in sums,
        stopped=Disposition.Kind.STOP in sums,
    )


def available_budget(project: Project) -> Decimal:
    """可用预算 = 全年预算数 (调整后, else 批复) − 收回资金 − 调减预算 (approved dispositions), in 元."""
    return budget_position(project).available


def payment_block(project: Project) -> str:
    """Why payments to the project must not go on (an approved 暂缓拨款 not lifted, or 停止拨款); "" if none."""
    return budget_position(project).block_reason


def blocked_project_ids(project_ids: list[int]) -> set[int]:
    """Set-based `payment_block` for imports: the projects among `project_ids` whose payments are blocked."""
    return set(
        Disposition.objects.filter(
            project_id__in=project_ids, status=Disposition.Status.APPROVED, kind__in=Disposition.BLOCKING
        ).values_list("project_id", flat=True)
    )
