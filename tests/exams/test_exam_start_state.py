"""An exam task taken from a lab that starts broken: its start state is created in the
exam's namespace before the clock starts, and its cluster-wide copies go with the namespace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exams import runs, services
from exams.content import read_exams
from exams.models import AttemptStatus, Exam, ExamAttempt
from kube import Cluster as KubeCluster
from tests.cluster.fixtures import Cluster
from tests.exams.factories import exam_data, make_exam, write_exam
from tests.labs.start_state_fixtures import START, write_start_state_lab
from tutor.content.registry import check_content
from workspaces.lab_state import LAB_LABEL


def test_a_task_from_a_lab_that_starts_broken_carries_its_start_state(tmp_path):
    write_start_state_lab(tmp_path)
    task = {"id": "fix", "lab": "broken-web", "title": "Fix web", "weight": 100,
            "checks": ["selects"], "prompt": "Fix the Service."}  # fmt: skip
    write_exam(tmp_path, exam_data(tasks=[task]))
    read = read_exams(tmp_path, check_content(tmp_path).sources["labs"], [])
    assert not read.errors, [str(e) for e in read.errors]
    [exam] = read.sources
    assert exam.tasks[0]["start_state"] == START
    assert exam.tasks[0]["start_steps"] == []


@pytest.fixture
def kube(cluster: Cluster) -> Iterator[KubeCluster]:
    tutor = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    yield tutor
    tutor.close()


@pytest.mark.cluster
@pytest.mark.django_db
def test_preparing_the_attempt_creates_the_broken_objects_first(
    settings, cluster: Cluster, kube: KubeCluster, tmp_path, alice
):
    settings.TUTOR_KUBECONFIG = str(cluster.kubeconfig)
    settings.TUTOR_KUBE_CONTEXT = cluster.context or ""
    settings.TUTOR_CLASSROOM_API_SERVER = ""
    settings.TUTOR_MODE = "local"
    exam = make_exam(tmp_path)
    tasks = exam.tasks
    tasks[0] = {**tasks[0], "lab": "broken-web", "start_state": START, "start_steps": []}
    Exam.objects.filter(pk=exam.pk).update(tasks=tasks)
    attempt, _ = services.exam_attempt_start(user=alice, exam=Exam.objects.get(pk=exam.pk))
    try:
        started = runs.prepare(attempt.pk)
        assert started is not None and started.status == AttemptStatus.IN_PROGRESS
        for kind, api_version in (("Deployment", "apps/v1"), ("Service", "v1")):
            [obj] = kube.list_objects(api_version, kind, started.namespace)
            assert obj["metadata"]["name"] == "web"
            assert obj["metadata"]["labels"][LAB_LABEL] == "broken-web"
        # The student's fix survives a second preparation (a retried task): nothing is overwritten.
        kube.patch(api_version="v1", kind="Service", name="web", namespace=started.namespace,
                   patch={"spec": {"selector": {"app": "web"}}})  # fmt: skip
        assert runs.start_tasks(runs.resolve.exam_workspace_of(started), started) == []
        service = kube.get_object("v1", "Service", "web", started.namespace)
        assert service["spec"]["selector"] == {"app": "web"}
    finally:
        for row in ExamAttempt.objects.all():
            kube.delete_namespace(row.namespace)
