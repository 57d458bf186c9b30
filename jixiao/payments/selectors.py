"""Readers of payment data: execution to date, per month, and the execution rate against time progress.

Lists are read in a constant number of queries: `monthly_execution` reads the aggregates of any number
of projects in one query (a subquery when given a QuerySet) and fills the months without payments
with the cumulative of the month before.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from jixiao.core import scoping
from jixiao.orgs.roles import Cap
from jixiao.payments.models import Payment, PaymentBatch, ProjectMonth
from jixiao.projects.models import Project
from jixiao.rules.monitoring_warnings import Thresholds, execution_ratio
from jixiao.rules.progress import TimeProgress

ZERO = Decimal(0)


def payments_for(*, user: Any) -> QuerySet[Payment]:
    return scoping.restrict(Payment.objects.all(), user, Cap.PROJECT_VIEW, owner="project__owner", region="region")


def batches_for(*, user: Any) -> QuerySet[PaymentBatch]:
    """The imported files of the regions the user reads payments of (finance roles of those regions)."""
    q = scoping.region_q(user, Cap.PAYMENT_IMPORT, "region__path")
    return PaymentBatch.objects.none() if q is None else PaymentBatch.objects.filter(q).select_related("region")


def budget_of(project: Project) -> Decimal | None:
    """全年预算数: the adjusted budget if there is one, else the approved one (None when neither)."""
    return project.amount_adjusted if project.amount_adjusted is not None else project.amount_approved


def recorded_execution(project: Project | int, month: int) -> Decimal | None:
    """Cumulative payments of the project to the end of `month` (元); None when the payment data has no
    record of the project up to then (nothing imported is not the same as nothing paid)."""
    pk = project.pk if isinstance(project, Project) else project
    return (
        ProjectMonth.objects.filter(project_id=pk, month__lte=month)
        .order_by("-month")
        .values_list("cumulative", flat=True)
        .first()
    )


def executed_to(project: Project | int, month: int) -> Decimal:
    """Cumulative payments of the project to the end of `month` (元), zero without a record."""
    found = recorded_execution(project, month)
    return found if found is not None else ZERO


def monthly_execution(projects: QuerySet[Project] | Iterable[Project | int], year: int) -> dict[int, list[Decimal]]:
    """Project id → 12 cumulative payment amounts (元), months 1…12, for the projects of `year`; projects
    without payments get twelve zeros. One query."""
    if isinstance(projects, QuerySet):
        ids: Any = projects.filter(fiscal_year=year).values("pk")
        wanted = None
    else:
        wanted = [p.pk if isinstance(p, Project) else int(p) for p in projects]
        ids = wanted
    rows = (
        ProjectMonth.objects.filter(project_id__in=ids, project__fiscal_year=year)
        .order_by("project_id", "month")
        .values_list("project_id", "month", "cumulative")
    )
    found: dict[int, list[Decimal]] = {}
    if wanted is not None:
        found = {pk: [ZERO] * 12 for pk in wanted}
    for pk, month, cumulative in rows.iterator(chunk_size=5000):
        series = found.get(pk)
        if series is None:
            series = found[pk] = [ZERO] * 12
        for m in range(month - 1, 12):  # later months carry this cumulative until their own row comes
            series[m] = cumulative
    return found


@dataclass(frozen=True)
class Execution:
    """A project at the end of a month: spending to date against its budget and the time elapsed."""

    project_id: int
    month: int
    paid: Decimal  # cumulative (元)
    budget: Decimal | None
    progress: TimeProgress

    @property
    def rate(self) -> Decimal | None:
        """执行进度 (percent): paid ÷ budget; None without a budget."""
        if not self.budget:
            return None
        return self.paid * 100 / self.budget

    @property
    def ratio(self) -> Decimal:
        """执行进度 ÷ 时间进度 (percent), 0 without a budget (the warning rule's v)."""
        v = execution_ratio(self.paid, self.budget, self.progress)
        return Decimal(v.numerator) / Decimal(v.denominator)


def execution(
    projects: QuerySet[Project], month: int, *, year: int, thresholds: Thresholds | None = None
) -> dict[int, Execution]:
    """Execution of each project at the end of `month`, two queries in all (projects, aggregates)."""
    progress = (thresholds or Thresholds()).progress(month, year)
    budgets = {
        pk: (adjusted if adjusted is not None else approved)
        for pk, adjusted, approved in projects.filter(fiscal_year=year)
        .order_by()
        .values_list("pk", "amount_adjusted", "amount_approved")
    }
    series = monthly_execution(list(budgets), year) if len(budgets) < 500 else monthly_execution(projects, year)
    return {
        pk: Execution(pk, month, series.get(pk, [ZERO] * 12)[month - 1], budget, progress)
        for pk, budget in budgets.items()
    }


def region_totals(*, region_id: int, year: int) -> dict[str, Any]:
    """What the payments of a region and year add up to (for stats and the import report)."""
    row = Payment.objects.filter(region_id=region_id, fiscal_year=year).aggregate(amount=Sum("amount"))
    return {
        "rows": Payment.objects.filter(region_id=region_id, fiscal_year=year).count(),
        "amount": row["amount"] or ZERO,
        "projects": ProjectMonth.objects.filter(project__region_id=region_id, project__fiscal_year=year)
        .values("project_id")
        .distinct()
        .count(),
    }
