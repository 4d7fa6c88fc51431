from django.urls import path

from labs import state_views, views

app_name = "labs"

urlpatterns = [
    path("labs/<slug:slug>/", views.lab_detail, name="lab"),
    path("labs/<slug:slug>/check", views.lab_check, name="check"),
    path("labs/<slug:slug>/live", views.live_checks, name="live"),
    path("labs/<slug:slug>/checks/<slug:check_id>/hint", views.hint_next, name="hint"),
    path("labs/<slug:slug>/submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("labs/<slug:slug>/start", state_views.lab_start, name="start"),
    path("labs/<slug:slug>/reset", state_views.lab_reset, name="reset"),
    path("labs/<slug:slug>/state", state_views.lab_state, name="state"),
]
