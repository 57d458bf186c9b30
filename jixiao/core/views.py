from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jixiao.core import scoping
from jixiao.orgs.roles import Cap
from jixiao.projects import selectors as project_selectors
from jixiao.rules.money import yuan_to_wan


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Landing page: counts and amounts of what the user may see, by year and by category."""
    context: dict[str, Any] = {}
    if scoping.has_cap(request.user, Cap.PROJECT_VIEW):
        qs = project_selectors.projects_for(user=request.user)
        context["totals"] = project_selectors.totals(qs)
        context["by_year"] = project_selectors.totals_by(qs, "fiscal_year")
        context["by_category"] = project_selectors.totals_by(qs, "category")
        context["chart"] = {
            "categories": [str(r["fiscal_year"]) for r in context["by_year"]],
            "values": [str(yuan_to_wan(r["requested"])) for r in context["by_year"]],
        }
    return render(request, "core/home.html", context)
