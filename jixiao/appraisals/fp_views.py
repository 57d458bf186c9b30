"""The function-point review page: a software project's function list, typed in the table or imported from a
workbook, priced by one benchmark version, with every step of the chain, the P25/P50/P75 range, and the
comparison with the requested amount that proposes 审定 and 审减 for the 预算评审 form.

For a project, the 评审中心 (or 预算科) saves the list and its result (`services.save_fp_review`); anyone who
sees the project may compute on the page without saving. Without a project the page is a calculator.
"""

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from jixiao.appraisals import function_points as fp_glue
from jixiao.appraisals import selectors, services
from jixiao.appraisals.fp_forms import (
    FUNCTION_PREFIX,
    EstimateForm,
    FunctionFormSet,
    FunctionListUploadForm,
    FunctionRowForm,
)
from jixiao.appraisals.models import BudgetReview, FunctionPointReview
from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import domain_errors, require_cap
from jixiao.goals.services import project_place
from jixiao.imports.files import check_upload
from jixiao.imports.tables import TableError
from jixiao.orgs.roles import Cap
from jixiao.projects import selectors as project_selectors
from jixiao.projects.models import Project
from jixiao.rules import function_points as fp
from jixiao.rules.fp_workbook import read_function_list

SHOWN_PROBLEMS = 50


def read_upload(form: FunctionListUploadForm) -> list[fp.FunctionItem]:
    """The function list of the uploaded workbook, after the import guard (size, zip members). Problems
    are added to the form, every one with its sheet, row and column."""
    file = form.cleaned_data["file"]
    try:
        checked = check_upload(file, filename=file.name, size=file.size)
    except DomainError as exc:
        form.add_error("file", exc.message)
        return []
    with tempfile.NamedTemporaryFile(suffix=f".{checked.fmt}") as tmp:
        for chunk in file.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            return read_function_list(Path(tmp.name), sheet=form.cleaned_data["sheet"] or "功能清单")
        except TableError as exc:
            shown = [str(p) for p in exc.problems[:SHOWN_PROBLEMS]]
            more = len(exc.problems) - len(shown)
            form.add_error("file", "功能清单有误：" + "；".join(shown) + (f"；另有{more}处" if more > 0 else ""))
            return []


def estimate_context(result: fp.Estimate) -> dict[str, Any]:
    """What the page shows of an estimate: the items, the numbered steps, the range and the review."""
    check = fp.published_price_check(result)
    return {
        "result": result,
        "steps": [(n, step, shown(step)) for n, step in enumerate(result.steps(), 1)],
        "bands": [result.bands[p] for p in result.bands if p in (*fp.RANGE_BANDS, result.chosen)],
        "price_check": None if check is None else (str(check[0]), str(check[1])),
        "review": result.review,
    }


def shown(step: fp.Step) -> str:
    """A step's result as the chain prints it: to the places the version rounds to, else exact (cut at 4)."""
    return f"{step.result:,.{step.rounded}f}" if step.rounded is not None else fp.show(step.result, 4)


def _refused(form: EstimateForm, message: str, field: str) -> str:
    """The engine's or the service's refusal next to the option it names, else as the page's message."""
    if field in form.fields:
        form.add_error(field, message)
        return ""
    return message


