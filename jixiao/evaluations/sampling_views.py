"""抽查复核 pages of the finance bureau: sampling plans (population, method, rate or size, seed) and their
draws, the re-check of a sampled form on the same sheet beside the unit's scores, the discrepancy report and
the grade-inflation table per department."""

import copy
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors, require_cap
from jixiao.evaluations import recheck_services, selectors, stats
from jixiao.evaluations.forms import (
    INDICATOR_PREFIX,
    IndicatorEntryForm,
    IndicatorEntryFormSet,
    SamplingPlanForm,
    SelfEvaluationForm,
    form_entry,
)
from jixiao.evaluations.models import Recheck, SampleItem, SamplingPlan, SelfEvaluation
from jixiao.evaluations.views import score_view
from jixiao.orgs.models import Region
from jixiao.orgs.roles import Cap
from jixiao.orgs.selectors import budget_units_for, regions_for


def _region_year(request: HttpRequest) -> tuple[list[Region], Region | None, int]:
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


@login_required
@require_POST
@domain_errors
def recheck_open(request: HttpRequest, item_pk: int) -> HttpResponse:
    """开始复核 of a sampled project: a re-check prefilled with what the unit stated (or the one open)."""
    try:
        item = SampleItem.objects.select_related("plan__region", "project").get(pk=item_pk)
    except SampleItem.DoesNotExist as exc:
        raise NotFound("抽中对象不存在。") from exc
    plan = selectors.sampling_plan_detail(user=request.user, pk=item.plan_id)
    existing = Recheck.objects.filter(sample_item=item).first()
    if existing is not None:
        return redirect("evaluations:recheck", pk=existing.pk)
    evaluation = SelfEvaluation.objects.filter(project_id=item.project_id).first()
    if evaluation is None:
        messages.error(request, f"“{item}”尚无绩效自评，不能复核")
        return redirect("evaluations:plan", pk=plan.pk)
    try:
        recheck = recheck_services.assign_recheck(
            actor=request.user, evaluation=evaluation, sample_item=item, rechecker=request.user
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("evaluations:plan", pk=plan.pk)
    return redirect("evaluations:recheck", pk=recheck.pk)


# --- the re-check -----------------------------------------------------------------------------------


def _recheck_forms(request: HttpRequest, recheck: Recheck, rows: list[Any]) -> tuple[Any, Any]:
    if request.method == "POST":
        return SelfEvaluationForm(request.POST), IndicatorEntryFormSet(request.POST, prefix=INDICATOR_PREFIX)
    return (
        SelfEvaluationForm(initial=SelfEvaluationForm.initial_from(recheck)),
        IndicatorEntryFormSet(initial=[IndicatorEntryForm.initial_from(r) for r in rows], prefix=INDICATOR_PREFIX),
    )


def _side_by_side(recheck: Recheck, scored: Any) -> list[dict[str, Any]]:
    own = score_view(copy.copy(recheck.evaluation), [copy.copy(r) for r in recheck.evaluation.indicators.all()])
    mine = {r.row.pk: r for r in own.rows}
    out = []
    for r in scored.rows:
        self_row = mine.get(r.row.result_id)
        diff = None
        if self_row is not None and r.row.score is not None and self_row.row.score is not None:
            diff = r.row.score - self_row.row.score
        out.append({"r": r, "self": self_row, "difference": diff})
    return out


def _draft(recheck: Recheck, rows: list[Any], form: Any, formset: Any) -> tuple[Any, list[Any]]:
    draft = copy.copy(recheck)
    draft.layout = recheck.evaluation.layout
    entry = form_entry(form, formset)
    for name in ("budget_initial", "budget_full_year", "executed"):
        if getattr(entry, name) is not None:
            setattr(draft, name, getattr(entry, name))
    by_id = {e.id: e for e in entry.indicators}
    typed = []
    for row in rows:
        twin = copy.copy(row)
        found = by_id.get(row.pk)
        if found is not None:
            for name in recheck_services.COPIED_ENTRIES:
                setattr(twin, name, getattr(found, name))
        typed.append(twin)
    return draft, typed


def _scoreable(recheck: Recheck) -> Any:
    """The re-check with what `score_view` reads from a self-evaluation: its layout, region and year."""
    recheck.layout = recheck.evaluation.layout  # type: ignore[attr-defined]
    recheck.project = recheck.evaluation.project  # type: ignore[attr-defined]
    recheck.year = recheck.evaluation.year  # type: ignore[attr-defined]
    return recheck


@login_required
@domain_errors
def recheck_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The re-check on the same form, the unit's values and scores beside the re-checker's."""
    recheck = _scoreable(selectors.recheck_detail(user=request.user, pk=pk))
    rows = list(recheck.indicators.all())
    editable = recheck.status == Recheck.Status.ASSIGNED and recheck_services.may_recheck(request.user, recheck)
    form, formset = _recheck_forms(request, recheck, rows)
    if editable and request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            recheck_services.save_recheck(
                actor=request.user,
                recheck=recheck,
                data=form_entry(form, formset),
                findings=request.POST.get("findings", "").strip(),
                complete=request.POST.get("action") == "complete",
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "复核已完成" if request.POST.get("action") == "complete" else "已保存")
            return redirect("evaluations:recheck", pk=recheck.pk)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        draft, typed = _draft(recheck, rows, form, formset)
        scored = score_view(_scoreable(draft), typed, list(formset.forms))
    else:
        scored = score_view(copy.copy(recheck), [copy.copy(r) for r in rows], list(formset.forms) if editable else None)
    evaluation = recheck.evaluation
    return render(
        request,
        "evaluations/recheck.html",
        {
            "recheck": recheck,
            "evaluation": evaluation,
            "project": evaluation.project,
            "scored": scored,
            "rows": _side_by_side(recheck, scored),
            "form": form if editable else None,
            "formset": formset,
            "editable": editable,
            "report": stats.discrepancy(recheck) if recheck.status == Recheck.Status.DONE else None,
        },
    )


@login_required
@require_POST
@domain_errors
def recheck_preview(request: HttpRequest, pk: int) -> HttpResponse:
    recheck = _scoreable(selectors.recheck_detail(user=request.user, pk=pk))
    if not recheck_services.may_recheck(request.user, recheck):
        raise PermissionDenied("您不能修改此复核。")
    rows = list(recheck.indicators.all())
    form, formset = _recheck_forms(request, recheck, rows)
    if not (form.is_valid() and formset.is_valid()):
        return render(request, "evaluations/_preview_errors.html", {"problems": ["填写内容有误，无法试算"]})
    draft, typed = _draft(recheck, rows, form, formset)
    scored = score_view(_scoreable(draft), typed)
    return render(
        request,
        "evaluations/_preview.html",
        {"evaluation": draft, "scored": scored, "live": True, "sichuan": draft.layout == "sichuan"},
    )


# --- reports ----------------------------------------------------------------------------------------


@login_required
@require_cap(Cap.RECHECK)
def discrepancies(request: HttpRequest) -> HttpResponse:
    """差异报告: each completed re-check against its self-evaluation, per indicator and in total."""
    regions, region, year = _region_year(request)
    done = selectors.rechecks_for(user=request.user).filter(status=Recheck.Status.DONE, evaluation__year=year)
    if region is not None:
        done = done.filter(evaluation__project__region__path__startswith=region.path)
    reports = [stats.discrepancy(r) for r in done.prefetch_related("indicators", "evaluation__indicators")]
    lower = sum(1 for r in reports if r["total"]["difference"] is not None and r["total"]["difference"] < 0)
    changed = sum(1 for r in reports if r["grade"]["changed"])
    total_gap = sum((r["total"]["difference"] or Decimal(0) for r in reports), Decimal(0))
    return render(
        request,
        "evaluations/discrepancies.html",
        {
            "regions": regions,
            "region": region,
            "year": year,
            "reports": reports,
            "lower": lower,
            "changed": changed,
            "mean_gap": total_gap / len(reports) if reports else None,
        },
    )


@login_required
@require_cap(Cap.RECHECK)
def inflation(request: HttpRequest) -> HttpResponse:
    """等级虚高: per department, its share of 优 against its re-checks and against the region."""
    regions, region, year = _region_year(request)
    evaluations = selectors.self_evaluations_for(user=request.user).filter(year=year)
    if region is not None:
        evaluations = evaluations.filter(project__region__path__startswith=region.path)
    signals = stats.inflation(evaluations)
    return render(
        request,
        "evaluations/inflation.html",
        {
            "regions": regions,
            "region": region,
            "year": year,
            "signals": sorted(signals, key=lambda s: (not s.flagged, -s.rechecked, s.department)),
            "flagged": sum(1 for s in signals if s.flagged),
        },
    )
