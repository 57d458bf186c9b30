from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from jixiao.core.errors import DomainError, PermissionDenied
from jixiao.core.http import add_domain_error, domain_errors, require_cap
from jixiao.orgs.models import Organization
from jixiao.orgs.roles import Cap
from jixiao.orgs.selectors import budget_units_for, regions_for
from jixiao.projects import exports, selectors, services
from jixiao.projects.filters import ProjectFilter
from jixiao.projects.forms import ProjectForm
from jixiao.projects.models import Project
from jixiao.rules.money import wan_to_yuan

PAGE_SIZE = 50
# The service's amounts (元) and the form's fields for them (万元).
WAN_FIELDS = {name: f"{name}_wan" for name in ("amount_requested", "amount_approved", "amount_adjusted")}


def _filtered(request: HttpRequest) -> ProjectFilter:
    return ProjectFilter(request.GET, queryset=selectors.project_list(user=request.user))


@login_required
@require_cap(Cap.PROJECT_VIEW)
def project_list(request: HttpRequest) -> HttpResponse:
    f = _filtered(request)
    context = {
        "filter": f,
        "page": Paginator(f.qs, PAGE_SIZE).get_page(request.GET.get("page")),
        "totals": selectors.totals(f.qs),
        "sort": request.GET.get("sort", ""),
        "regions": regions_for(user=request.user),
        "departments": budget_units_for(user=request.user).filter(kind=Organization.Kind.DEPARTMENT),
        "can_create": budget_units_for(user=request.user, cap=Cap.PROJECT_CHANGE).exists(),
    }
    return render(request, "projects/list.html", context)


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
            "may_edit": services.may_edit(request.user, project),
        },
    )


def _form_page(request: HttpRequest, project: Project | None) -> HttpResponse:
    owners = budget_units_for(user=request.user, cap=Cap.PROJECT_CHANGE)
    initial = ProjectForm.initial_from(project) if project else {"fiscal_year": timezone.localdate().year}
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
            add_domain_error(form, exc, fields=WAN_FIELDS)
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
    if not services.may_edit(request.user, project):
        raise PermissionDenied(services.locked_message(project.get_status_display()))
    return _form_page(request, project)


@login_required
@require_POST
@domain_errors
def project_transition(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_detail(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    amount = request.POST.get("amount_approved_wan", "").strip()
    try:
        services.transition_project(
            actor=request.user,
            project=project,
            action=action,
            amount_approved=wan_to_yuan(amount) if amount else None,
        )
        messages.success(request, f"已{services.TRANSITIONS[action][0]}“{project.name}”")
    except PermissionDenied:
        raise  # a forbidden action answers 403 (domain_errors), not a message on the page
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("projects:detail", pk=pk)
