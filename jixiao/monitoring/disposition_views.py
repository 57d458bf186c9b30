"""处理 of what monitoring found: the finance bureau proposes (收回资金, 调减预算, 暂缓拨款, 停止拨款), the budget
division approves; each page shows the project's available budget before and after, and whether its
payments may go on."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import domain_errors, require_cap
from jixiao.goals.services import project_place
from jixiao.monitoring import selectors, services
from jixiao.monitoring.forms import ApproveForm, DispositionForm, ReasonForm, yuan
from jixiao.monitoring.models import Disposition
from jixiao.orgs.roles import Cap

PAGE_SIZE = 50


def effect(disposition: Disposition, position: selectors.BudgetPosition) -> dict[str, Any]:
    """The project's available budget before and after the disposition takes effect, and what happens to
    its payments. For an approved one, "before" is reconstructed by adding its amount back."""
    amount = disposition.amount or Decimal(0)
    approved = disposition.status == Disposition.Status.APPROVED
    before = position.available + amount if approved else position.available
    payments = {
        Disposition.Kind.SUSPEND: "暂缓拨款，解除前不再支付",
        Disposition.Kind.STOP: "停止拨款",
    }.get(Disposition.Kind(disposition.kind), "照常支付")
    return {"before": before, "after": before - amount, "payments": payments}


@login_required
@require_cap(Cap.PROJECT_VIEW)
@domain_errors
def disposition_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.dispositions_for(user=request.user)
    status = request.GET.get("status", "")
    if status in Disposition.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-proposed_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/dispositions.html",
        {
            "page": page,
            "status": status,
            "statuses": Disposition.Status.choices,
            "may_approve": scoping.has_cap(request.user, Cap.DISPOSITION_APPROVE),
        },
    )


@login_required
@require_POST
@domain_errors
def disposition_propose(request: HttpRequest, report_pk: int) -> HttpResponse:
    """Propose a disposition from a monitoring form (amounts typed in 万元)."""
    report = selectors.report_detail(user=request.user, pk=report_pk)
    form = DispositionForm(request.POST)
    if not form.is_valid():
        problems = "；".join(
            f"{form.fields[n].label}：{'；'.join(e)}" for n, e in form.errors.items() if n in form.fields
        )
        messages.error(request, problems or "处理建议填写有误")
        return redirect("monitoring:report", pk=report.pk)
    d = form.cleaned_data
    try:
        disposition = services.propose_disposition(
            actor=request.user,
            project=report.project,
            kind=d["kind"],
            reason=d["reason"],
            amount=yuan(d["amount"]),
            report=report,
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:report", pk=report.pk)
    messages.success(request, f"已提出{disposition.get_kind_display()}，等待审批")
    return redirect("monitoring:disposition", pk=disposition.pk)


@login_required
@domain_errors
def disposition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One disposition with its effect on the project's available budget; the budget division approves it
    (or lifts an approved 暂缓拨款) here."""
    disposition = selectors.disposition_detail(user=request.user, pk=pk)
    project = disposition.project
    may_approve = scoping.reaches(request.user, Cap.DISPOSITION_APPROVE, **project_place(project))
    form = ApproveForm(request.POST or None)
    lift_form = ReasonForm(request.POST or None)
    if request.method == "POST":
        if not may_approve:
            raise PermissionDenied("您没有审批监控处理的权限。")
        try:
            if request.POST.get("action") == "lift":
                if lift_form.is_valid():
                    services.lift_disposition(
                        actor=request.user, disposition=disposition, reason=lift_form.cleaned_data["reason"]
                    )
                    messages.success(request, f"已解除“{project.name}”的暂缓拨款")
                    return redirect("monitoring:disposition", pk=pk)
            elif form.is_valid():
                services.approve_disposition(actor=request.user, disposition=disposition, due=form.cleaned_data["due"])
                messages.success(request, f"已批准“{project.name}”的{disposition.get_kind_display()}")
                return redirect("monitoring:disposition", pk=pk)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        disposition = selectors.disposition_detail(user=request.user, pk=pk)
    position = selectors.budget_position(project)
    return render(
        request,
        "monitoring/disposition.html",
        {
            "disposition": disposition,
            "project": project,
            "position": position,
            "effect": effect(disposition, position),
            "may_approve": may_approve,
            "form": form,
            "lift_form": lift_form,
            "rectifications": list(disposition.rectifications.select_related("owner")),
        },
    )
