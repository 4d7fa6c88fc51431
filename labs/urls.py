from django.urls import path

from labs import classroom_views, lab_views, student_cluster_views, views

app_name = "labs"

urlpatterns = [
    # Before labs/<slug>/: "my-cluster" is a valid slug.
    path("labs/my-cluster/", student_cluster_views.my_cluster, name="my_cluster"),
    path("labs/my-cluster/test", student_cluster_views.my_cluster_test, name="my_cluster_test"),
    path(
        "labs/my-cluster/delete", student_cluster_views.my_cluster_delete, name="my_cluster_delete"
    ),
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
