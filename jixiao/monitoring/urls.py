from django.urls import path

from jixiao.monitoring import disposition_views, exports, form_views, views

app_name = "monitoring"
urlpatterns = [
    path("", views.round_list, name="rounds"),
    path("round/<int:pk>/", views.round_detail, name="round"),
    path("round/<int:pk>/action/", views.round_action, name="round_action"),
    path("round/<int:pk>/reports/", views.report_list, name="reports"),
    path("round/<int:pk>/warnings/", views.warning_list, name="warnings"),
    path("round/<int:pk>/forms.xlsx", exports.forms_download, name="export_forms"),
    path("round/<int:pk>/summary.xlsx", exports.summary_xlsx_download, name="summary_xlsx"),
    path("round/<int:pk>/summary.docx", exports.summary_docx_download, name="summary_docx"),
    path("report/<int:pk>/", form_views.report_form, name="report"),
    path("report/<int:pk>/review/", form_views.report_review, name="review"),
    path("report/<int:pk>/recheck/", form_views.report_recheck, name="recheck"),
    path("report/<int:pk>/key/", form_views.report_key, name="key"),
    path("report/<int:report_pk>/dispose/", disposition_views.disposition_propose, name="propose"),
    path("dispositions/", disposition_views.disposition_list, name="dispositions"),
    path("disposition/<int:pk>/", disposition_views.disposition_detail, name="disposition"),
    path("rectifications/", views.rectification_list, name="rectifications"),
]
