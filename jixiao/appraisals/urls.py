from django.urls import path

from jixiao.appraisals import assessment_views, fp_views, review_views, views

app_name = "appraisals"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("project/<int:project_pk>/start/", assessment_views.start, name="start"),
    path("project/<int:project_pk>/review/", review_views.budget_review, name="budget_review"),
    path("project/<int:project_pk>/fpa/", fp_views.project_fp, name="project_fp"),
    path("<int:pk>/", assessment_views.detail, name="detail"),
    path("<int:pk>/attach/", assessment_views.attach, name="attach"),
    path("<int:pk>/conclude/", assessment_views.conclude, name="conclude"),
    path("<int:pk>/override/", assessment_views.override, name="override"),
    path("<int:pk>/resubmit/", assessment_views.resubmit, name="resubmit"),
    path("reviews/", review_views.review_list, name="reviews"),
    path("reviews/<int:pk>/sign/", review_views.sign, name="sign"),
    path("fpa/", fp_views.calculator, name="calculator"),
]
