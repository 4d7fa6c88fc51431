"""Starting and resetting a lab through the database row and the worker's task.

The request side records a LabRun and enqueues its id on commit; the task
(called here directly, as a worker would run it) does the cluster work on the
real API server and records what it did.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kube import Cluster as KubeCluster
from labs import tasks as lab_tasks
from labs.footprint import lab_footprint
from labs.models import Lab, LabSubmission
from labs.submissions import lab_submission_create
from lessons.models import Chapter
from tests.cluster.fixtures import Cluster
from tests.labs.start_state_fixtures import CHECKS, START, lab_data
from workspaces import lab_runs, services, tasks
from workspaces.models import LabRun
from workspaces.resolve import workspace_for

pytestmark = [pytest.mark.cluster, pytest.mark.django_db]


@pytest.fixture
def local(settings, cluster: Cluster, namespace: str) -> str:
    """The tutor in local mode on the test cluster, grading in the test's namespace."""
    settings.TUTOR_KUBECONFIG = str(cluster.kubeconfig)
    settings.TUTOR_KUBE_CONTEXT = cluster.context or ""
    settings.TUTOR_MODE = "local"
    settings.TUTOR_LAB_NAMESPACE = namespace
    return namespace


def make_lab(start_state: str = START) -> Lab:
    data = lab_data()
    return Lab.objects.create(
        uuid=uuid.uuid4(), chapter=Chapter.objects.order_by("number").first(),
        slug=f"broken-{uuid.uuid4().hex[:6]}", title="Broken web", estimated_minutes=10,
        kubernetes_versions=["1.35"], instructions_html="<p>Fix it.</p>", checks=CHECKS[:1],
        troubleshooting=True, start_state=start_state, footprint=lab_footprint(data),
        content_hash="x",
    )  # fmt: skip


def services_of(cluster: Cluster, namespace: str) -> dict[str, Any]:
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    try:
        return {
            s["metadata"]["name"]: s["spec"].get("selector")
            for s in kube.list_objects("v1", "Service", namespace)
        }
    finally:
        kube.close()


def test_a_start_is_recorded_enqueued_on_commit_and_done_by_the_worker(
    alice, local, cluster, django_capture_on_commit_callbacks
):
    lab = make_lab()
    workspace = workspace_for(alice)
    with django_capture_on_commit_callbacks() as enqueued:
        run = services.lab_start(workspace, lab)
        again = services.lab_start(workspace, lab)  # a double click
    assert again.pk == run.pk and len(enqueued) == 1
    assert (run.status, run.action, run.namespace) == ("queued", "start", local)

    tasks.run_lab(run.pk)

    run.refresh_from_db()
    assert run.status == LabRun.Status.DONE and run.created == ["Deployment web", "Service web"]
    assert services_of(cluster, local) == {"web": {"app": "wbe"}}
    assert lab_runs.started(user_id=alice.pk, lab_uuid=lab.uuid, namespace=local)
    # A redelivered message finds the run done and changes nothing.
    tasks.run_lab(run.pk)
    assert LabRun.objects.get(pk=run.pk).finished_at == run.finished_at


def test_workspace_reset_returns_to_the_start_state(
    alice, local, cluster, django_capture_on_commit_callbacks
):
    lab = make_lab()
    workspace = workspace_for(alice)
    tasks.run_lab(services.lab_start(workspace, lab).pk)
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    kube.patch(
        api_version="v1",
        kind="Service",
        name="web",
        namespace=local,
        patch={"spec": {"selector": {"app": "web"}}},
    )
    kube.close()

    with django_capture_on_commit_callbacks():
        reset = services.workspace_reset(workspace, lab)
    tasks.run_lab(reset.pk)

    reset.refresh_from_db()
    assert reset.status == LabRun.Status.DONE, reset.error
    assert "Service web" in reset.deleted and reset.created == ["Deployment web", "Service web"]
    assert services_of(cluster, local) == {"web": {"app": "wbe"}}


def test_a_lab_the_cluster_cannot_create_says_why(alice, local, django_capture_on_commit_callbacks):
    lab = make_lab("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n")
    with django_capture_on_commit_callbacks():
        run = services.lab_start(workspace_for(alice), lab)
    tasks.run_lab(run.pk)
    run.refresh_from_db()
    assert run.status == LabRun.Status.ERROR
    assert "does not serve example.com/v1" in run.error


def test_the_first_check_starts_a_lab_that_never_was(
    alice, local, cluster, django_capture_on_commit_callbacks
):
    lab = make_lab()
    with django_capture_on_commit_callbacks():
        submission, _ = lab_submission_create(user=alice, lab=lab, workspace=workspace_for(alice))

    lab_tasks.grade_submission(submission.pk)

    submission = LabSubmission.objects.get(pk=submission.pk)
    [start] = LabRun.objects.filter(user=alice, lab_uuid=lab.uuid)
    assert (start.action, start.status) == ("start", "done")
    assert services_of(cluster, local) == {"web": {"app": "wbe"}}
    # The checks then say what to fix: the Service selects nothing.
    failed = [r["id"] for r in submission.results if not r["passed"]]
    assert "selects" in failed
    # A second check starts nothing again.
    with django_capture_on_commit_callbacks():
        second, _ = lab_submission_create(user=alice, lab=lab, workspace=workspace_for(alice))
    lab_tasks.grade_submission(second.pk)
    assert LabRun.objects.filter(user=alice, lab_uuid=lab.uuid).count() == 1


def test_the_reaper_puts_lost_runs_back_in_the_queue(alice):
    lab = make_lab()
    common = {
        "user": alice,
        "lab_uuid": lab.uuid,
        "lab_slug": lab.slug,
        "namespace": "ns",
        "action": "start",
    }
    fresh = LabRun.objects.create(**common)
    waiting = LabRun.objects.create(**common)
    lost = LabRun.objects.create(**common, status=LabRun.Status.RUNNING)
    long_ago = timezone.now() - timedelta(hours=1)
    LabRun.objects.filter(pk=waiting.pk).update(created_at=long_ago)
    LabRun.objects.filter(pk=lost.pk).update(claimed_at=long_ago)
    assert lab_runs.stuck_runs() == sorted([waiting.pk, lost.pk])
    assert LabRun.objects.get(pk=lost.pk).status == LabRun.Status.QUEUED
    assert fresh.pk not in lab_runs.stuck_runs()