class Page:
    """The page's forms bound to what was posted; `run` computes (and, given `save`, stores)."""

    def __init__(self, request: HttpRequest, initial: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        post = request.method == "POST"
        self.action = request.POST.get("action", "compute") if post else ""
        self.upload = FunctionListUploadForm(request.POST, request.FILES) if self.action == "import" else None
        self.form = EstimateForm(request.POST if post else None, initial=initial)
        self.formset: Any = (
            FunctionFormSet(request.POST, prefix=FUNCTION_PREFIX)
            if post
            else FunctionFormSet(initial=rows, prefix=FUNCTION_PREFIX)
        )
        self.result: fp.Estimate | None = None
        self.refusal = ""
        self.imported: int | None = None

    def run(self, save: Any = None) -> None:
        if self.action == "import":
            self._import()
        elif self.action == "compute" and self.form.is_valid() and self.formset.is_valid():
            options = self.form.options()
            requested = self.form.cleaned_data["requested"]
            items = self.formset.items()
            try:
                if save is not None:
                    save(items, options, requested)
                self.result = fp.estimate(items, fp_glue.engine_options(fp_glue.clean_options(options), requested))
            except fp.FPError as exc:
                self.refusal = _refused(self.form, exc.message, exc.field)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                self.refusal = _refused(self.form, exc.message, exc.field or "")

    def _import(self) -> None:
        assert self.upload is not None
        self.form.is_valid()  # the options keep what was chosen; they are checked when computed
        if not self.upload.is_valid():
            return
        items = read_upload(self.upload)
        if items:
            initial = [FunctionRowForm.initial_from(i) for i in items]
            self.formset = FunctionFormSet(initial=initial, prefix=FUNCTION_PREFIX)
            self.imported = len(items)

    def context(self) -> dict[str, Any]:
        context = {
            "form": self.form,
            "formset": self.formset,
            "upload": self.upload or FunctionListUploadForm(),
            "refusal": self.refusal,
            "imported": self.imported,
        }
        if self.result is not None:
            context.update(estimate_context(self.result))
        return context


@login_required
@require_cap(Cap.PROJECT_VIEW)
def calculator(request: HttpRequest) -> HttpResponse:
    """功能点测算 without a project: nothing is stored."""
    page = Page(request, initial={}, rows=[])
    page.run()
    return render(request, "appraisals/fp.html", page.context())


def _saved_rows(saved: FunctionPointReview | None) -> list[dict[str, Any]]:
    if saved is None:
        return []
    return [FunctionRowForm.initial_from(fp_glue.engine_item(row)) for row in saved.items.all()]


def carry_url(project: Project, result: fp.Estimate) -> str:
    """The 预算评审 form with 送审 and the proposed 审定 filled in (元)."""
    review = result.review
    assert review is not None
    query = urlencode({"submitted": str(review.requested), "approved": str(review.approved)})
    return f"{reverse('appraisals:budget_review', args=[project.pk])}?{query}"


@login_required
@domain_errors
def project_fp(request: HttpRequest, project_pk: int) -> HttpResponse:
    """功能点评审 of a project: the saved list and options, computed again on 「计算并保存」."""
    project = project_selectors.project_detail(user=request.user, pk=project_pk)
    saved = selectors.fp_reviews_for(user=request.user).filter(project=project).order_by("-id").first()
    may_save = scoping.reaches(request.user, Cap.BUDGET_REVIEW, **project_place(project))
    requested = saved.requested_yuan if saved else project.amount_requested
    initial = EstimateForm.initial_from(saved.options if saved else {}, requested)
    page = Page(request, initial=initial, rows=_saved_rows(saved))
    open_review = BudgetReview.objects.filter(project=project, status=BudgetReview.Status.DRAFT).order_by("-id").first()

    def save(items: list[fp.FunctionItem], options: dict[str, Any], requested: Decimal | None) -> None:
        nonlocal saved
        saved = services.save_fp_review(
            actor=request.user,
            project=project,
            items=items,
            options=options,
            requested_yuan=requested,
            review=saved,
            budget_review=open_review,
        )

    page.run(save if may_save else None)
    if request.method == "GET" and saved is not None and saved.items.exists():
        try:
            page.result = fp_glue.compute(saved.items.all(), saved.options, saved.requested_yuan)
        except (fp.FPError, fp_glue.OptionsError) as exc:
            page.refusal = exc.message
    context = {**page.context(), "project": project, "saved": saved, "may_save": may_save}
    may_review = may_save and (open_review is not None or not project.budget_reviews.exists())
    if page.result is not None and page.result.review is not None and may_review:
        context["carry_url"] = carry_url(project, page.result)
    return render(request, "appraisals/fp.html", context)
