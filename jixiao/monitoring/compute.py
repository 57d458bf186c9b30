"""Computing a round's warnings: the pure rules of `jixiao.rules.monitoring_warnings` applied to each report
with the thresholds configured for the round's region and year, the results stored as MonitoringWarning rows
(replacing the previous ones) and the worst colour kept on the report.

The spending judged at the cut-off month is what the report states (prefilled from the payment data, or
entered from a published form); the months before come from the payment data. A project without any
payment record is not judged on consecutive months: nothing is known about them.
"""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError
from jixiao.monitoring import prefill
from jixiao.monitoring.models import IndicatorProgress, MonitoringReport, MonitoringRound, MonitoringWarning
from jixiao.monitoring.services import check_may_manage, place
from jixiao.orgs import rules_config
from jixiao.orgs.roles import Cap
from jixiao.rules import monitoring_warnings as rules


def thresholds_for(round_: MonitoringRound) -> rules.Thresholds:
    return rules.Thresholds.from_config(rules_config.resolve_all(round_.region, round_.year))


def report_warnings(
    report: MonitoringReport,
    indicators: list[IndicatorProgress],
    months: list[Decimal] | None,
    thresholds: rules.Thresholds,
) -> list[tuple[IndicatorProgress | None, rules.MonitoringWarning]]:
    """The warnings of one report, each with the indicator row it is about (None for the spending rules).
    `months` is the payment data's cumulative spending to the end of each month, None when there is none."""
    month = report.round.cutoff_month
    cumulative: list[Decimal | None] = list(months) if months is not None else [None] * month
    cumulative[month - 1] = report.executed_to_date
    found = rules.project_warnings(
        month=month,
        budget=report.budget,
        cumulative=cumulative,
        indicators=[
            rules.IndicatorInput(
                name=i.name,
                operator=i.operator,
                target=i.target_value,
                value_to_date=i.value_to_date,
                unit=i.unit,
                target_text=i.target_text,
                reported=i.value_to_date_text,
                likelihood=i.likelihood,
            )
            for i in indicators
        ],
        thresholds=thresholds,
        year=report.round.year,
    )
    if months is None:
        found = [w for w in found if w.rule != rules.Rule.BEHIND_SCHEDULE]
    # project_warnings gives the two spending warnings, then per indicator its progress and, when declared,
    # its likelihood, in the order of `indicators`.
    rows = iter(indicators)
    paired: list[tuple[IndicatorProgress | None, rules.MonitoringWarning]] = []
    current: IndicatorProgress | None = None
    for w in found:
        if w.rule in (rules.Rule.EXECUTION, rules.Rule.BEHIND_SCHEDULE):
            paired.append((None, w))
            continue
        if w.rule != rules.Rule.LIKELIHOOD:
            current = next(rows)
        paired.append((current, w))
    return paired


def _store(reports: Iterable[MonitoringReport], thresholds: rules.Thresholds, round_: MonitoringRound) -> int:
    reports = list(reports)
    months = prefill.cumulative([r.project_id for r in reports], round_.year, round_.cutoff_month)
    now = timezone.now()
    rows: list[MonitoringWarning] = []
    by_colour: dict[str, list[int]] = defaultdict(list)
    for report in reports:
        found = report_warnings(report, list(report.indicators.all()), months.get(report.project_id), thresholds)
        report.worst_colour = str(rules.worst(w for _, w in found))
        report.warnings_at = now
        by_colour[report.worst_colour].append(report.pk)
        rows.extend(
            MonitoringWarning(
                report=report,
                indicator=row,
                rule=str(w.rule),
                colour=str(w.colour),
                value=w.value,
                inputs=w.inputs,
                threshold=w.threshold,
                message=w.explanation,
            )
            for row, w in found
        )
    MonitoringWarning.objects.filter(report__in=reports).delete()
    MonitoringWarning.objects.bulk_create(rows, batch_size=prefill.CHUNK)
    # One UPDATE per colour (a handful) rather than a CASE per row: the chunk is at most prefill.CHUNK reports.
    for colour, pks in by_colour.items():
        MonitoringReport.objects.filter(pk__in=pks).update(worst_colour=colour, warnings_at=now)
    return len(rows)


@transaction.atomic
def compute_warnings(*, actor: Any, round_: MonitoringRound) -> int:
    """Compute and store the warnings of every report of the round. Returns how many warnings were stored."""
    check_may_manage(actor, round_.region)
    thresholds = thresholds_for(round_)
    ids = list(round_.reports.order_by("pk").values_list("pk", flat=True))
    stored = 0
    for start in range(0, len(ids), prefill.CHUNK):
        chunk = (
            MonitoringReport.objects.filter(pk__in=ids[start : start + prefill.CHUNK])
            .select_related("round")
            .prefetch_related(Prefetch("indicators", queryset=IndicatorProgress.objects.order_by("position", "id")))
        )
        stored += _store(chunk, thresholds, round_)
    audit.record(
        actor=actor,
        action="monitoring.warnings",
        obj=round_,
        after={"reports": len(ids), "warnings": stored},
        region_path=round_.region.path,
        message=f"计算{len(ids)}份监控表的预警{stored}条",
    )
    return stored


@transaction.atomic
def compute_report_warnings(*, actor: Any, report: MonitoringReport) -> int:
    """Compute the warnings of one report again (after the unit saved it, or on a reviewer's request): the
    owner side and whoever may manage the round's monitoring."""
    where = place(report)
    if not (
        scoping.reaches(actor, Cap.MONITORING_MANAGE, **where) or scoping.reaches(actor, Cap.PROJECT_CHANGE, **where)
    ):
        scoping.require(actor, Cap.MONITORING_MANAGE, view_cap=Cap.PROJECT_VIEW, **where)
    if report.round.status != MonitoringRound.Status.OPEN:
        raise DomainError("该监控轮次已结束，预警不再重新计算", field="round")
    stored = _store([report], thresholds_for(report.round), report.round)
    audit.record(
        actor=actor,
        action="monitoring.warnings",
        obj=report,
        after={"warnings": stored, "worst_colour": report.worst_colour},
        region_path=report.project.region.path,
    )
    return stored
