from django.urls import path

from workspaces import own_cluster_views, views

app_name = "workspaces"

urlpatterns = [
    # Before labs/<slug>/ (labs/urls.py): "my-cluster" is a valid slug.
    path("labs/my-cluster/", own_cluster_views.my_cluster, name="my_cluster"),
    path("labs/my-cluster/test", own_cluster_views.my_cluster_test, name="my_cluster_test"),
    path("labs/my-cluster/delete", own_cluster_views.my_cluster_delete, name="my_cluster_delete"),
    # Classroom mode: a student's own namespace and kubeconfig.
    path(
        "classroom/namespaces/<slug:namespace>/kubeconfig",
        views.kubeconfig_download,
        name="kubeconfig",
    ),
    path("classroom/workspace/prepare", views.workspace_prepare, name="prepare"),
    path("terminal/", views.terminal_page, name="terminal"),
]
