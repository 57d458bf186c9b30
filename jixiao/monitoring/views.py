"""The 运行监控 pages of a round: the rounds (and opening one), the round's dashboard with its charts, the
reports with their warning colours, the warnings with their explanations, and the rectification items. The
monitoring form and its review steps are in `form_views`, dispositions in `disposition_views`."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors, require_cap
from jixiao.monitoring import compute, selectors, services, summary
from jixiao.monitoring.forms import RectificationForm, ReportFilter, RoundForm
from jixiao.monitoring.models import MonitoringReport, MonitoringRound, RectificationItem
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.orgs.selectors import budget_units_for, regions_for
from jixiao.rules.monitoring_warnings import COLOUR_LABELS, RULE_LABELS, Colour

PAGE_SIZE = 50


def manageable_regions(user: Any) -> list[Any]:
    return [r for r in regions_for(user=user) if scoping.reaches_region(user, Cap.MONITORING_MANAGE, r.path)]


@login_required
@require_cap(Cap.PROJECT_VIEW)
@domain_errors
def round_list(request: HttpRequest) -> HttpResponse:
    """监控轮次; the finance bureau opens one here (its reports are generated at once)."""
    regions = manageable_regions(request.user)
    form = RoundForm(request.POST or None, regions=regions) if regions else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("您没有发起绩效运行监控的权限。")
        if form.is_valid():
            d = form.cleaned_data
            region = next(r for r in regions if r.code == d["region"])
            try:
                round_ = services.open_round(
                    actor=request.user,
                    region=region,
                    year=d["year"],
                    cutoff_month=d["cutoff_month"],
                    due_date=d["due_date"],
                    name=d["name"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, f"已发起“{round_}”，生成绩效监控表{round_.reports.count()}份")
                return redirect("monitoring:round", pk=round_.pk)
    rounds = selectors.rounds_for(user=request.user).order_by("-year", "-cutoff_month", "region__code")
    page = Paginator(rounds, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "monitoring/rounds.html", {"page": page, "form": form})


def _round_charts(round_: MonitoringRound, reports: QuerySet[MonitoringReport]) -> dict[str, Any]:
    thresholds = compute.thresholds_for(round_)
    tp = thresholds.progress(round_.cutoff_month, round_.year)
    bands = summary.progress_bands(reports, tp, thresholds)
    whole = summary.total(reports)
    departments = summary.by(reports, "project__department", "project__department__name")
    shown = [c for c in summary.COLOURS if whole.colours.get(c)]
    dispositions = summary.dispositions(reports)
    return {
        "time_progress": tp,
        "total": whole,
        "departments": departments,
        "dispositions": dispositions,
        "bands": bands,
        "chart_bands": {"categories": [b for b, _ in bands], "values": [n for _, n in bands], "unit": "项目数"},
        "chart_colours": {
            "pie": [
                {"name": COLOUR_LABELS[Colour(c)], "value": whole.colours[c], "color": summary.CHART_COLOURS[Colour(c)]}
                for c in shown
            ]
        },
        "chart_departments": {
            "categories": [g.name for g in departments],
            "series": [
                {
                    "name": COLOUR_LABELS[Colour(c)],
                    "values": [g.colours.get(c, 0) for g in departments],
                    "color": summary.CHART_COLOURS[Colour(c)],
                }
                for c in shown
            ],
            "stack": True,
            "unit": "项目数",
        },
        "chart_dispositions": {
            "categories": [d["label"] for d in dispositions],
            "values": [d["count"] for d in dispositions],
            "unit": "项数",
        },
    }


@login_required
@domain_errors
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's dashboard: spending against time, reports by colour and by department, dispositions."""
    round_ = selectors.round_detail(user=request.user, pk=pk)
    reports = selectors.reports_for(user=request.user).filter(round=round_)
    may_manage = scoping.reaches_region(request.user, Cap.MONITORING_MANAGE, round_.region.path)
    context = {
        "round": round_,
        "may_manage": may_manage and round_.status == MonitoringRound.Status.OPEN,
        "statuses": _statuses(reports),
        **_round_charts(round_, reports),
    }
    return render(request, "monitoring/round.html", context)


def _statuses(reports: QuerySet[MonitoringReport]) -> list[tuple[str, int]]:
    counts = dict(reports.order_by().values_list("status").annotate(n=Count("id")))
    return [(label, counts.get(value, 0)) for value, label in MonitoringReport.Status.choices]


