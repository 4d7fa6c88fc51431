from django.urls import path

from labs import classroom_views, lab_views, views

app_name = "labs"

urlpatterns = [
    path("labs/<slug:slug>/", lab_views.lab_detail, name="lab"),
    path("labs/<slug:slug>/check", lab_views.lab_check, name="check"),
    path("labs/<slug:slug>/submissions/<int:pk>/", lab_views.submission_detail, name="submission"),
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

# Classroom mode: a student's own namespace and kubeconfig.
urlpatterns += [
    path(
        "classroom/namespaces/<slug:namespace>/kubeconfig",
        classroom_views.kubeconfig_download,
        name="kubeconfig",
    ),
]
