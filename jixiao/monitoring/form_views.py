"""The 绩效监控表 of one project: filled in by the unit (prefilled with the spending to the cut-off month and
the goal's indicators), reviewed by the 主管部门, re-checked by the finance bureau when selected for 重点监控,
with the warnings and why each was raised."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors
from jixiao.monitoring import compute, selectors, services
from jixiao.monitoring.forms import (
    INDICATOR_PREFIX,
    DecisionForm,
    DispositionForm,
    IndicatorForm,
    IndicatorFormSet,
    ReasonForm,
    RecheckForm,
    ReportForm,
    report_entry,
)
from jixiao.monitoring.models import MonitoringReport, MonitoringRound
from jixiao.orgs.roles import Cap
from jixiao.rules.money import percent
from jixiao.rules.monitoring_warnings import COLOUR_LABELS, RULE_LABELS


def _forms(request: HttpRequest, report: MonitoringReport, rows: list[Any]) -> tuple[ReportForm, Any]:
    month = report.round.cutoff_month
    if request.method == "POST":
        return ReportForm(request.POST, month=month), IndicatorFormSet(request.POST, prefix=INDICATOR_PREFIX)
    return (
        ReportForm(initial=ReportForm.initial_from(report), month=month),
        IndicatorFormSet(initial=[IndicatorForm.initial_from(r) for r in rows], prefix=INDICATOR_PREFIX),
    )


def show_domain_error(form: ReportForm, formset: Any, exc: DomainError) -> None:
    """A service's refusal next to what it names: `indicators.N.field` on row N, else on the report block."""
    parts = (exc.field or "").split(".")
    if len(parts) == 3 and parts[0] == "indicators" and parts[1].isdigit() and int(parts[1]) < len(formset.forms):
        row = formset.forms[int(parts[1])]
        row.add_error(parts[2] if parts[2] in row.fields else None, exc.message)
        form.add_error(None, exc.message)
        return
    add_domain_error(form, exc)


def report_context(request: HttpRequest, report: MonitoringReport, **extra: Any) -> dict[str, Any]:
    """What every view of a report shows: the funds with the time progress, the budget position (available
    budget, payments blocked), the warnings with their explanations, dispositions and what the user may do."""
    user = request.user
    where = services.place(report)
    round_ = report.round
    tp = compute.thresholds_for(round_).progress(round_.cutoff_month, round_.year)
    warnings = (
        selectors.warnings_for(user=user).filter(report=report).order_by("indicator__position", "indicator_id", "rule")
    )
    return {
        "report": report,
        "project": report.project,
        "round": round_,
        "time_progress": tp,
        "rate": percent(report.executed_to_date, report.budget) if report.executed_to_date and report.budget else None,
        "position": selectors.budget_position(report.project),
        "warnings": warnings,
        "colour_labels": {str(c): label for c, label in COLOUR_LABELS.items()},
        "rule_labels": {str(r): label for r, label in RULE_LABELS.items()},
        "dispositions": list(report.dispositions.select_related("proposed_by", "approved_by")),
        "may_review": services.may_review(user, report),
        "may_recheck": services.may_recheck(user, report),
        "may_manage": scoping.reaches(user, Cap.MONITORING_MANAGE, **where),
        "round_open": round_.status == MonitoringRound.Status.OPEN,
        **extra,
    }


@login_required
@domain_errors
def report_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The monitoring form: editable by the unit while a draft or returned, read-only for everyone else."""
    report = selectors.report_detail(user=request.user, pk=pk)
    rows = list(report.indicators.all())
    if not services.may_fill(request.user, report):
        if request.method == "POST":
            services.check_may_fill(request.user, report)  # 403, or the status refusal
        extra = {"key_form": ReasonForm(auto_id="key_%s"), "disposition_form": DispositionForm(auto_id="dispose_%s")}
        return render(request, "monitoring/report.html", report_context(request, report, rows=rows, **extra))
    form, formset = _forms(request, report, rows)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            report = services.save_report(actor=request.user, report=report, data=report_entry(form, formset))
            compute.compute_report_warnings(actor=request.user, report=report)
            if request.POST.get("action") == "submit":
                report = services.submit(actor=request.user, report=report)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            show_domain_error(form, formset, exc)
        else:
            if report.status == MonitoringReport.Status.SUBMITTED:
                messages.success(request, f"已提交“{report.project.name}”的绩效监控表，等待主管部门审核")
            else:
                messages.success(request, "已保存，预警已按填写内容重新计算")
            return redirect("monitoring:report", pk=report.pk)
    report = selectors.report_detail(user=request.user, pk=pk)
    rows = list(report.indicators.all())
    context = report_context(
        request, report, form=form, formset=formset, rows_forms=list(zip(rows, formset.forms, strict=False))
    )
    return render(request, "monitoring/report_form.html", context)


@login_required
@domain_errors
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The 主管部门's step: the report as submitted, approve or return."""
    report = selectors.report_detail(user=request.user, pk=pk)
    if not services.may_review(request.user, report):
        raise PermissionDenied(f"监控表状态为“{report.get_status_display()}”，没有由您审核的环节。")
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.review(actor=request.user, report=report, approve=approve, comment=form.cleaned_data["comment"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            done = "审核通过" if approve else "退回修改"
            messages.success(request, f"主管部门审核：已{done}“{report.project.name}”的绩效监控表")
            return redirect("monitoring:report", pk=report.pk)
    rows = list(report.indicators.all())
    context = report_context(request, report, rows=rows, form=form, step="主管部门审核")
    return render(request, "monitoring/review.html", context)


@login_required
@domain_errors
def report_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    """The finance bureau's re-check of a 重点监控 report the department approved: findings, or return."""
    report = selectors.report_detail(user=request.user, pk=pk)
    if not services.may_recheck(request.user, report):
        raise PermissionDenied(f"监控表状态为“{report.get_status_display()}”，没有由您复核的环节。")
    form = RecheckForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        approve = d["decision"] == "approve"
        try:
            services.recheck(
                actor=request.user, report=report, approve=approve, findings=d["findings"], comment=d["comment"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            done = "复核通过" if approve else "退回修改"
            messages.success(request, f"财政复核：已{done}“{report.project.name}”的绩效监控表")
            return redirect("monitoring:report", pk=report.pk)
    rows = list(report.indicators.all())
    context = report_context(request, report, rows=rows, form=form, step="财政复核")
    return render(request, "monitoring/review.html", context)


@login_required
@require_POST
@domain_errors
def report_key(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the project to the 重点监控 selection by hand, or take it out, with the reason."""
    report = selectors.report_detail(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "须写明理由")
        return redirect("monitoring:report", pk=report.pk)
    reason = form.cleaned_data["reason"]
    try:
        if request.POST.get("action") == "remove":
            services.unselect_key(actor=request.user, report=report, reason=reason)
            messages.success(request, f"已取消“{report.project.name}”的重点监控")
        else:
            services.select_key(actor=request.user, report=report, reason=reason)
            messages.success(request, f"已将“{report.project.name}”选为重点监控项目")
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("monitoring:report", pk=report.pk)
