from django.urls import path

from labs import views

app_name = "labs"

urlpatterns = [
    path("labs/<slug:slug>/", views.lab_detail, name="lab"),
    path("labs/<slug:slug>/check", views.lab_check, name="check"),
    path("labs/<slug:slug>/live", views.live_checks, name="live"),
    path("labs/<slug:slug>/checks/<slug:check_id>/hint", views.hint_next, name="hint"),
    path("labs/<slug:slug>/reset", views.lab_reset, name="reset"),
    path("labs/<slug:slug>/submissions/<int:pk>/", views.submission_detail, name="submission"),
]
