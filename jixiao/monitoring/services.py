"""Writers for 绩效运行监控. Pages, the API, the CLI and the Excel import all come through here; each
checks permission and records an audit event.

Who does what:

- the finance bureau (MONITORING_MANAGE over the region) opens a round, which generates the reports of every
  covered project; it computes warnings, selects the 重点监控 projects and proposes dispositions;
- the project's owner side (PROJECT_CHANGE over the project) fills in and submits its report;
- the 主管部门 (MONITORING_REVIEW) approves or returns a submitted report;
- the finance bureau (MONITORING_RECHECK) re-checks a department-approved report of its selection, with
  findings, or returns it;
- the budget division (DISPOSITION_APPROVE) approves a disposition proposed by someone else.
"""

import calendar
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from jixiao.core import audit, scoping
from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.goals import services as goal_services
from jixiao.goals.models import Goal, Indicator
from jixiao.goals.services import project_place
from jixiao.monitoring import prefill
from jixiao.monitoring.models import (
    Cause,
    Disposition,
    IndicatorProgress,
    Likelihood,
    MonitoringReport,
    MonitoringRound,
    RectificationItem,
)
from jixiao.orgs import rules_config
from jixiao.orgs.models import Organization, Region
from jixiao.orgs.roles import Cap
from jixiao.projects.models import Project

# Projects with an approved budget are monitored (136号: all project expenditure in execution).
MONITORED_STATUSES = (Project.Status.BUDGETED, Project.Status.EXECUTING)
REPORT_FIELDS = ["executed_to_date", "expected_full_year", "annual_goal_progress", "remark"]
# What a unit may enter per indicator; the rest is copied from the goal.
ENTRY_FIELDS = [
    "value_to_date",
    "value_to_date_text",
    "expected_value",
    "expected_text",
    "likelihood",
    "causes",
    "cause_analysis",
    "measures",
    "remark",
]
AUDITED_FIELDS = ["status", *REPORT_FIELDS, "is_key", "key_reason", "findings"]


@dataclass
class IndicatorEntry:
    """What the unit states for one indicator (by the IndicatorProgress's id)."""

    id: int
    value_to_date: Decimal | None = None
    value_to_date_text: str = ""
    expected_value: Decimal | None = None
    expected_text: str = ""
    likelihood: str = ""
    causes: list[str] = field(default_factory=list)
    cause_analysis: str = ""
    measures: str = ""
    remark: str = ""


@dataclass
class ReportEntry:
    """What the unit states on the form. `executed_to_date` None keeps the prefilled amount."""

    executed_to_date: Decimal | None = None
    expected_full_year: Decimal | None = None
    annual_goal_progress: str = ""
    remark: str = ""
    indicators: list[IndicatorEntry] = field(default_factory=list)


# --- Places and permission ------------------------------------------------------------------------------


def place(report: MonitoringReport) -> dict[str, Any]:
    return project_place(report.project)


def check_may_manage(actor: Any, region: Region) -> None:
    if scoping.reaches_region(actor, Cap.MONITORING_MANAGE, region.path):
        return
    raise PermissionDenied(f"您没有组织{region.name}绩效运行监控的权限。")


def may_fill(user: Any, report: MonitoringReport) -> bool:
    return (
        report.status in MonitoringReport.EDITABLE_BY_UNIT
        and report.round.status == MonitoringRound.Status.OPEN
        and scoping.reaches(user, Cap.PROJECT_CHANGE, **place(report))
    )


def check_may_fill(actor: Any, report: MonitoringReport) -> None:
    scoping.require(actor, Cap.PROJECT_CHANGE, view_cap=Cap.PROJECT_VIEW, **place(report))
    if report.round.status != MonitoringRound.Status.OPEN:
        raise DomainError(f"监控轮次“{report.round}”已结束，不能修改", field="round")
    if report.status not in MonitoringReport.EDITABLE_BY_UNIT:
        raise DomainError(f"监控表状态为“{report.get_status_display()}”，不能修改", field="status")


def may_review(user: Any, report: MonitoringReport) -> bool:
    return report.status == MonitoringReport.Status.SUBMITTED and scoping.reaches(
        user, Cap.MONITORING_REVIEW, **place(report)
    )


