from django.urls import path

from jixiao.evaluations import recheck_views, reevaluation_views, report_views, sampling_views, views

app_name = "evaluations"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("project/<int:project_pk>/start/", views.evaluation_start, name="start"),
    path("<int:pk>/", views.evaluation_form, name="form"),
    path("<int:pk>/preview/", views.evaluation_preview, name="preview"),
    path("<int:pk>/review/", views.evaluation_review, name="review"),
    path("sampling/", sampling_views.plan_list, name="plans"),
    path("sampling/<int:pk>/", sampling_views.plan_detail, name="plan"),
    path("sampling/<int:pk>/draw/", sampling_views.plan_draw, name="draw"),
    path("sampling/item/<int:item_pk>/recheck/", recheck_views.recheck_open, name="recheck_open"),
    path("recheck/<int:pk>/", recheck_views.recheck_form, name="recheck"),
    path("recheck/<int:pk>/preview/", recheck_views.recheck_preview, name="recheck_preview"),
    path("discrepancies/", report_views.discrepancies, name="discrepancies"),
    path("inflation/", report_views.inflation, name="inflation"),
    path("reevaluation/", reevaluation_views.reevaluation_list, name="reevaluations"),
    path("reevaluation/<int:department_pk>/<int:year>/", reevaluation_views.reevaluation_form, name="reevaluation"),
]
