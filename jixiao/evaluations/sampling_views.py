"""抽查复核 pages of the finance bureau: sampling plans (population, method, rate or size, seed) and their
draws. The re-check of a drawn form is in `recheck_views`, the reports in `report_views`."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound
from jixiao.core.http import add_domain_error, domain_errors, require_cap
from jixiao.evaluations import recheck_services, selectors
from jixiao.evaluations.forms import (
    SamplingPlanForm,
)
from jixiao.evaluations.models import Recheck, SamplingPlan
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap
from jixiao.orgs.selectors import budget_units_for, regions_for


def region_and_year(request: HttpRequest) -> tuple[list[Region], Region | None, int]:
    regions = list(regions_for(user=request.user).order_by("path"))
    region = next((r for r in regions if r.code == request.GET.get("region")), regions[0] if regions else None)
    text = request.GET.get("year", "")
    year = int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else timezone.localdate().year - 1
    return regions, region, year


# --- plans and draws --------------------------------------------------------------------------------


@login_required
@require_cap(Cap.RECHECK)
@domain_errors
def plan_list(request: HttpRequest) -> HttpResponse:
    regions = list(regions_for(user=request.user, cap=Cap.SAMPLING_MANAGE).order_by("path"))
    form = SamplingPlanForm(request.POST or None, initial={"seed": 20240601, "population": "projects"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = next((r for r in regions if r.code == d["region"]), None)
        if region is None:
            raise NotFound("区划不存在或不在您的权限范围内。")
        data = recheck_services.PlanInput(
            region=region,
            year=d["year"],
            population=d["population"],
            method=d["method"],
            rate=None if d["rate"] is None else d["rate"] / 100,
            size=d["size"],
            seed=d["seed"],
            strata=d["strata"],
            filters=form.filters(),
            name=d["name"],
        )
        try:
            plan = recheck_services.create_plan(actor=request.user, data=data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已建立抽样方案“{plan}”（随机种子 {plan.seed}）")
            return redirect("evaluations:plan", pk=plan.pk)
    return render(
        request,
        "evaluations/plans.html",
        {
            "plans": selectors.sampling_plans_for(user=request.user).order_by("-year", "-pk")[:100],
            "form": form,
            "regions": regions,
            "departments": budget_units_for(user=request.user).filter(kind="department"),
            "may_manage": bool(regions),
        },
    )


def _sample_rows(plan: SamplingPlan) -> list[dict[str, Any]]:
    items = list(plan.items.select_related("project__owner", "project__self_evaluation", "department"))
    rechecks = {r.sample_item_id: r for r in Recheck.objects.filter(sample_item__plan=plan)}
    rows = []
    for item in items:
        evaluation = getattr(item.project, "self_evaluation", None) if item.project else None
        rows.append({"item": item, "evaluation": evaluation, "recheck": rechecks.get(item.pk)})
    return rows


@login_required
@domain_errors
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = selectors.sampling_plan_detail(user=request.user, pk=pk)
    rows = _sample_rows(plan)
    return render(
        request,
        "evaluations/plan.html",
        {
            "plan": plan,
            "rows": rows,
            "may_draw": scoping.reaches_region(request.user, Cap.SAMPLING_MANAGE, plan.region.path),
            "may_recheck": scoping.reaches_region(request.user, Cap.RECHECK, plan.region.path),
        },
    )


@login_required
@require_POST
@domain_errors
def plan_draw(request: HttpRequest, pk: int) -> HttpResponse:
    """抽取: the first draw stores the sample; a later one draws again and shows the same sample."""
    plan = selectors.sampling_plan_detail(user=request.user, pk=pk)
    repeat = plan.drawn_at is not None
    try:
        items = recheck_services.draw(actor=request.user, plan=plan)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        said = "再次抽取，样本与首次一致" if repeat else "已抽取"
        messages.success(request, f"{said}：{len(items)}个（随机种子 {plan.seed}）")
    return redirect("evaluations:plan", pk=plan.pk)
