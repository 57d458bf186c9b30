from django.urls import path

from jixiao.core import audit_views

urlpatterns = [
    path("audit/", audit_views.audit_list, name="audit"),
    path("audit/export.xlsx", audit_views.audit_export, name="audit-export"),
]
