"""Exams on the real cluster: a fresh namespace per attempt, a time-out in the middle of a
task graded with partial credit from the cluster's state, a worker that dies while grading,
and the classroom namespace that the student's own credentials reach."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from exams import runs, services
from exams.models import AttemptStatus, ExamAttempt
from kube import Cluster as KubeCluster
from kube import NotFound
from tests.cluster.fixtures import Cluster, wait_for
from tests.exams.factories import make_exam
from tests.labs.lab_fixtures import MANIFESTS
from workspaces.models import StudentNamespace

pytestmark = [pytest.mark.cluster, pytest.mark.django_db]


@pytest.fixture
def kube(cluster: Cluster) -> Iterator[KubeCluster]:
    tutor = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    yield tutor
    tutor.close()


@pytest.fixture
def on_cluster(settings, cluster: Cluster, kube: KubeCluster) -> Iterator[None]:
    settings.TUTOR_KUBECONFIG = str(cluster.kubeconfig)
    settings.TUTOR_KUBE_CONTEXT = cluster.context or ""
    settings.TUTOR_CLASSROOM_API_SERVER = ""
    yield
    # Whatever a failing test left behind, before the database forgets the names.
    for attempt in ExamAttempt.objects.all():
        kube.delete_namespace(attempt.namespace)
    for row in StudentNamespace.objects.all():
        kube.delete_namespace(row.namespace)


def ready(kube: KubeCluster, namespace: str) -> bool:
    [deployment] = kube.list_objects("apps/v1", "Deployment", namespace) or [None]
    return bool(deployment and (deployment.get("status") or {}).get("readyReplicas") == 2)


def test_a_time_out_mid_task_and_a_dead_worker_lose_nothing(
    on_cluster, kube, tmp_path, alice, settings
):
    settings.TUTOR_MODE = "local"
    exam = make_exam(tmp_path)
    attempt, _ = services.exam_attempt_start(user=alice, exam=exam)
    started = runs.prepare(attempt.pk)
    assert started is not None and started.status == AttemptStatus.IN_PROGRESS
    namespace = started.namespace
    assert kube.list_objects("apps/v1", "Deployment", namespace) == []  # it starts empty
    assert started.deadline - started.started_at == timedelta(minutes=30)

    # The student finished the first task; in the second, the RoleBinding is still missing.
    kube.apply(MANIFESTS.rsplit("---\n", 1)[0], namespace)
    wait_for(lambda: ready(kube, namespace), "2 ready replicas of web")
    ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    assert attempt.pk in runs.stuck()["time_out"]
    assert runs.time_out(attempt.pk) is True

    # A worker takes it and dies before it stores anything...
    first = runs.claim(attempt.pk, worker="worker-1")
    assert first is not None
    ExamAttempt.objects.filter(pk=attempt.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    assert attempt.pk in runs.stuck()["grade"]
    # ...and the next one grades it from the namespace, which is still there.
    second = runs.claim(attempt.pk, worker="worker-2")
    assert second is not None and second.tries == 2
    runs.finish(second, runs.grade_tasks(second))
    runs.clean_up(second)

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED and attempt.timed_out
    web, rbac = attempt.results["web"], attempt.results["rbac"]
    assert (web["score"], web["points"], web["max_points"]) == (60, 4, 4)
    assert [(c["id"], c["passed"]) for c in rbac["checks"]] == [
        ("bob-lists", False),
        ("bob-no-secrets", True),
    ]
    assert rbac["score"] == 20  # partial credit: one of the task's two points
    assert (attempt.score, attempt.passed) == (80, True)

    # The namespace goes once the grade is stored (its evidence is in the results).
    def gone() -> bool:
        try:
            found = kube.request("GET", f"/api/v1/namespaces/{namespace}")
        except NotFound:
            return True
        return (found.get("status") or {}).get("phase") == "Terminating"

    wait_for(gone, "the exam namespace to be deleted", timeout=30)


def test_in_classroom_mode_the_students_own_credentials_reach_the_exam_namespace(
    on_cluster, kube, tmp_path, alice, settings
):
    settings.TUTOR_MODE = "classroom"
    exam = make_exam(tmp_path)
    attempt, _ = services.exam_attempt_start(user=alice, exam=exam)
    assert attempt.where == "classroom"
    started = runs.prepare(attempt.pk)
    assert started is not None
    own = StudentNamespace.objects.get(user=alice)
    subject = f"system:serviceaccount:{own.namespace}:student"
    assert kube.can_i(user=subject, groups=[], verb="create", resource="deployments",
                      group="apps", namespace=started.namespace)  # fmt: skip
    assert not kube.can_i(user=subject, groups=[], verb="create", resource="deployments",
                          group="apps", namespace="default")  # fmt: skip
    [quota] = kube.list_objects("v1", "ResourceQuota", started.namespace)
    assert quota["spec"]["hard"]["pods"] == str(settings.TUTOR_STUDENT_QUOTA_PODS)
