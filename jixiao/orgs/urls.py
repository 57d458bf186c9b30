from django.urls import path

from jixiao.orgs import views

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("users/", views.users, name="users"),
    path("users/new/", views.user_create, name="user-create"),
    path("users/grant/", views.user_grant, name="user-grant"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("security/", views.security, name="security"),
    path("security/unlock/", views.security_unlock, name="security-unlock"),
]
