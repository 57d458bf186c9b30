"""The 绩效自评 pages of a unit and of its reviewers: the list with its grade distribution, the form (national
or 四川 layout) whose scores follow what is typed, and the department and finance review steps. Sampling and
re-checks are in `sampling_views`, the 再评价 checklist in `reevaluation_views`."""

import copy
from collections import Counter
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors, require_cap
from jixiao.evaluations import selectors, services
from jixiao.evaluations.display import Scored, score_view
from jixiao.evaluations.forms import (
    INDICATOR_PREFIX,
    EvaluationFilter,
    IndicatorEntryForm,
    IndicatorEntryFormSet,
    ReviewForm,
    SelfEvaluationForm,
    form_entry,
)
from jixiao.evaluations.models import Grade, IndicatorResult, Layout, SelfEvaluation
from jixiao.goals.models import Goal
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.orgs.rules_config import resolve
from jixiao.orgs.selectors import budget_units_for, regions_for
from jixiao.projects import selectors as project_selectors
from jixiao.projects.models import Project

PAGE_SIZE = 50
GRADES = [g.value for g in Grade]


def _filtered(request: HttpRequest, qs: QuerySet[SelfEvaluation]) -> tuple[EvaluationFilter, QuerySet[SelfEvaluation]]:
    f = EvaluationFilter(request.GET or None)
    if not f.is_valid():
        return f, qs
    d = f.cleaned_data
    if d["region"]:
        qs = qs.filter(project__region__path__startswith=_region_path(request, d["region"]))
    if d["department"]:
        qs = qs.filter(project__department_id=d["department"])
    if d["year"]:
        qs = qs.filter(year=d["year"])
    if d["kind"] == "department_overall":
        qs = qs.filter(project__kind="department_overall")
    elif d["kind"]:
        qs = qs.exclude(project__kind="department_overall")
    if d["grade"]:
        qs = qs.filter(grade=d["grade"])
    if d["q"]:
        qs = qs.filter(Q(project__name__contains=d["q"]) | Q(project__code__contains=d["q"]))
    return f, qs


def _region_path(request: HttpRequest, code: str) -> str:
    region = regions_for(user=request.user).filter(code=code).first()
    if region is None:
        raise NotFound("区划不存在或不在您的权限范围内。")
    return str(region.path)


def grade_distribution(qs: QuerySet[SelfEvaluation]) -> dict[str, Any]:
    """How many forms (and how much 全年预算) in each grade, and the share of 优 among the graded."""
    counts: Counter[str] = Counter({r["grade"]: r["n"] for r in qs.order_by().values("grade").annotate(n=Count("id"))})
    graded = sum(counts[g] for g in GRADES)
    amount = qs.order_by().aggregate(total=Sum("budget_full_year"))["total"] or Decimal(0)
    return {
        "grades": [
            (g, counts[g], (Decimal(counts[g] * 100) / graded).quantize(Decimal("0.1")) if graded else None)
            for g in GRADES
        ],
        "ungraded": counts[""],
        "count": graded + counts[""],
        "amount": amount,
    }


def awaiting_evaluation(user: Any) -> QuerySet[Project]:
    """Projects the user may self-evaluate that have no form yet: budget approved, goal approved."""
    projects = Project.objects.filter(
        status__in=services.EVALUATED_STATUSES, goals__status=Goal.Status.APPROVED, self_evaluation__isnull=True
    )
    return scoping.restrict(projects, user, Cap.PROJECT_CHANGE).select_related("owner").order_by("-fiscal_year", "code")


def layout_for(project: Project) -> str:
    layout: str = resolve("self_evaluation.layout", project.region, project.fiscal_year).value
    return layout


@login_required
@require_cap(Cap.PROJECT_VIEW)
def evaluation_list(request: HttpRequest) -> HttpResponse:
    f, qs = _filtered(request, selectors.self_evaluations_for(user=request.user))
    status = f.cleaned_data.get("status") if f.is_valid() else ""
    distribution = grade_distribution(qs)
    statuses = Counter(qs.order_by().values_list("status", flat=True))
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-year", "project__code"), PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = awaiting_evaluation(request.user)
    return render(
        request,
        "evaluations/list.html",
        {
            "filter": f,
            "page": page,
            "distribution": distribution,
            "statuses": [(s.label, statuses[s.value]) for s in SelfEvaluation.Status if statuses[s.value]],
            "regions": regions_for(user=request.user),
            "departments": budget_units_for(user=request.user).filter(kind=Organization.Kind.DEPARTMENT),
            "waiting": waiting[:20],
            "waiting_count": waiting.count(),
            "reviewable": [e for e in page if services.may_review(request.user, e)],
            "may_recheck": scoping.has_cap(request.user, Cap.RECHECK),
        },
    )


@login_required
@require_POST
@domain_errors
def evaluation_start(request: HttpRequest, project_pk: int) -> HttpResponse:
    """生成自评表: the project's form, prefilled from its approved goal, in the layout its region uses."""
    project = project_selectors.project_detail(user=request.user, pk=project_pk)
    try:
        evaluation = services.prefill(actor=request.user, project=project, layout=layout_for(project))
    except (NotFound, PermissionDenied):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("evaluations:list")
    return redirect("evaluations:form", pk=evaluation.pk)


# --- the form ---------------------------------------------------------------------------------------


