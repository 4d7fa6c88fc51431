"""The lab page: live checks (start, poll, stop, who sees what) and what it says when it cannot check.

The cluster is real: either the test cluster (`cluster` fixture), or a
kubeconfig pointing at a loopback port where nothing listens, which is what
a tutor without a cluster really meets. No worker runs here: the live run's
message is captured unsent (``django_capture_on_commit_callbacks``); the
worker side is tested in test_live_runs.py.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth.models import User
from django.utils import timezone

from labs.models import Lab, LabSubmission, LiveCheck, LiveStatus, LiveStop, SubmissionStatus
from lessons.models import Chapter
from tests.cluster.fixtures import Cluster
from tests.conftest import free_port

pytestmark = pytest.mark.django_db

CHECKS: list[dict[str, Any]] = [
    {"id": "web", "title": "The Deployment web exists", "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}},
    {"id": "ready", "title": "web has 2 ready replicas", "select": {"kind": "Deployment", "name": "web"},
     "expr": "status.readyReplicas", "min": 2, "eventually": 60},
    {"id": "svc", "title": "The Service web exists", "select": {"kind": "Service", "name": "web"}, "count": {"equals": 1}},
]  # fmt: skip


def make_lab() -> Lab:
    return Lab.objects.create(
        uuid=uuid.uuid4(), chapter=Chapter.objects.order_by("number").first(),
        slug=f"live-{uuid.uuid4().hex[:8]}", title="Live lab", estimated_minutes=10,
        kubernetes_versions=["1.35"], instructions_html="<p>Do it.</p>", checks=CHECKS,
        content_hash="x",
    )  # fmt: skip


@pytest.fixture
def no_cluster(settings, tmp_path: Path) -> None:
    """The tutor's kubeconfig names a loopback port where nothing listens."""
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "gone",
        "clusters": [{"name": "gone", "cluster": {"server": f"https://127.0.0.1:{free_port()}", "insecure-skip-tls-verify": True}}],
        "users": [{"name": "me", "user": {"token": "x"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "me"}}],
    }  # fmt: skip
    path = tmp_path / "gone.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    settings.TUTOR_KUBECONFIG = str(path)


@pytest.fixture
def with_cluster(settings, cluster: Cluster) -> None:
    settings.TUTOR_KUBECONFIG = str(cluster.kubeconfig)
    settings.TUTOR_KUBE_CONTEXT = cluster.context or ""


