from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.core.http import domain_errors, require_cap
from jixiao.orgs.roles import Cap
from jixiao.orgs.selectors import budget_units_for, regions_for
from jixiao.projects import exports, selectors, services
from jixiao.projects.filters import ProjectFilter, filter_widgets
from jixiao.projects.forms import ProjectForm
from jixiao.rules.money import wan_to_yuan

PAGE_SIZE = 50


def _filtered(request: HttpRequest) -> ProjectFilter:
    f = ProjectFilter(request.GET, queryset=selectors.project_list(user=request.user))
    filter_widgets(f.form)
    return f


@login_required
@require_cap(Cap.PROJECT_VIEW)
def project_list(request: HttpRequest) -> HttpResponse:
    f = _filtered(request)
    qs = f.qs
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort = request.GET.get("sort", "")
    context = {
        "filter": f,
        "page": page,
        "totals": selectors.totals(qs),
        "query": query.urlencode(),
        "sort": sort,
        "regions": regions_for(user=request.user),
        "departments": budget_units_for(user=request.user).filter(kind="department"),
        "can_create": budget_units_for(user=request.user, cap=Cap.PROJECT_CHANGE).exists(),
    }
    template = "projects/_table.html" if request.htmx else "projects/list.html"
    return render(request, template, context)


@login_required
@require_cap(Cap.PROJECT_VIEW)
def project_export(request: HttpRequest) -> HttpResponse:
    return exports.project_workbook_response(_filtered(request).qs, actor=request.user)


@login_required
@domain_errors
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_detail(user=request.user, pk=pk)
    history = project.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "history": history,
            "transitions": services.available_transitions(actor=request.user, project=project),
        },
    )


def _form_page(request: HttpRequest, project: services.Project | None) -> HttpResponse:
    owners = budget_units_for(user=request.user, cap=Cap.PROJECT_CHANGE)
    initial = ProjectForm.initial_from(project) if project else {"fiscal_year": 2026}
    form = ProjectForm(request.POST or None, initial=initial, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            if project is None:
                project = services.create_project(actor=request.user, data=form.to_input())
                messages.success(request, f"已创建项目“{project.name}”")
            else:
                project = services.update_project(actor=request.user, project=project, data=form.to_input())
                messages.success(request, f"已保存项目“{project.name}”")
            return redirect("projects:detail", pk=project.pk)
        except DomainError as exc:
            field = {
                "amount_requested": "amount_requested_wan",
                "amount_approved": "amount_approved_wan",
                "amount_adjusted": "amount_adjusted_wan",
            }.get(exc.field or "", exc.field)
            form.add_error(field if field in form.fields else None, exc.message)
    return render(request, "projects/form.html", {"form": form, "project": project})


@login_required
@require_cap(Cap.PROJECT_CHANGE)
@domain_errors
def project_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
@domain_errors
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_detail(user=request.user, pk=pk)
    services.check_may_change(request.user, project.owner)
    return _form_page(request, project)


@login_required
@require_POST
@domain_errors
def project_transition(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_detail(user=request.user, pk=pk)
    amount = request.POST.get("amount_approved_wan", "").strip()
    try:
        services.transition_project(
            actor=request.user,
            project=project,
            action=request.POST.get("action", ""),
            amount_approved=wan_to_yuan(amount) if amount else None,
        )
        messages.success(request, "操作成功")
    except PermissionDenied:
        raise  # a forbidden action answers 403 (domain_errors), not a message on the page
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("projects:detail", pk=pk)