def may_recheck(user: Any, report: MonitoringReport) -> bool:
    return (
        report.status == MonitoringReport.Status.DEPT_REVIEWED
        and report.is_key
        and scoping.reaches(user, Cap.MONITORING_RECHECK, **place(report))
    )


# --- Rounds ---------------------------------------------------------------------------------------------


def default_due_date(year: int, cutoff_month: int, due_day: int) -> datetime.date:
    """`due_day` of the month after the cut-off month, or that month's last day when shorter."""
    month, y = (cutoff_month % 12) + 1, year + (cutoff_month // 12)
    return datetime.date(y, month, min(due_day, calendar.monthrange(y, month)[1]))


def round_rules(region: Region, year: int) -> dict[str, Any]:
    """The monitoring rules in force for the region and year, as kept on a round when it opens."""
    rules = rules_config.resolve_all(region, year)
    return {
        "exemptions": rules["monitoring.exemptions"].value,
        "key_selection": rules["monitoring.key_selection"].value,
    }


@transaction.atomic
def open_round(
    *,
    actor: Any,
    region: Region,
    year: int,
    cutoff_month: int | None = None,
    due_date: datetime.date | None = None,
    name: str = "",
    generate: bool = True,
    generated: bool = False,
) -> MonitoringRound:
    """Open a round for the region and year; the cut-off month and the due date default to the configured
    ones (1-7月, reported by the end of August). With `generate`, the reports are generated at once."""
    check_may_manage(actor, region)
    rules = rules_config.resolve_all(region, year)
    month = int(cutoff_month if cutoff_month is not None else rules["monitoring.cutoff_month"].value)
    if not 1 <= month <= 12:
        raise DomainError(f"监控截止月份须在1到12之间，现为{month}", field="cutoff_month")
    if MonitoringRound.objects.filter(region=region, year=year, cutoff_month=month).exists():
        raise DomainError(f"{region.name}{year}年1-{month}月的监控轮次已存在", field="cutoff_month")
    due = due_date or default_due_date(year, month, int(rules["monitoring.due_day"].value))
    round_ = MonitoringRound.objects.create(
        region=region,
        year=year,
        cutoff_month=month,
        due_date=due,
        name=name.strip(),
        rules=round_rules(region, year),
        is_generated=generated,  # the demo's rounds (and so their reports) are marked as generated
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="monitoring.open_round",
        obj=round_,
        after={"year": year, "cutoff_month": month, "due_date": due, "rules": round_.rules},
        region_path=region.path,
    )
    if generate:
        generate_reports(actor=actor, round_=round_)
    return round_


@transaction.atomic
def close_round(*, actor: Any, round_: MonitoringRound) -> MonitoringRound:
    check_may_manage(actor, round_.region)
    if round_.status == MonitoringRound.Status.CLOSED:
        raise DomainError("该监控轮次已结束", field="status")
    round_.status = MonitoringRound.Status.CLOSED
    round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    audit.record(
        actor=actor,
        action="monitoring.close_round",
        obj=round_,
        before={"status": MonitoringRound.Status.OPEN},
        after={"status": round_.status},
        region_path=round_.region.path,
    )
    return round_


def covered_projects(round_: MonitoringRound) -> QuerySet[Project]:
    """The projects a round covers: of its region and year, budget approved, with an approved goal (projects,
    policies and department-overall budgets alike), not exempt by the round's rules."""
    exemptions = round_.rules.get("exemptions") or {}
    qs = Project.objects.filter(
        region=round_.region,
        fiscal_year=round_.year,
        status__in=MONITORED_STATUSES,
        goals__status=Goal.Status.APPROVED,
    )
    if exemptions.get("categories"):
        qs = qs.exclude(category__in=exemptions["categories"])
    if exemptions.get("domain_tags"):
        qs = qs.exclude(domain_tags__name__in=exemptions["domain_tags"])
    return qs.distinct()


@transaction.atomic
def generate_reports(*, actor: Any, round_: MonitoringRound) -> int:
    """Create the report of every covered project that has none in the round yet, prefilled with the budget,
    the spending to the cut-off month from the payment data and the approved goal's indicators. Set-based
    (a few queries per chunk of projects); safe to repeat. Returns how many reports were created."""
    check_may_manage(actor, round_.region)
    if round_.status != MonitoringRound.Status.OPEN:
        raise DomainError("该监控轮次已结束，不能生成监控表", field="status")
    todo = list(
        covered_projects(round_)
        .exclude(monitoring_reports__round=round_)
        .order_by("pk")
        .values_list("pk", "amount_approved", "amount_adjusted")
    )
    created = 0
    for start in range(0, len(todo), prefill.CHUNK):
        created += _generate_chunk(round_, todo[start : start + prefill.CHUNK])
    audit.record(
        actor=actor,
        action="monitoring.generate",
        obj=round_,
        after={"created": created, "cutoff_month": round_.cutoff_month},
        region_path=round_.region.path,
        message=f"生成绩效监控表{created}份",
    )
    return created


def _generate_chunk(round_: MonitoringRound, rows: list[tuple[int, Decimal | None, Decimal | None]]) -> int:
    ids = [pk for pk, _, _ in rows]
    goals = dict(Goal.objects.filter(project_id__in=ids, status=Goal.Status.APPROVED).values_list("project_id", "id"))
    texts = dict(Goal.objects.filter(id__in=goals.values()).values_list("id", "annual_goal"))
    paid = prefill.paid_to(ids, round_.year, round_.cutoff_month)
    reports = MonitoringReport.objects.bulk_create(
        MonitoringReport(
            round=round_,
            project_id=pk,
            goal_id=goals[pk],
            budget_initial=approved,
            budget=adjusted if adjusted is not None else approved,
            paid_to_date=paid.get(pk),
            executed_to_date=paid.get(pk, Decimal(0)),
            annual_goal=texts.get(goals[pk], ""),
            is_generated=round_.is_generated,
        )
        for pk, approved, adjusted in rows
    )
    by_goal = {r.goal_id: r for r in reports}
    IndicatorProgress.objects.bulk_create(
        (
            IndicatorProgress(
                report=by_goal[i.goal_id],
                indicator=i,
                position=i.position,
                level1=i.level1,
                level2=i.level2,
                name=i.name,
                operator=i.operator,
                target_value=i.target_value,
                target_text=i.target_text,
                unit=i.unit,
            )
            for i in Indicator.objects.filter(goal_id__in=list(by_goal)).order_by("goal_id", "position", "id")
        ),
        batch_size=prefill.CHUNK,
    )
    return len(reports)


@transaction.atomic
def refresh_paid(*, actor: Any, round_: MonitoringRound) -> int:
    """Take the spending to the cut-off month from the payment data again (after a payments import).
    A report still in the unit's hands follows the payment data; a submitted one keeps what was stated.
    Returns how many reports changed."""
    check_may_manage(actor, round_.region)
    reports = list(round_.reports.only("id", "project_id", "status", "paid_to_date", "executed_to_date"))
    paid = prefill.paid_to([r.project_id for r in reports], round_.year, round_.cutoff_month)
    changed = []
    for r in reports:
        amount = paid.get(r.project_id)
        if r.paid_to_date == amount:
            continue
        if r.status in MonitoringReport.EDITABLE_BY_UNIT and r.executed_to_date == (r.paid_to_date or Decimal(0)):
            r.executed_to_date = amount if amount is not None else Decimal(0)
        r.paid_to_date = amount
        changed.append(r)
    MonitoringReport.objects.bulk_update(changed, ["paid_to_date", "executed_to_date"], batch_size=prefill.CHUNK)
    audit.record(
        actor=actor,
        action="monitoring.refresh",
        obj=round_,
        after={"changed": len(changed)},
        region_path=round_.region.path,
    )
    return len(changed)


# --- Filling in and submitting --------------------------------------------------------------------------


def entry_errors(report: MonitoringReport, data: ReportEntry, rows: dict[int, IndicatorProgress]) -> list[DomainError]:
    """Values that cannot be stored: unknown indicators, negative amounts, unknown likelihoods or causes, and
    a likelihood other than 确定能 without its causes and measures (136号 annex; 黄石 form footnote)."""
    errors: list[DomainError] = []
    for name, label in (("executed_to_date", "截至当月执行数"), ("expected_full_year", "全年预计执行数")):
        value = getattr(data, name)
        if value is not None and (not value.is_finite() or value < 0):
            errors.append(DomainError(f"{label}须为不小于0的金额", field=name))
    for n, entry in enumerate(data.indicators):
        row = rows.get(entry.id)
        if row is None:
            errors.append(DomainError(f"第{n + 1}行：指标{entry.id}不属于本监控表", field=f"indicators.{n}.id"))
            continue
        errors.extend(_indicator_errors(n, row.name, entry))
    return errors


def _indicator_errors(n: int, name: str, entry: IndicatorEntry) -> list[DomainError]:
    where = f"指标“{name}”"
    errors = []
    if entry.likelihood and entry.likelihood not in Likelihood.values:
        choices = "、".join(Likelihood.values)
        errors.append(
            DomainError(
                f"{where}的完成目标可能性“{entry.likelihood}”无效（可选：{choices}）",
                field=f"indicators.{n}.likelihood",
            )
        )
    unknown = [c for c in entry.causes if c not in Cause.values]
    if unknown:
        errors.append(
            DomainError(
                f"{where}的偏差原因“{'、'.join(unknown)}”无效（可选：{'、'.join(Cause.values)}）",
                field=f"indicators.{n}.causes",
            )
        )
    if entry.likelihood and entry.likelihood != Likelihood.CERTAIN:
        if not entry.causes:
            errors.append(
                DomainError(
                    f"{where}完成目标可能性为“{entry.likelihood}”，须勾选偏差原因", field=f"indicators.{n}.causes"
                )
            )
        if not entry.measures.strip():
            errors.append(
                DomainError(
                    f"{where}完成目标可能性为“{entry.likelihood}”，须填写相关建议或举措",
                    field=f"indicators.{n}.measures",
                )
            )
    return errors


@transaction.atomic
def save_report(
    *, actor: Any, report: MonitoringReport, data: ReportEntry, action: str = "monitoring.save"
) -> MonitoringReport:
    """Store what the unit states. `action` names the audit event (an import records `monitoring.import`)."""
    check_may_fill(actor, report)
    before = audit.snapshot(report, AUDITED_FIELDS)
    rows = {r.pk: r for r in report.indicators.all()}
    errors = entry_errors(report, data, rows)
    if errors:
        raise errors[0]
    if data.executed_to_date is not None:
        report.executed_to_date = data.executed_to_date
    report.expected_full_year = data.expected_full_year
    report.annual_goal_progress = data.annual_goal_progress.strip()
    report.remark = data.remark.strip()
    changed = []
    for entry in data.indicators:
        row = rows[entry.id]
        for name in ENTRY_FIELDS:
            value = getattr(entry, name)
            setattr(row, name, value.strip() if isinstance(value, str) else value)
        row.causes = [c for c in Cause.values if c in entry.causes]  # the form's order, once each
        changed.append(row)
    IndicatorProgress.objects.bulk_update(changed, ENTRY_FIELDS)
    report.save()
    old, new = audit.diff(before, audit.snapshot(report, AUDITED_FIELDS))
    audit.record(
        actor=actor,
        action=action,
        obj=report,
        before=old,
        after={**new, "indicators": len(changed)},
        region_path=report.project.region.path,
    )
    return report


def missing_entries(report: MonitoringReport) -> list[DomainError]:
    """What must be stated before the report may be submitted: the amounts, and for each indicator its
    progress and the likelihood (with causes and measures when it is not 确定能)."""
    errors: list[DomainError] = []
    if report.executed_to_date is None:
        errors.append(DomainError(f"须填写1-{report.round.cutoff_month}月执行数", field="executed_to_date"))
    if report.expected_full_year is None:
        errors.append(DomainError("须填写全年预计执行数", field="expected_full_year"))
    for n, row in enumerate(report.indicators.all()):
        where = f"指标“{row.name}”"
        if row.value_to_date is None and not row.value_to_date_text.strip():
            errors.append(DomainError(f"{where}须填写截至当月执行情况", field=f"indicators.{n}.value_to_date"))
        if not row.likelihood:
            errors.append(DomainError(f"{where}须选择完成目标可能性", field=f"indicators.{n}.likelihood"))
            continue
        entry = IndicatorEntry(id=row.pk, likelihood=row.likelihood, causes=row.causes, measures=row.measures)
        errors.extend(_indicator_errors(n, row.name, entry))
    return errors


@transaction.atomic
def submit(*, actor: Any, report: MonitoringReport) -> MonitoringReport:
    check_may_fill(actor, report)
    missing = missing_entries(report)
    if missing:
        shown = "；".join(e.message for e in missing[:3])
        more = f"等{len(missing)}处" if len(missing) > 3 else ""
        raise DomainError(f"监控表尚不完整，不能提交：{shown}{more}", field=missing[0].field)
    before = report.status
    report.status = MonitoringReport.Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_at", "updated_at"])
    audit.record(
        actor=actor,
        action="monitoring.submit",
        obj=report,
        before={"status": before},
        after={"status": report.status},
        region_path=report.project.region.path,
    )
    return report


# --- Department review and the finance re-check ---------------------------------------------------------


def _decide(
    *, actor: Any, report: MonitoringReport, approve: bool, comment: str, approved: str, action: str, label: str
) -> MonitoringReport:
    if not approve and not comment.strip():
        raise DomainError("退回须写明需修改的内容", field="comment")
    before = report.status
    report.status = approved if approve else MonitoringReport.Status.RETURNED
    report.review_comment = comment.strip()
    report.save()
    audit.record(
        actor=actor,
        action=action if approve else "monitoring.return",
        obj=report,
        before={"status": before},
        after={"status": report.status, "step": label},
        region_path=report.project.region.path,
        message=comment.strip(),
    )
    return report


@transaction.atomic
def review(*, actor: Any, report: MonitoringReport, approve: bool, comment: str = "") -> MonitoringReport:
    """The 主管部门 approves a submitted report or returns it to the unit (with a comment)."""
    scoping.require(actor, Cap.MONITORING_REVIEW, view_cap=Cap.PROJECT_VIEW, **place(report))
    if report.status != MonitoringReport.Status.SUBMITTED:
        raise DomainError(f"监控表状态为“{report.get_status_display()}”，没有待部门审核的内容", field="status")
    report.dept_reviewer, report.dept_reviewed_at = actor, timezone.now()
    return _decide(
        actor=actor,
        report=report,
        approve=approve,
        comment=comment,
        approved=MonitoringReport.Status.DEPT_REVIEWED,
        action="monitoring.review",
        label="主管部门审核",
    )


@transaction.atomic
def recheck(
    *, actor: Any, report: MonitoringReport, approve: bool = True, findings: str = "", comment: str = ""
) -> MonitoringReport:
    """The finance bureau re-checks a department-approved report of its 重点监控 selection: approving records
    its findings (财政复核发现的问题, empty when none); returning sends it back to the unit with a comment."""
    scoping.require(actor, Cap.MONITORING_RECHECK, view_cap=Cap.PROJECT_VIEW, **place(report))
    if report.status != MonitoringReport.Status.DEPT_REVIEWED:
        raise DomainError(f"监控表状态为“{report.get_status_display()}”，部门审核后才能复核", field="status")
    if not report.is_key:
        raise DomainError("只复核重点监控项目，请先将该项目选为重点监控", field="is_key")
    report.rechecker, report.rechecked_at = actor, timezone.now()
    if approve:
        report.findings = findings.strip()
    return _decide(
        actor=actor,
        report=report,
        approve=approve,
        comment=comment,
        approved=MonitoringReport.Status.RECHECKED,
        action="monitoring.recheck",
        label="财政复核",
    )


# --- 重点监控 ---------------------------------------------------------------------------------------------


def key_rule_matches(round_: MonitoringRound) -> dict[int, str]:
    """Reports the round's selection rule picks, with the reason in words: budget at least the amount and
    spending to the end of the rule's month below the share. Spending comes from the payment data; a
    project without any payment record counts what its report states."""
    rule = round_.rules.get("key_selection") or {}
    if not rule:
        return {}
    minimum, share, month = Decimal(rule["min_amount_yuan"]), Decimal(rule["max_execution_percent"]), rule["at_month"]
    rows = list(
        round_.reports.filter(budget__gte=minimum, budget__gt=0).values_list(
            "id", "project_id", "budget", "executed_to_date"
        )
    )
    paid = prefill.paid_to([p for _, p, _, _ in rows], round_.year, int(month))
    picked = {}
    for pk, project_id, budget, stated in rows:
        if budget is None:  # excluded by the filter; for the type checker
            continue
        spent = paid.get(project_id, stated or Decimal(0))
        percent = spent * 100 / budget
        if percent < share:
            picked[pk] = (
                f"全年预算数{budget}元≥{minimum}元，截至{month}月底支出进度{percent.quantize(Decimal('0.01'))}%"
                f"<{share}%"
            )
    return picked


@transaction.atomic
def select_key_by_rule(*, actor: Any, round_: MonitoringRound) -> int:
    """Mark the reports the round's rule picks as 重点监控 (those added by hand stay). Returns how many
    were newly selected."""
    check_may_manage(actor, round_.region)
    picked = key_rule_matches(round_)
    reports = list(round_.reports.filter(pk__in=list(picked), is_key=False))
    for r in reports:
        r.is_key, r.key_source, r.key_reason = True, MonitoringReport.KeySource.RULE, picked[r.pk][:500]
    MonitoringReport.objects.bulk_update(reports, ["is_key", "key_source", "key_reason"], batch_size=prefill.CHUNK)
    audit.record(
        actor=actor,
        action="monitoring.select_key",
        obj=round_,
        after={"selected": len(reports), "rule": round_.rules.get("key_selection")},
        region_path=round_.region.path,
        message=f"按规则选取重点监控项目{len(reports)}个",
    )
    return len(reports)


@transaction.atomic
def select_key(*, actor: Any, report: MonitoringReport, reason: str) -> MonitoringReport:
    """Add a project to the 重点监控 selection by hand (136号: 巡视、审计… 发现问题较多的项目), with a reason."""
    scoping.require(actor, Cap.MONITORING_MANAGE, view_cap=Cap.PROJECT_VIEW, **place(report))
    if not reason.strip():
        raise DomainError("人工选取重点监控项目须写明理由", field="reason")
    if report.is_key:
        raise DomainError("该项目已是重点监控项目", field="is_key")
    report.is_key, report.key_source, report.key_reason = True, MonitoringReport.KeySource.MANUAL, reason.strip()
    report.save(update_fields=["is_key", "key_source", "key_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="monitoring.select_key",
        obj=report,
        after={"is_key": True, "key_source": report.key_source, "key_reason": report.key_reason},
        region_path=report.project.region.path,
        message=report.key_reason,
    )
    return report


@transaction.atomic
def unselect_key(*, actor: Any, report: MonitoringReport, reason: str) -> MonitoringReport:
    scoping.require(actor, Cap.MONITORING_MANAGE, view_cap=Cap.PROJECT_VIEW, **place(report))
    if not report.is_key:
        raise DomainError("该项目不是重点监控项目", field="is_key")
    if report.status == MonitoringReport.Status.RECHECKED:
        raise DomainError("已完成财政复核的项目不能取消重点监控", field="status")
    if not reason.strip():
        raise DomainError("取消重点监控须写明理由", field="reason")
    before = {"is_key": True, "key_source": report.key_source, "key_reason": report.key_reason}
    report.is_key, report.key_source, report.key_reason = False, "", ""
    report.save(update_fields=["is_key", "key_source", "key_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="monitoring.unselect_key",
        obj=report,
        before=before,
        after={"is_key": False},
        region_path=report.project.region.path,
        message=reason.strip(),
    )
    return report


# --- Dispositions and rectification ---------------------------------------------------------------------


@transaction.atomic
def propose_disposition(
    *,
    actor: Any,
    project: Project,
    kind: str,
    reason: str,
    amount: Decimal | None = None,
    report: MonitoringReport | None = None,
) -> Disposition:
    """Propose 收回资金 or 调减预算 (with an amount in 元, at most the available budget), or 暂缓拨款 or
    停止拨款 (without one). Nothing changes until the proposal is approved."""
    from jixiao.monitoring.selectors import available_budget  # selectors import this module's constants

    project = Project.objects.select_related("owner__region", "region").get(pk=project.pk)
    scoping.require(actor, Cap.MONITORING_MANAGE, view_cap=Cap.PROJECT_VIEW, **project_place(project))
    if kind not in Disposition.Kind.values:
        choices = "、".join(f"{k}（{label}）" for k, label in Disposition.Kind.choices)
        raise DomainError(f"处理方式“{kind}”无效，可选：{choices}", field="kind")
    if report is not None and report.project_id != project.pk:
        raise DomainError("监控表不属于该项目", field="report")
    if not reason.strip():
        raise DomainError("须写明处理理由", field="reason")
    label = Disposition.Kind(kind).label
    if kind in Disposition.WITH_AMOUNT:
        if amount is None or not amount.is_finite() or amount <= 0:
            raise DomainError(f"{label}须填写大于0的金额（元）", field="amount")
        available = available_budget(project)
        if amount > available:
            raise DomainError(f"{label}金额{amount}元超过项目可用预算{available}元", field="amount")
    else:
        amount = None
    disposition = Disposition.objects.create(
        project=project,
        report=report,
        kind=kind,
        amount=amount,
        reason=reason.strip(),
        proposed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="disposition.propose",
        obj=disposition,
        after={"kind": kind, "amount": amount, "reason": disposition.reason},
        region_path=project.region.path,
        message=disposition.reason,
    )
    return disposition


@transaction.atomic
def approve_disposition(*, actor: Any, disposition: Disposition, due: datetime.date | None = None) -> Disposition:
    """Approve a proposal made by someone else. From then on it counts in the project's available budget
    (收回, 调减) or blocks its payments (暂缓, 停止). 调减预算 opens an adjustment of the goal in force
    (136号: 调减预算，并同步调整绩效目标), which then goes through the goals review chain; an adjustment
    already open carries the reduction. A rectification item for the project's owner records what follows."""
    from jixiao.monitoring.selectors import available_budget

    disposition = Disposition.objects.select_for_update().get(pk=disposition.pk)
    project = Project.objects.select_related("owner__region", "region").get(pk=disposition.project_id)
    scoping.require(actor, Cap.DISPOSITION_APPROVE, view_cap=Cap.PROJECT_VIEW, **project_place(project))
    if disposition.status != Disposition.Status.PROPOSED:
        raise DomainError(f"该处理状态为“{disposition.get_status_display()}”，不能再批准", field="status")
    if disposition.proposed_by_id is not None and disposition.proposed_by_id == getattr(actor, "pk", None):
        raise PermissionDenied("提出人不能批准自己提出的处理")
    if disposition.amount is not None and disposition.amount > available_budget(project):
        raise DomainError(
            f"{disposition.get_kind_display()}金额{disposition.amount}元超过项目可用预算{available_budget(project)}元",
            field="amount",
        )
    if disposition.kind == Disposition.Kind.REDUCE:
        disposition.goal_adjustment = _goal_adjustment(actor, project, disposition)
    disposition.status = Disposition.Status.APPROVED
    disposition.approved_by = actor
    disposition.approved_at = timezone.now()
    disposition.save()
    audit.record(
        actor=actor,
        action="disposition.approve",
        obj=disposition,
        before={"status": Disposition.Status.PROPOSED},
        after={
            "status": disposition.status,
            "kind": disposition.kind,
            "amount": disposition.amount,
            "available_budget": available_budget(project),
            "goal_adjustment": disposition.goal_adjustment_id,
        },
        region_path=project.region.path,
    )
    _create_rectification(
        actor=actor,
        project=project,
        text=f"落实{disposition.get_kind_display()}：{disposition.reason}",
        due=due,
        owner=project.owner,
        report=disposition.report,
        disposition=disposition,
    )
    return disposition


def _goal_adjustment(actor: Any, project: Project, disposition: Disposition) -> Goal:
    open_version = Goal.objects.filter(project=project, status__in=Goal.OPEN).first()
    if open_version is not None:
        return open_version
    reason = f"绩效运行监控调减预算{disposition.amount}元：{disposition.reason}"
    return goal_services.start_adjustment(actor=actor, project=project, reason=reason)


@transaction.atomic
def lift_disposition(*, actor: Any, disposition: Disposition, reason: str) -> Disposition:
    """End an approved 暂缓拨款 (the problem was rectified): payments may go on. A 停止拨款 is for good."""
    disposition = Disposition.objects.select_for_update().get(pk=disposition.pk)
    project = Project.objects.select_related("owner__region", "region").get(pk=disposition.project_id)
    scoping.require(actor, Cap.DISPOSITION_APPROVE, view_cap=Cap.PROJECT_VIEW, **project_place(project))
    if disposition.kind != Disposition.Kind.SUSPEND or disposition.status != Disposition.Status.APPROVED:
        raise DomainError("只有已批准的暂缓拨款可以解除", field="status")
    if not reason.strip():
        raise DomainError("解除暂缓拨款须写明理由", field="reason")
    disposition.status = Disposition.Status.LIFTED
    disposition.lifted_at = timezone.now()
    disposition.save(update_fields=["status", "lifted_at"])
    audit.record(
        actor=actor,
        action="disposition.lift",
        obj=disposition,
        before={"status": Disposition.Status.APPROVED},
        after={"status": disposition.status},
        region_path=project.region.path,
        message=reason.strip(),
    )
    return disposition


def _create_rectification(
    *,
    actor: Any,
    project: Project,
    text: str,
    due: datetime.date | None,
    owner: Organization,
    report: MonitoringReport | None,
    disposition: Disposition | None,
) -> RectificationItem:
    item = RectificationItem.objects.create(
        project=project,
        report=report,
        disposition=disposition,
        text=text,
        due=due,
        owner=owner,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(
        actor=actor,
        action="rectification.create",
        obj=item,
        after={"text": text, "due": due, "owner": owner.pk, "disposition": getattr(disposition, "pk", None)},
        region_path=project.region.path,
    )
    return item


@transaction.atomic
def add_rectification(
    *,
    actor: Any,
    report: MonitoringReport,
    text: str,
    due: datetime.date | None = None,
    owner: Organization | None = None,
) -> RectificationItem:
    """Record a rectification item from a finding of the monitoring (凤县: 建立问题整改台账); it belongs to
    the project's owner unless another organization is named."""
    scoping.require(actor, Cap.MONITORING_MANAGE, view_cap=Cap.PROJECT_VIEW, **place(report))
    if not text.strip():
        raise DomainError("须写明整改事项", field="text")
    return _create_rectification(
        actor=actor,
        project=report.project,
        text=text.strip(),
        due=due,
        owner=owner or report.project.owner,
        report=report,
        disposition=None,
    )


@transaction.atomic
def complete_rectification(*, actor: Any, item: RectificationItem, result: str) -> RectificationItem:
    """The responsible organization's side (PROJECT_CHANGE over the project) or the finance bureau marks an
    item done, stating what was done."""
    where = project_place(item.project)
    if not scoping.reaches(actor, Cap.MONITORING_MANAGE, **where):
        scoping.require(actor, Cap.PROJECT_CHANGE, view_cap=Cap.PROJECT_VIEW, **where)
    if item.status == RectificationItem.Status.DONE:
        raise DomainError("该整改事项已完成", field="status")
    if not result.strip():
        raise DomainError("须填写整改情况", field="result")
    item.status = RectificationItem.Status.DONE
    item.result = result.strip()
    item.done_at = timezone.now()
    item.save(update_fields=["status", "result", "done_at"])
    audit.record(
        actor=actor,
        action="rectification.done",
        obj=item,
        before={"status": RectificationItem.Status.OPEN},
        after={"status": item.status, "result": item.result},
        region_path=item.project.region.path,
    )
    return item
