"""The figures of a round (or of several rounds of one year) for the dashboard and the summary exports:
counts, budget and spending, spending progress against time progress, reports by warning colour, grouped
by region or department, and the dispositions by kind. Aggregated in the database: a few queries whatever
the number of reports."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.lookups import LessThan

from jixiao.monitoring.models import Disposition, MonitoringReport
from jixiao.rules.money import percent
from jixiao.rules.monitoring_warnings import COLOUR_LABELS, Colour, Thresholds
from jixiao.rules.progress import TimeProgress

# Reports by their worst colour, in order of severity; "" is a report whose warnings are not computed yet.
COLOURS = [str(c) for c in COLOUR_LABELS]
CHART_COLOURS = {
    Colour.RED: "#dc3545",
    Colour.YELLOW: "#ffc107",
    Colour.BLUE: "#0d6efd",
    Colour.MANUAL: "#6c757d",
    Colour.GREEN: "#198754",
}


@dataclass
class Group:
    """One row of a summary: a region, a department or the whole."""

    name: str
    projects: int = 0
    budget: Decimal = Decimal(0)
    executed: Decimal = Decimal(0)
    key: int = 0
    colours: dict[str, int] = field(default_factory=dict)
    disposed: Decimal = Decimal(0)

    @property
    def rate(self) -> Decimal | None:
        return percent(self.executed, self.budget) if self.budget else None

    def colour_counts(self) -> list[tuple[str, str, int]]:
        return [(c, COLOUR_LABELS[Colour(c)], self.colours.get(c, 0)) for c in COLOURS]


def _aggregate() -> dict[str, Any]:
    return {
        "projects": Count("id"),
        "budget": Sum("budget"),
        "executed": Sum("executed_to_date"),
        "key": Count("id", filter=Q(is_key=True)),
        **{f"c_{c}": Count("id", filter=Q(worst_colour=c)) for c in COLOURS},
    }


def _group(name: str, row: dict[str, Any]) -> Group:
    return Group(
        name=name,
        projects=row["projects"],
        budget=row["budget"] or Decimal(0),
        executed=row["executed"] or Decimal(0),
        key=row["key"],
        colours={c: row[f"c_{c}"] for c in COLOURS},
    )


def total(reports: QuerySet[MonitoringReport]) -> Group:
    group = _group("合计", reports.order_by().aggregate(**_aggregate()))
    group.disposed = _disposed(reports).get(None, Decimal(0))
    return group


def by(reports: QuerySet[MonitoringReport], key: str, name: str) -> list[Group]:
    """Rows grouped by `key` (a project field path, e.g. "project__department"), named by `name`."""
    rows = reports.order_by().values(key, name).annotate(**_aggregate()).order_by(name)
    disposed = _disposed(reports, key)
    groups = []
    for row in rows:
        group = _group(row[name] or "（未指定）", row)
        group.disposed = disposed.get(row[key], Decimal(0))
        groups.append(group)
    return groups


def _disposed(reports: QuerySet[MonitoringReport], key: str | None = None) -> dict[Any, Decimal]:
    """Approved 收回 and 调减 amounts of the reports' dispositions, per group (None: in total)."""
    qs = Disposition.objects.filter(
        report__in=reports.values("pk"), status=Disposition.Status.APPROVED, kind__in=Disposition.WITH_AMOUNT
    ).order_by()
    if key is None:
        return {None: qs.aggregate(total=Sum("amount"))["total"] or Decimal(0)}
    return {row[key]: row["total"] or Decimal(0) for row in qs.values(key).annotate(total=Sum("amount"))}


def dispositions(reports: QuerySet[MonitoringReport]) -> list[dict[str, Any]]:
    """Per kind: how many (proposed and approved), the approved amount and the rectification items."""
    rows = {
        r["kind"]: r
        for r in Disposition.objects.filter(report__in=reports.values("pk"))
        .order_by()
        .values("kind")
        .annotate(
            count=Count("id"),
            approved=Count("id", filter=Q(status=Disposition.Status.APPROVED)),
            amount=Sum("amount", filter=Q(status=Disposition.Status.APPROVED)),
            items=Count("rectifications"),
        )
    }
    return [
        {
            "kind": kind,
            "label": label,
            "count": rows.get(kind, {}).get("count", 0),
            "approved": rows.get(kind, {}).get("approved", 0),
            "amount": rows.get(kind, {}).get("amount"),
            "items": rows.get(kind, {}).get("items", 0),
        }
        for kind, label in Disposition.Kind.choices
    ]


def progress_bands(reports: QuerySet[MonitoringReport], tp: TimeProgress, t: Thresholds) -> list[tuple[str, int]]:
    """How many reports fall in each band of 执行进度 ÷ 时间进度: below the red line, below the yellow line,
    below 100% and at or above it. Compared exactly as the warning rule does: executed·period·100 against
    budget·elapsed·line (a budget of 0 or none counts as 0)."""
    money = DecimalField(max_digits=40, decimal_places=6)
    lhs = ExpressionWrapper(F("executed_to_date") * tp.period * 100, output_field=money)
    qs = reports.order_by()
    no_budget = Q(budget__isnull=True) | Q(budget__lte=0)
    spent = Q(executed_to_date__isnull=False)

    def below(line: Decimal) -> Q:
        rhs = ExpressionWrapper(F("budget") * tp.elapsed * line, output_field=money)
        return no_budget | ~spent | Q(LessThan(lhs, rhs))

    counts = qs.aggregate(
        red=Count("id", filter=below(t.red_below)),
        yellow=Count("id", filter=below(t.yellow_below)),
        hundred=Count("id", filter=below(Decimal(100))),
        all=Count("id"),
    )
    red_line, yellow_line = format(t.red_below.normalize(), "f"), format(t.yellow_below.normalize(), "f")
    return [
        (f"低于{red_line}%", counts["red"]),
        (f"{red_line}%–{yellow_line}%", counts["yellow"] - counts["red"]),
        (f"{yellow_line}%–100%", counts["hundred"] - counts["yellow"]),
        ("不低于100%", counts["all"] - counts["hundred"]),
    ]
