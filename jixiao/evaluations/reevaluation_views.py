"""再评价 pages (蔡甸 style): the finance bureau scores a sampled department's own performance management on
the checklist in force (rule `evaluation.reevaluation_aspects`), aspect by aspect, with findings."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import domain_errors, require_cap
from jixiao.evaluations import recheck_services, selectors
from jixiao.evaluations.models import ReEvaluation, SampleItem, SamplingPlan
from jixiao.evaluations.sampling_views import region_and_year
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.orgs.rules_config import resolve
from jixiao.orgs.selectors import budget_units_for


@login_required
@require_cap(Cap.PROJECT_VIEW)
def reevaluation_list(request: HttpRequest) -> HttpResponse:
    """The departments of a region and year drawn for 再评价 (department sampling plans) and those already
    re-evaluated, with their scores and grades."""
    regions, region, year = region_and_year(request)
    done = selectors.reevaluations_for(user=request.user).filter(year=year)
    drawn = SampleItem.objects.filter(
        plan__in=selectors.sampling_plans_for(user=request.user).filter(
            year=year, population=SamplingPlan.Population.DEPARTMENTS
        )
    ).select_related("department", "plan")
    if region is not None:
        done = done.filter(region__path__startswith=region.path)
        drawn = drawn.filter(plan__region__path__startswith=region.path)
    by_department: dict[int, dict[str, Any]] = {}
    for item in drawn:
        by_department.setdefault(item.department_id, {"department": item.department, "item": item, "re": None})
    for r in done:
        by_department.setdefault(r.department_id, {"department": r.department, "item": None, "re": None})["re"] = r
    rows = sorted(by_department.values(), key=lambda row: row["department"].code)
    return render(
        request,
        "evaluations/reevaluations.html",
        {
            "regions": regions,
            "region": region,
            "year": year,
            "rows": rows,
            "done": sum(1 for r in rows if r["re"] and r["re"].status == ReEvaluation.Status.DONE),
            "may_evaluate": region is not None and scoping.reaches_region(request.user, Cap.REEVALUATE, region.path),
        },
    )


def _aspects(department: Organization, year: int, existing: ReEvaluation | None) -> list[dict[str, Any]]:
    if existing is not None:
        return list(existing.items)
    return [
        {**a, "score": None, "finding": ""}
        for a in resolve("evaluation.reevaluation_aspects", department.region, year).value
    ]


@login_required
@domain_errors
def reevaluation_form(request: HttpRequest, department_pk: int, year: int) -> HttpResponse:
    department = budget_units_for(user=request.user).filter(pk=department_pk, kind="department").first()
    if department is None:
        raise NotFound("部门不存在或不在您的权限范围内。")
    existing = selectors.reevaluations_for(user=request.user).filter(department=department, year=year).first()
    editable = scoping.reaches_region(request.user, Cap.REEVALUATE, department.region.path) and (
        existing is None or existing.status == ReEvaluation.Status.DRAFT
    )
    aspects = _aspects(department, year, existing)
    errors: list[str] = []
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("您不能修改此再评价。")
        scores = []
        for a in aspects:
            text = request.POST.get(f"score-{a['key']}", "").strip()
            finding = request.POST.get(f"finding-{a['key']}", "")
            a["finding"] = finding
            if not text:
                continue
            try:
                scores.append(recheck_services.AspectScore(a["key"], Decimal(text), finding))
            except InvalidOperation:
                errors.append(f"“{a['label']}”得分“{text}”不是数字")
            a["score"] = text
        if not errors:
            item = SampleItem.objects.filter(department=department, plan__year=year, project__isnull=True).first()
            try:
                recheck_services.save_reevaluation(
                    actor=request.user,
                    department=department,
                    year=year,
                    scores=scores,
                    findings=request.POST.get("findings", ""),
                    sample_item=item,
                    complete=request.POST.get("action") == "complete",
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                errors.append(exc.message)
            else:
                messages.success(request, f"已保存{department.name}{year}年度再评价")
                return redirect("evaluations:reevaluation", department_pk=department.pk, year=year)
    return render(
        request,
        "evaluations/reevaluation.html",
        {
            "department": department,
            "year": year,
            "reevaluation": existing,
            "aspects": aspects,
            "points": sum((Decimal(str(a["points"])) for a in aspects), Decimal(0)),
            "editable": editable,
            "errors": errors,
            "findings": request.POST.get("findings", existing.findings if existing else ""),
        },
    )
