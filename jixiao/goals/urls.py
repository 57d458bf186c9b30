from django.urls import path

from jixiao.goals import edit_views, library_views, review_views, views

app_name = "goals"
urlpatterns = [
    path("", views.goal_list, name="list"),
    path("approve-budgets/", views.approve_budgets, name="approve_budgets"),
    path("inbox/", review_views.inbox, name="inbox"),
    path("inbox/approve/", review_views.inbox_approve, name="inbox_approve"),
    path("coverage/", review_views.coverage, name="coverage"),
    path("library/", library_views.library_list, name="library"),
    path("library/new/", library_views.library_create, name="library_create"),
    path("library/<int:pk>/edit/", library_views.library_edit, name="library_edit"),
    path("library/<int:pk>/retire/", library_views.library_retire, name="library_retire"),
    path("project/<int:project_pk>/edit/", edit_views.goal_edit, name="edit"),
    path("project/<int:project_pk>/check/", edit_views.goal_check, name="check"),
    path("project/<int:project_pk>/library-search/", edit_views.library_search, name="library_search"),
    path("<int:pk>/", views.goal_detail, name="detail"),
    path("<int:pk>/submit/", views.goal_submit, name="submit"),
    path("<int:pk>/withdraw/", views.goal_withdraw, name="withdraw"),
    path("<int:pk>/adjust/", views.goal_adjust, name="adjust"),
    path("<int:pk>/review/", review_views.goal_review, name="review"),
]