@login_required
@require_POST
@domain_errors
def round_action(request: HttpRequest, pk: int) -> HttpResponse:
    """The finance bureau's round actions: generate missing reports, refresh the payment data, compute
    warnings, select 重点监控 by the rule, close the round."""
    round_ = selectors.round_detail(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "generate":
            n = services.generate_reports(actor=request.user, round_=round_)
            messages.success(request, f"新生成绩效监控表{n}份")
        elif action == "refresh":
            n = services.refresh_paid(actor=request.user, round_=round_)
            messages.success(request, f"按支付数据更新了{n}份监控表的执行数")
        elif action == "warnings":
            n = compute.compute_warnings(actor=request.user, round_=round_)
            messages.success(request, f"已计算预警{n}条")
        elif action == "select_key":
            n = services.select_key_by_rule(actor=request.user, round_=round_)
            messages.success(request, f"按规则新选取重点监控项目{n}个")
        elif action == "close":
            services.close_round(actor=request.user, round_=round_)
            messages.success(request, f"“{round_}”已结束")
        else:
            messages.error(request, f"未知的操作“{action}”")
    except (PermissionDenied, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("monitoring:round", pk=round_.pk)


def _filtered(request: HttpRequest, qs: QuerySet[MonitoringReport]) -> tuple[ReportFilter, QuerySet[MonitoringReport]]:
    f = ReportFilter(request.GET or None)
    if not f.is_valid():
        return f, qs
    d = f.cleaned_data
    if d["colour"]:
        qs = qs.filter(worst_colour=d["colour"])
    if d["status"]:
        qs = qs.filter(status=d["status"])
    if d["department"]:
        qs = qs.filter(project__department_id=d["department"])
    if d["key"]:
        qs = qs.filter(is_key=d["key"] == "1")
    if d["q"]:
        qs = qs.filter(Q(project__name__contains=d["q"]) | Q(project__code__contains=d["q"]))
    return f, qs


@login_required
@domain_errors
def report_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The round's monitoring forms with their warning colours; filters by colour, status, department, 重点."""
    round_ = selectors.round_detail(user=request.user, pk=pk)
    f, reports = _filtered(request, selectors.reports_for(user=request.user).filter(round=round_))
    page = Paginator(reports.order_by("project__code"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/reports.html",
        {
            "round": round_,
            "filter": f,
            "page": page,
            "colour_labels": {str(c): label for c, label in COLOUR_LABELS.items()},
            "departments": budget_units_for(user=request.user).filter(kind=Organization.Kind.DEPARTMENT),
            "may_manage": scoping.reaches_region(request.user, Cap.MONITORING_MANAGE, round_.region.path),
            "may_import": scoping.has_cap(request.user, Cap.PROJECT_CHANGE),
        },
    )


@login_required
@domain_errors
def warning_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Every warning of the round (not green), with its inputs, its rule and the threshold that decided it."""
    round_ = selectors.round_detail(user=request.user, pk=pk)
    qs = selectors.warnings_for(user=request.user).filter(report__round=round_).exclude(colour=Colour.GREEN)
    colour, rule = request.GET.get("colour", ""), request.GET.get("rule", "")
    if colour in COLOUR_LABELS:
        qs = qs.filter(colour=colour)
    if rule in RULE_LABELS:
        qs = qs.filter(rule=rule)
    qs = qs.select_related("report__project").order_by("report__project__code", "indicator__position", "rule")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/warnings.html",
        {
            "round": round_,
            "page": page,
            "colour": colour,
            "rule": rule,
            "colours": [(str(c), label) for c, label in COLOUR_LABELS.items() if c != Colour.GREEN],
            "rules": [(str(r), label) for r, label in RULE_LABELS.items()],
            "colour_labels": {str(c): label for c, label in COLOUR_LABELS.items()},
            "rule_labels": {str(r): label for r, label in RULE_LABELS.items()},
        },
    )


@login_required
@require_cap(Cap.PROJECT_VIEW)
@domain_errors
def rectification_list(request: HttpRequest) -> HttpResponse:
    """整改事项: open ones first; the responsible side (or the finance bureau) records what was done."""
    items = selectors.rectifications_for(user=request.user).select_related("project")
    status = request.GET.get("status", "")
    if status in RectificationItem.Status.values:
        items = items.filter(status=status)
    if request.method == "POST":
        item = items.filter(pk=request.POST.get("item") or 0).first()
        if item is None:
            raise NotFound("整改事项不存在或不在您的权限范围内。")
        form = RectificationForm(request.POST)
        if form.is_valid():
            try:
                services.complete_rectification(actor=request.user, item=item, result=form.cleaned_data["result"])
            except (PermissionDenied, NotFound):
                raise
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"整改事项“{item}”已完成")
                return redirect("monitoring:rectifications")
        else:
            messages.error(request, "须填写整改情况")
    page = Paginator(items.order_by("status", "due", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/rectifications.html",
        {"page": page, "status": status, "statuses": RectificationItem.Status.choices},
    )
