"""预算评审 pages: the list (reviews and the projects waiting for one), a project's review with 送审, 审定 and
审减 (送审 = 审定 + 审减, refused by the service when they disagree), the 审减率, and the 联评联审 panel
with each member's signature."""

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.appraisals import selectors, services
from jixiao.appraisals.forms import BudgetReviewForm, SignForm, as_wan
from jixiao.appraisals.models import Assessment, BudgetReview
from jixiao.core import scoping
from jixiao.core.errors import DomainError, NotFound, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors, require_cap
from jixiao.goals.services import project_place
from jixiao.orgs.roles import Cap, Role
from jixiao.orgs.rules_config import resolve
from jixiao.projects import selectors as project_selectors
from jixiao.projects.models import Project
from jixiao.rules.money import MoneyError, to_yuan

PAGE_SIZE = 50


@login_required
@require_cap(Cap.PROJECT_VIEW)
def review_list(request: HttpRequest) -> HttpResponse:
    """The budget reviews the user sees (those waiting for the user's signature first), and the projects
    with a passing assessment that have no review yet."""
    status = request.GET.get("status", "")
    reviews = selectors.budget_reviews_for(user=request.user).order_by("-project__fiscal_year", "project__code")
    if status in BudgetReview.Status.values:
        reviews = reviews.filter(status=status)
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"review": r, "sign": services.signable_roles(request.user, r)} for r in page]
    waiting = (
        project_selectors.projects_for(user=request.user)
        .filter(status__in=selectors.OPEN_STATUSES, budget_reviews__isnull=True)
        .filter(pk__in=Assessment.objects.filter(selectors.PASSING).values("project_id"))
        .select_related("owner", "region")
        .order_by("-fiscal_year", "code")[:PAGE_SIZE]
    )
    context = {
        "page": page,
        "rows": rows,
        "waiting": list(waiting),
        "status": status,
        "statuses": BudgetReview.Status.choices,
    }
    return render(request, "appraisals/reviews.html", context)


def _yuan_param(request: HttpRequest, key: str) -> Decimal | None:
    try:
        return to_yuan(request.GET[key]) if request.GET.get(key) else None
    except MoneyError:
        return None


def _prefill(request: HttpRequest, project: Project) -> dict[str, Any]:
    """A new review starts from the request (送审 = 申报金额); the function-point page may carry its
    proposal (?submitted=…&approved=… in 元)."""
    submitted = _yuan_param(request, "submitted") or project.amount_requested
    approved = _yuan_param(request, "approved")
    initial = {"submitted_wan": as_wan(submitted)}
    if approved is not None:
        initial.update(approved_wan=as_wan(approved), reduced_wan=as_wan(submitted - approved))
    return initial


def _panel(user: Any, project: Project, review: BudgetReview | None) -> list[dict[str, Any]]:
    """Each role of the panel (the review's, or the one in force before it goes to signing) with its
    signature, and whether the user may sign for it now."""
    roles = review.panel_roles if review and review.panel_roles else _panel_in_force(project)
    signatures = {s.role: s for s in review.signatures.all()} if review else {}
    may = services.signable_roles(user, review) if review else []
    return [{"role": r, "label": Role(r).label, "signature": signatures.get(r), "may_sign": r in may} for r in roles]


def _panel_in_force(project: Project) -> list[str]:
    panel: list[str] = resolve("appraisal.review_panel", project.region, project.fiscal_year).value
    return panel


@login_required
@domain_errors
def budget_review(request: HttpRequest, project_pk: int) -> HttpResponse:
    """A project's 预算评审: the amounts (while 评审中, by the 评审中心 or 预算科), then the panel's signatures."""
    project = project_selectors.project_detail(user=request.user, pk=project_pk)
    review = selectors.budget_reviews_for(user=request.user).filter(project=project).order_by("-id").first()
    may_change = scoping.reaches(request.user, Cap.BUDGET_REVIEW, **project_place(project))
    editable = may_change and (review is None or review.status == BudgetReview.Status.DRAFT)
    initial = BudgetReviewForm.initial_from(review) if review else {}
    if review is None or (editable and request.GET.get("approved")):
        initial.update(_prefill(request, project))
    form = BudgetReviewForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("您不能修改该项目的预算评审。")
        if form.is_valid():
            try:
                review = services.save_budget_review(
                    actor=request.user,
                    project=project,
                    amounts=form.amounts(),
                    opinion=form.cleaned_data["opinion"].strip(),
                    review=review,
                )
                if request.POST.get("action") == "submit":
                    services.submit_budget_review(actor=request.user, review=review)
                    messages.success(request, "已保存预算评审并提交联评联审小组会签")
                else:
                    messages.success(request, "已保存预算评审")
                return redirect("appraisals:budget_review", project_pk=project.pk)
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                add_domain_error(form, exc, fields=BudgetReviewForm.FIELDS)
    context = {
        "project": project,
        "review": review,
        "form": form,
        "editable": editable,
        "panel": _panel(request.user, project, review),
        "assessment": selectors.passing_assessment(project) or selectors.latest_assessment(project),
        "fp_review": project.fp_reviews.order_by("-id").first(),
        "sign_form": SignForm(),
    }
    return render(request, "appraisals/budget_review.html", context)


@login_required
@require_POST
@domain_errors
def sign(request: HttpRequest, pk: int) -> HttpResponse:
    """签署 for one role of the panel."""
    review = selectors.budget_review_detail(user=request.user, pk=pk)
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择签署角色")
    else:
        try:
            services.sign_review(
                actor=request.user,
                review=review,
                role=form.cleaned_data["role"],
                opinion=form.cleaned_data["opinion"].strip(),
            )
            review.refresh_from_db()
            done = "，联评联审小组已全部签署，评审定稿" if review.status == BudgetReview.Status.FINAL else ""
            messages.success(request, f"已以“{Role(form.cleaned_data['role']).label}”签署{done}")
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("appraisals:budget_review", project_pk=review.project_id)