def _forms(request: HttpRequest, evaluation: SelfEvaluation, rows: list[IndicatorResult]) -> tuple[Any, Any]:
    if request.method == "POST":
        return (
            SelfEvaluationForm(request.POST),
            IndicatorEntryFormSet(request.POST, prefix=INDICATOR_PREFIX),
        )
    return (
        SelfEvaluationForm(initial=SelfEvaluationForm.initial_from(evaluation)),
        IndicatorEntryFormSet(initial=[IndicatorEntryForm.initial_from(r) for r in rows], prefix=INDICATOR_PREFIX),
    )


def _typed(evaluation: SelfEvaluation, rows: list[IndicatorResult], form: Any, formset: Any) -> tuple[Any, list[Any]]:
    """Copies of the form and its rows holding what is typed, for scoring without saving."""
    draft = copy.copy(evaluation)
    entry = form_entry(form, formset)
    for name in ("budget_initial", "budget_full_year", "executed"):
        if getattr(entry, name) is not None:  # empty keeps the stored amount, as the service does
            setattr(draft, name, getattr(entry, name))
    draft.execution_reason = entry.execution_reason
    by_id = {e.id: e for e in entry.indicators}
    typed = []
    for row in rows:
        twin = copy.copy(row)
        found = by_id.get(row.pk)
        if found is not None:
            for name in services.ENTRY_FIELDS:
                setattr(twin, name, getattr(found, name))
        typed.append(twin)
    return draft, typed


def _context(evaluation: SelfEvaluation, scored: Scored, **extra: Any) -> dict[str, Any]:
    return {
        "evaluation": evaluation,
        "project": evaluation.project,
        "scored": scored,
        "sichuan": evaluation.layout == Layout.SICHUAN,
        **extra,
    }


@login_required
@domain_errors
def evaluation_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The 自评表: editable by the unit while a draft or returned, read-only for everyone else."""
    evaluation = selectors.self_evaluation_detail(user=request.user, pk=pk)
    rows = list(evaluation.indicators.all())
    editable = services.may_fill(request.user, evaluation)
    if not editable:
        if request.method == "POST":
            services.check_may_fill(request.user, evaluation)  # 403, or the status refusal below
        return render(
            request,
            "evaluations/detail.html",
            _context(
                evaluation, score_view(evaluation, rows), may_review=services.may_review(request.user, evaluation)
            ),
        )
    form, formset = _forms(request, evaluation, rows)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            evaluation = services.save_entries(
                actor=request.user, evaluation=evaluation, data=form_entry(form, formset)
            )
            if request.POST.get("action") == "submit":
                evaluation = services.submit(actor=request.user, evaluation=evaluation)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            add_domain_error(form, exc)
            evaluation = selectors.self_evaluation_detail(user=request.user, pk=pk)
        else:
            if evaluation.status == SelfEvaluation.Status.SUBMITTED:
                messages.success(request, f"已提交“{evaluation.project.name}”的绩效自评，等待主管部门审核")
            else:
                messages.success(request, "已保存")
            return redirect("evaluations:form", pk=evaluation.pk)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        draft, typed = _typed(evaluation, list(evaluation.indicators.all()), form, formset)
        scored = score_view(draft, typed, list(formset.forms))
    else:
        scored = score_view(copy.copy(evaluation), [copy.copy(r) for r in rows], list(formset.forms))
    return render(request, "evaluations/form.html", _context(evaluation, scored, form=form, formset=formset))


@login_required
@require_POST
@domain_errors
def evaluation_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The scores of what the form holds now (htmx, as the unit types): every row's score and explanation,
    the execution score, the total and the grade. Nothing is saved."""
    evaluation = selectors.self_evaluation_detail(user=request.user, pk=pk)
    if evaluation.status not in SelfEvaluation.EDITABLE_BY_UNIT:
        # A last keystroke's request may arrive after the form was submitted: nothing to preview then.
        problem = f"自评表状态为“{evaluation.get_status_display()}”，不再试算"
        return render(request, "evaluations/_preview_errors.html", {"problems": [problem]})
    services.check_may_fill(request.user, evaluation)
    rows = list(evaluation.indicators.all())
    form, formset = _forms(request, evaluation, rows)
    if not (form.is_valid() and formset.is_valid()):
        problems = [f"{form.fields[n].label}：{'；'.join(e)}" for n, e in form.errors.items() if n in form.fields]
        problems += [
            f"第{i + 1}行 {f.fields[n].label}：{'；'.join(e)}"
            for i, f in enumerate(formset.forms)
            for n, e in f.errors.items()
            if n in f.fields
        ]
        return render(request, "evaluations/_preview_errors.html", {"problems": problems})
    draft, typed = _typed(evaluation, rows, form, formset)
    return render(request, "evaluations/_preview.html", _context(draft, score_view(draft, typed), live=True))


# --- reviewing --------------------------------------------------------------------------------------


@login_required
@domain_errors
def evaluation_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The department's or the finance bureau's step: the form as submitted, approve or return."""
    evaluation = selectors.self_evaluation_detail(user=request.user, pk=pk)
    if not services.may_review(request.user, evaluation):
        raise PermissionDenied(f"自评表状态为“{evaluation.get_status_display()}”，没有由您审核的环节。")
    step = services.REVIEWABLE[evaluation.status][2]
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            services.review(
                actor=request.user, evaluation=evaluation, approve=approve, comment=form.cleaned_data["comment"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            done = "审核通过" if approve else "退回修改"
            messages.success(request, f"{step}：已{done}“{evaluation.project.name}”的绩效自评")
            return redirect("evaluations:list")
    rows = list(evaluation.indicators.all())
    return render(
        request, "evaluations/review.html", _context(evaluation, score_view(evaluation, rows), form=form, step=step)
    )
