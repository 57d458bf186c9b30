"""The re-check of a sampled self-evaluation: the same form, scored by finance staff or a third party,
beside the unit's own scores."""

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors
from jixiao.evaluations import recheck_services, selectors, stats
from jixiao.evaluations.display import score_view
from jixiao.evaluations.forms import (
    INDICATOR_PREFIX,
    IndicatorEntryForm,
    IndicatorEntryFormSet,
    SelfEvaluationForm,
    form_entry,
)
from jixiao.evaluations.models import Recheck, SampleItem, SelfEvaluation


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
