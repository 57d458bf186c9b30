"""Figures of 绩效运行监控 for a region and a year, per round, as the work reports give them.

中阳 2024: 「对1-8月份项目绩效目标的实现情况、预算资金的执行情况进行监控，共对2570个项目开展监控，监控资金
312395.8万元…根据监控情况收回资金1868万元」; 凤县 2023: 「对88个县本级项目实施预算绩效“双监控”，涉及资金7246.37万元，
对未完成支出进度的4个项目和偏离绩效目标较大的9个项目及时预警，提出21项改进措施」.

What each figure counts, per round (the rounds of the region and the regions below it, for the year):

- **projects**, **budget**: the round's monitoring forms (one per covered project) and their 全年预算数
  (`MonitoringReport.budget`: the adjusted budget, else the approved one, when the form was generated);
  **budget_initial** the 年初预算数 beside it.
- **executed**: the 截至当月执行数 the forms state; **execution_rate** = executed / budget in %.
- **key**: forms of the finance bureau's 重点监控 selection.
- **reports_by_colour**: forms by their worst warning colour ("" not yet computed); **warnings_by_colour**:
  the stored warnings themselves, and **warnings_by_rule** by rule and colour.
- **behind_schedule** (未完成支出进度): forms with at least one red warning of the rules
  `execution_progress` (spending progress below the red line of time progress) or `behind_schedule`
  (behind for the configured number of consecutive months).
- **off_target** (偏离绩效目标较大): forms with at least one red warning of the rules `indicator_progress`,
  `declared_likelihood` (不可能) or `qualitative`.
- **measures** (改进措施): the rectification items (整改事项) recorded against the round's forms, whether
  written by the finance bureau from its findings or created by an approved disposition.
- **dispositions**: per kind (收回资金, 调减预算, 暂缓拨款, 停止拨款), the approved ones (a lifted 暂缓 still
  counts: it was done) and their amounts, and the proposals still waiting for approval.

Amounts are 元; `as_dict` gives them in 万元, half-up to the 0.01万元, and rates in % to two places.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from jixiao.monitoring.models import Colour, Disposition, MonitoringReport, MonitoringRound, MonitoringWarning
from jixiao.monitoring.models import RectificationItem as Rectification
from jixiao.monitoring.selectors import reports_for
from jixiao.orgs.models import Region
from jixiao.rules.money import percent, yuan_to_wan
from jixiao.rules.monitoring_warnings import Rule

BEHIND_RULES = (Rule.EXECUTION, Rule.BEHIND_SCHEDULE)
OFF_TARGET_RULES = (Rule.INDICATOR, Rule.LIKELIHOOD, Rule.QUALITATIVE)
COLOURS = [*Colour.values, ""]
DONE = (Disposition.Status.APPROVED, Disposition.Status.LIFTED)
ZERO = Decimal(0)


@dataclass
class Kind:
    count: int = 0
    amount: Decimal = ZERO
    proposed: int = 0


@dataclass
class Figures:
    projects: int = 0
    budget: Decimal = ZERO  # 全年预算数, 元
    budget_initial: Decimal = ZERO  # 年初预算数
    executed: Decimal = ZERO
    key: int = 0
    reports_by_colour: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLOURS, 0))
    warnings_by_colour: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Colour.values, 0))
    warnings_by_rule: dict[str, dict[str, int]] = field(default_factory=dict)
    behind_schedule: int = 0
    off_target: int = 0
    measures: int = 0
    dispositions: dict[str, Kind] = field(default_factory=lambda: {k: Kind() for k in Disposition.Kind.values})

    @property
    def execution_rate(self) -> Decimal | None:
        return percent(self.executed, self.budget)

    def as_dict(self) -> dict[str, Any]:
        rate = self.execution_rate
        return {
            "projects": self.projects,
            "budget_wan": str(yuan_to_wan(self.budget)),
            "budget_initial_wan": str(yuan_to_wan(self.budget_initial)),
            "executed_wan": str(yuan_to_wan(self.executed)),
            "execution_rate": None if rate is None else str(rate),
            "key": self.key,
            "reports_by_colour": {(k or "not_computed"): n for k, n in self.reports_by_colour.items()},
            "warnings_by_colour": dict(self.warnings_by_colour),
            "warnings_by_rule": {r: dict(c) for r, c in self.warnings_by_rule.items()},
            "behind_schedule": self.behind_schedule,
            "off_target": self.off_target,
            "measures": self.measures,
            "dispositions": {
                k: {
                    "label": Disposition.Kind(k).label,
                    "count": d.count,
                    "amount_wan": str(yuan_to_wan(d.amount)),
                    "proposed": d.proposed,
                }
                for k, d in self.dispositions.items()
            },  # fmt: skip
        }


@dataclass
class RoundStats:
    round: MonitoringRound
    total: Figures = field(default_factory=Figures)
    by_region: dict[str, Figures] = field(default_factory=dict)
    by_department: dict[str, Figures] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        r = self.round
        return {
            "id": r.pk,
            "name": str(r),
            "region": r.region.name,
            "period": r.period_label,
            "cutoff_month": r.cutoff_month,
            "status": r.status,
            "total": self.total.as_dict(),
            "by_region": [{"name": n, **f.as_dict()} for n, f in self.by_region.items()],
            "by_department": [{"name": n, **f.as_dict()} for n, f in self.by_department.items()],
        }


@dataclass
class MonitoringStats:
    region: Region
    year: int
    rounds: list[RoundStats] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": {"code": self.region.code, "name": self.region.name},
            "year": self.year,
            "rounds": [r.as_dict() for r in self.rounds],
        }


def monitoring_stats(
    *, region: Region, year: int, round: MonitoringRound | None = None, user: Any = None
) -> MonitoringStats:
    """Figures of every round of `region` and below for `year` (or of `round` only). With `user`, only the
    forms the user may see count (a page); without, every form (`jixiao stats monitoring`, which acts as the
    system, as a report does). A few aggregate queries per round, whatever the number of forms."""
    rounds = MonitoringRound.objects.filter(region__path__startswith=region.path, year=year).select_related("region")
    if round is not None:
        rounds = rounds.filter(pk=round.pk)
    stats = MonitoringStats(region, year)
    for r in rounds.order_by("region__path", "cutoff_month"):
        base = MonitoringReport.objects.all() if user is None else reports_for(user=user)
        stats.rounds.append(_round(r, base.filter(round=r)))
    return stats


# Group keys: (name field on the report, where the RoundStats keeps the groups).
_GROUPS = (("project__region__name", "by_region"), ("project__department__name", "by_department"))


def _round(r: MonitoringRound, reports: QuerySet[MonitoringReport]) -> RoundStats:
    out = RoundStats(r)

    def targets(row: dict[str, Any]) -> list[Figures]:
        found = [out.total]
        for key, attr in _GROUPS:
            found.append(getattr(out, attr).setdefault(row[key], Figures()))
        return found

    keys = [k for k, _ in _GROUPS]
    rows = (
        reports.values(*keys, "worst_colour")
        .annotate(
            n=Count("id"),
            budget=Sum("budget"),
            initial=Sum("budget_initial"),
            executed=Sum("executed_to_date"),
            key=Count("id", filter=Q(is_key=True)),
        )
        .order_by(*keys)
    )
    for row in rows:
        for f in targets(row):
            f.projects += row["n"]
            f.budget += row["budget"] or ZERO
            f.budget_initial += row["initial"] or ZERO
            f.executed += row["executed"] or ZERO
            f.key += row["key"]
            f.reports_by_colour[row["worst_colour"]] += row["n"]

    warnings = MonitoringWarning.objects.filter(report__in=reports.values("pk"))
    prefixed = [f"report__{k}" for k in keys]
    for row in warnings.values(*prefixed, "rule", "colour").annotate(n=Count("id")).order_by():
        for f in targets({k: row[f"report__{k}"] for k in keys}):
            f.warnings_by_colour[row["colour"]] += row["n"]
            by_rule = f.warnings_by_rule.setdefault(row["rule"], {})
            by_rule[row["colour"]] = by_rule.get(row["colour"], 0) + row["n"]

    red = Q(warnings__colour=Colour.RED)
    flagged = reports.annotate(
        behind=Count("warnings", filter=red & Q(warnings__rule__in=BEHIND_RULES)),
        off=Count("warnings", filter=red & Q(warnings__rule__in=OFF_TARGET_RULES)),
    ).filter(Q(behind__gt=0) | Q(off__gt=0))
    for row in flagged.values(*keys, "behind", "off"):
        for f in targets(row):
            f.behind_schedule += row["behind"] > 0
            f.off_target += row["off"] > 0

    items = Rectification.objects.filter(report__in=reports.values("pk"))
    for row in items.values(*prefixed).annotate(n=Count("id")).order_by():
        for f in targets({k: row[f"report__{k}"] for k in keys}):
            f.measures += row["n"]

    dispositions = Disposition.objects.filter(report__in=reports.values("pk"))
    rows = dispositions.values(*prefixed, "kind", "status").annotate(n=Count("id"), amount=Sum("amount")).order_by()
    for row in rows:
        for f in targets({k: row[f"report__{k}"] for k in keys}):
            kind = f.dispositions[row["kind"]]
            if row["status"] in DONE:
                kind.count += row["n"]
                kind.amount += row["amount"] or ZERO
            elif row["status"] == Disposition.Status.PROPOSED:
                kind.proposed += row["n"]
    return out
