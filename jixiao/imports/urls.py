from django.urls import path

from jixiao.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.batch_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("template.xlsx", views.template, name="template"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/commit/", views.batch_commit, name="commit"),
    path("<int:pk>/errors.xlsx", views.batch_errors, name="errors"),
]