def htmx(client, method: str, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
    return getattr(client, method)(url, headers={"HX-Request": "true"}, **kwargs)


# --- without a cluster -------------------------------------------------------------------------


def test_without_a_cluster_the_student_reads_what_they_can_do(client, alice: User, no_cluster):
    lab = make_lab()
    client.force_login(alice)
    page = client.get(f"/labs/{lab.slug}/").content.decode()
    assert page.count("Your work cannot be checked right now") == 1
    assert "Nothing is lost" in page
    # The operator's details are there once, folded away for the instructor.
    assert page.count("make cluster-up") == 1 and page.count("TUTOR_KUBECONFIG") == 1
    note = re.search(r'<details class="instructor-note">.*?</details>', page, re.S).group(0)
    assert "make cluster-up" in note and "For your instructor" in note
    button = re.search(r"<button[^>]*>Check my work</button>", page).group(0)
    assert "disabled" in button
    # Live checks do not even try, and nothing is green.
    assert 'hx-trigger="load"' not in page and "rule-passed" not in page
    assert "These checks run once the lab cluster answers again" in page
    response = htmx(client, "post", f"/labs/{lab.slug}/live")
    assert response.status_code == 200 and not LiveCheck.objects.exists()


def test_a_submission_that_could_not_check_shows_no_progress_and_no_green(client, alice: User):
    lab = make_lab()
    submission = LabSubmission.objects.create(
        user=alice, lab=lab, namespace="default", status=SubmissionStatus.ERROR, max_score=3,
        error="The lab cluster did not answer, so your work could not be checked.",
        error_detail="cluster unreachable: connection refused. Start it with `make cluster-up`.",
        finished_at=timezone.now(),
    )  # fmt: skip
    client.force_login(alice)
    partial = htmx(client, "get", submission.get_absolute_url())
    body = partial.content.decode()
    assert partial.status_code == 286
    assert 'value="0"' in body and "Checks passed: 0 of 3" in body
    assert "rule-passed" not in body and "Could not check your work." in body
    assert body.count("make cluster-up") == 1
    assert re.search(r'<details class="instructor-note">.*make cluster-up.*</details>', body, re.S)


def test_progress_counts_checks_that_passed_not_checks_that_finished(client, alice: User):
    lab = make_lab()
    results = [
        {"id": "web", "title": "t", "passed": True, "message": "ok", "evidence": {}},
        {"id": "svc", "title": "t", "passed": False, "message": "Expected exactly 1 Service \"web\", found 0.", "evidence": {"selected": 0, "objects": []}},
        {"id": "ready", "title": "t", "passed": False, "waiting": True, "message": "m",
         "evidence": {"expr": "status.readyReplicas", "found": 1, "objects": [{"kind": "Deployment", "metadata": {"name": "web"}}]}},
    ]  # fmt: skip
    submission = LabSubmission.objects.create(
        user=alice, lab=lab, namespace="default", status=SubmissionStatus.RUNNING, results=results,
        max_score=3,
    )  # fmt: skip
    client.force_login(alice)
    body = htmx(client, "get", submission.get_absolute_url()).content.decode()
    assert 'value="33"' in body and "Checks passed: 1 of 3" in body
    assert "Checking your namespace… 3 of 3 checks looked at" in body
    # A check the grader still waits for says so, with what it sees now.
    assert (
        "Waiting up to 60 s for this to become true. Now: Deployment <code>web</code>: "
        "<code>status.readyReplicas</code> is <code>1</code>; the lab expects at least 2."
    ) in body
    assert (
        "Your namespace has 0 Services named <code>web</code>; the lab expects exactly 1." in body
    )
    assert body.count("rule-passed") == 1 and body.count("rule-waiting") == 1


def test_in_a_classroom_live_checks_wait_for_the_namespace(
    client, alice: User, settings, no_cluster
):
    settings.TUTOR_MODE = "classroom"
    lab = make_lab()
    client.force_login(alice)
    response = htmx(client, "post", f"/labs/{lab.slug}/live")
    assert response.status_code == 200 and not LiveCheck.objects.exists()


# --- with the cluster: starting, polling, stopping -----------------------------------------------


needs_cluster = pytest.mark.cluster


@needs_cluster
def test_opening_the_page_starts_one_live_run_and_polling_reads_it(
    client, alice: User, with_cluster, django_capture_on_commit_callbacks
):
    lab = make_lab()
    client.force_login(alice)
    page = client.get(f"/labs/{lab.slug}/").content.decode()
    assert f'hx-post="/labs/{lab.slug}/live" hx-trigger="load"' in page
    with django_capture_on_commit_callbacks() as sent:
        response = htmx(client, "post", f"/labs/{lab.slug}/live")
    assert len(sent) == 1  # one message to a live worker
    live = LiveCheck.objects.get(user=alice, lab=lab)
    assert live.status == LiveStatus.QUEUED and live.namespace == "default"
    body = response.content.decode()
    assert f'hx-get="/labs/{lab.slug}/live?v={live.revision}" hx-trigger="every 2s"' in body
    # A second tab, a reload: the same run goes on.
    with django_capture_on_commit_callbacks() as again:
        htmx(client, "post", f"/labs/{lab.slug}/live")
    assert again == [] and LiveCheck.objects.get(pk=live.pk).run_id == live.run_id
    # Polling: nothing new is a 204 (htmx leaves the page alone); new results are shown.
    assert htmx(client, "get", f"/labs/{lab.slug}/live?v={live.revision}").status_code == 204
    LiveCheck.objects.filter(pk=live.pk).update(
        status=LiveStatus.WATCHING, beat_at=timezone.now(), checked_at=timezone.now(),
        results=[{"id": "web", "title": "t", "passed": True, "message": "ok", "evidence": {}}],
        revision=live.revision + 1, mode="watch",
    )  # fmt: skip
    body = htmx(client, "get", f"/labs/{lab.slug}/live?v={live.revision}").content.decode()
    assert "1 of 3 checks pass" in body and body.count("rule-passed") == 1
    assert f"?v={live.revision + 1}" in body


@needs_cluster
def test_a_student_sees_only_their_own_live_results(client, alice: User, bob: User, with_cluster):
    lab = make_lab()
    LiveCheck.objects.create(
        user=alice, lab=lab, namespace="alice-ns", status=LiveStatus.WATCHING,
        beat_at=timezone.now(), deadline=timezone.now() + timedelta(minutes=5),
        results=[{"id": "svc", "title": "t", "passed": False, "message": "ALICE-ONLY", "evidence": {}}],
    )  # fmt: skip
    client.force_login(bob)
    response = htmx(client, "get", f"/labs/{lab.slug}/live")
    assert response.status_code == 286
    assert (
        "ALICE-ONLY" not in response.content.decode()
        and "alice-ns" not in response.content.decode()
    )
    client.force_login(alice)
    own = htmx(client, "get", f"/labs/{lab.slug}/live").content.decode()
    assert "<code>alice-ns</code>" in own and "0 of 3 checks pass" in own
    client.logout()
    assert client.get(f"/labs/{lab.slug}/live").status_code == 302
    assert client.post(f"/labs/{lab.slug}/live").status_code == 302
    assert LiveCheck.objects.count() == 1


@needs_cluster
@pytest.mark.parametrize(
    ("status", "change", "reason", "says"),
    [
        (LiveStatus.QUEUED, {"started_at": timedelta(seconds=-120)}, LiveStop.BUSY, "Live checks are not available right now"),
        (LiveStatus.WATCHING, {"beat_at": timedelta(seconds=-120)}, LiveStop.LOST, "Live checks stopped."),
        (LiveStatus.WATCHING, {"deadline": timedelta(seconds=-1)}, LiveStop.TIME, "Live checks paused after"),
    ],
)  # fmt: skip
def test_a_run_that_is_gone_stops_the_polling_and_offers_to_resume(
    client,
    alice: User,
    with_cluster,
    django_capture_on_commit_callbacks,
    status,
    change,
    reason,
    says,
):
    lab = make_lab()
    now = timezone.now()
    fields = {"started_at": now, "beat_at": now, "deadline": now + timedelta(minutes=5)}
    fields.update({k: now + v for k, v in change.items()})
    live = LiveCheck.objects.create(
        user=alice, lab=lab, namespace="default", status=status, **fields
    )
    client.force_login(alice)
    response = htmx(client, "get", f"/labs/{lab.slug}/live?v={live.revision}")
    assert response.status_code == 286
    body = response.content.decode()
    assert says in body and "hx-trigger" not in body.split(">", 1)[0]
    live.refresh_from_db()
    assert (live.status, live.stop_reason) == (LiveStatus.STOPPED, reason)
    with django_capture_on_commit_callbacks() as sent:
        resumed = htmx(client, "post", f"/labs/{lab.slug}/live")
    assert len(sent) == 1 and "every 2s" in resumed.content.decode()
    fresh = LiveCheck.objects.get(pk=live.pk)
    assert fresh.status == LiveStatus.QUEUED and fresh.run_id != live.run_id


@needs_cluster
def test_a_student_has_at_most_two_live_runs(client, alice: User, with_cluster, settings):
    settings.LAB_LIVE_PER_STUDENT = 2
    labs = [make_lab() for _ in range(3)]
    client.force_login(alice)
    for lab in labs:
        htmx(client, "post", f"/labs/{lab.slug}/live")
    runs = {r.lab_id: r for r in LiveCheck.objects.filter(user=alice)}
    assert [runs[lab.pk].status for lab in labs] == [
        LiveStatus.STOPPED,
        LiveStatus.QUEUED,
        LiveStatus.QUEUED,
    ]
    assert runs[labs[0].pk].stop_reason == LiveStop.OTHER_LAB
    body = htmx(client, "get", f"/labs/{labs[0].slug}/live").content.decode()
    assert "running on another lab" in body and "Run them here" in body
