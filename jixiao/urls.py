from django.contrib.auth import views as auth_views
from django.urls import include, path

from jixiao.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/login/", core_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/", include("jixiao.projects.urls")),
    path("goals/", include("jixiao.goals.urls")),
    path("appraisals/", include("jixiao.appraisals.urls")),
    path("evaluations/", include("jixiao.evaluations.urls")),
    path("monitoring/", include("jixiao.monitoring.urls")),
    path("imports/", include("jixiao.imports.urls")),
    path("", include("jixiao.orgs.urls")),
    path("", include("jixiao.core.urls")),
    path("api/", include("jixiao.api.urls")),
]
