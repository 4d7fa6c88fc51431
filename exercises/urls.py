from django.urls import path

from exercises import views

app_name = "exercises"

urlpatterns = [
    path("chapters/<slug:chapter>/exercises/<slug:slug>/", views.exercise_detail, name="exercise"),
    path(
        "chapters/<slug:chapter>/exercises/<slug:slug>/validate",
        views.exercise_validate,
        name="validate",
    ),
    path(
        "chapters/<slug:chapter>/exercises/<slug:slug>/submit", views.exercise_submit, name="submit"
    ),
    path("chapters/<slug:chapter>/exercises/<slug:slug>/hint", views.exercise_hint, name="hint"),
    path(
        "chapters/<slug:chapter>/exercises/<slug:slug>/attempts/<int:attempt_id>/",
        views.exercise_attempt,
        name="attempt",
    ),
]
