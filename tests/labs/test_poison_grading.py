"""A grading run never stays "checking": poison clusters end as "could not grade", tries are capped.

The worker's task runs here in the test process (``apply``); the misbehaving
API server is a real HTTPS server on loopback. tests/labs/test_lab_flow.py
runs the same task in real worker processes.
"""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes import services as class_services
from core import crypto
from labs import runs
from labs.models import Lab, LabSubmission, SubmissionStatus
from labs.tasks import MAX_TRIES, grade_submission, reap_submissions
from tests.kube.test_poison_clusters import drip, json_server, serve_raw
from tests.kube.test_untrusted_clusters import self_signed
from workspaces.models import StudentCluster

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120)]


@pytest.fixture
def tls(tmp_path):  # type: ignore[no-untyped-def]
    return self_signed(tmp_path)


def own_cluster_submission(user, port: int, tls, settings) -> LabSubmission:  # type: ignore[no-untyped-def]
    settings.TUTOR_STUDENT_CLUSTERS = True
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = [f"127.0.0.1:{port}"]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "own",
                "cluster": {
                    "server": f"https://127.0.0.1:{port}",
                    "certificate-authority-data": base64.b64encode(tls[0].read_bytes()).decode(),
                },
            }
        ],
        "users": [{"name": "me", "user": {"token": "t"}}],
        "contexts": [
            {"name": "own", "context": {"cluster": "own", "user": "me", "namespace": "labs"}}
        ],
        "current-context": "own",
    }
    StudentCluster.objects.create(
        user=user, kubeconfig_encrypted=crypto.encrypt(yaml.safe_dump(config)), context="own",
        server=f"https://127.0.0.1:{port}", namespace="labs",
    )  # fmt: skip
    lab = Lab.objects.filter(is_published=True).order_by("slug").first()
    assert lab is not None
    return LabSubmission.objects.create(
        user=user, lab=lab, namespace="labs", on_student_cluster=True, max_score=lab.max_score
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "answers",
    [
        {"/api/v1": ["pods"], "/apis/apps/v1": ["x"], "/apis/rbac.authorization.k8s.io/v1": [1]},
        {"/api/v1": {"resources": [{"name": "pods", "kind": "Pod", "namespaced": True}]},
         "/api/v1/namespaces/labs/pods": {"items": "not a list"}},
    ],
    ids=["discovery-is-a-list", "items-not-a-list"],
)  # fmt: skip
def test_a_cluster_answering_the_wrong_shape_ends_as_could_not_grade(alice, tls, settings, answers):
    # A lab's checks may wait ("eventually") for what the cluster does not show: the run's
    # budget ends that wait too.
    settings.TUTOR_STUDENT_CLUSTER_GRADE_SECONDS = 3
    for port in json_server(answers, tls):
        submission = own_cluster_submission(alice, port, tls, settings)
        grade_submission.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ERROR
    assert submission.error.startswith("Your work could not be checked"), submission.error
    assert submission.tries == 1  # no retry: the student checks again


@pytest.mark.django_db
def test_a_dripping_cluster_is_given_up_on_within_the_run_budget(alice, tls, settings):
    settings.TUTOR_STUDENT_CLUSTER_GRADE_SECONDS = 2
    for port in serve_raw(lambda c: drip(c, b"HTTP/1.1 200 OK\r\nX: " + b"a" * 500, 0.3), tls):
        submission = own_cluster_submission(alice, port, tls, settings)
        started = time.monotonic()
        grade_submission.apply(args=[submission.pk])
        assert time.monotonic() - started < 6
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ERROR
    assert submission.error.startswith("Your cluster did not answer"), submission.error
    assert "did not finish answering" in submission.error_detail, submission.error_detail


@pytest.mark.django_db
def test_an_unexpected_failure_still_ends_the_submission(alice, settings, monkeypatch):
    lab = Lab.objects.filter(is_published=True).order_by("slug").first()
    submission = LabSubmission.objects.create(user=alice, lab=lab, namespace="x", max_score=1)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AttributeError("'list' object has no attribute 'get'")

    monkeypatch.setattr("labs.tasks.resolve.connect", broken)
    grade_submission.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ERROR
    assert "unexpected problem" in submission.error and "'list'" not in submission.error
    assert "AttributeError" in submission.error_detail  # the operator's side


@pytest.mark.django_db
def test_the_reaper_gives_up_after_the_last_try(alice, settings):
    lab = Lab.objects.filter(is_published=True).order_by("slug").first()
    long_ago = timezone.now() - timedelta(seconds=settings.LAB_GRADE_HARD_SECONDS + 60)
    worn = LabSubmission.objects.create(
        user=alice, lab=lab, namespace="x", status=SubmissionStatus.RUNNING,
        claimed_at=long_ago, tries=MAX_TRIES,
    )  # fmt: skip
    fresh = LabSubmission.objects.create(
        user=alice, lab=lab, namespace="x", status=SubmissionStatus.RUNNING,
        claimed_at=long_ago, tries=1, on_student_cluster=True,
    )  # fmt: skip
    assert runs.stuck_submissions(max_tries=MAX_TRIES) == [(fresh.pk, True)]
    worn.refresh_from_db()
    assert worn.status == SubmissionStatus.ERROR
    assert f"started {MAX_TRIES} times and never finished" in worn.error
    fresh.refresh_from_db()
    assert fresh.status == SubmissionStatus.QUEUED


@pytest.mark.django_db
def test_the_reaper_sends_students_clusters_to_their_queue(alice, settings, monkeypatch):
    lab = Lab.objects.filter(is_published=True).order_by("slug").first()
    long_ago = timezone.now() - timedelta(seconds=settings.LAB_QUEUED_STALE_SECONDS + 60)
    own = LabSubmission.objects.create(user=alice, lab=lab, namespace="x", on_student_cluster=True)
    LabSubmission.objects.filter(pk=own.pk).update(created_at=long_ago)
    sent: list[dict] = []
    monkeypatch.setattr(grade_submission, "apply_async", lambda args, **o: sent.append(o))
    assert reap_submissions() == 1
    assert sent[0]["queue"] == "student-clusters"
    assert sent[0]["soft_time_limit"] == settings.TUTOR_STUDENT_CLUSTER_GRADE_SECONDS + 15


@pytest.mark.django_db
def test_the_instructor_sees_what_could_not_be_graded(carol, alice):
    cohort = class_services.cohort_create(name="K8s", instructor=carol)
    class_services.cohort_join(user=alice, code=cohort.join_code)
    lab = Lab.objects.filter(is_published=True).order_by("slug").first()
    failed = LabSubmission.objects.create(user=alice, lab=lab, namespace="x", max_score=1)
    runs.fail(failed, "Your work could not be checked: the tutor met an unexpected problem")
    client = Client()
    client.force_login(carol)
    page = client.get(reverse("classes_instructor:cohort", args=[cohort.pk])).content.decode()
    assert "Could not grade: 1 lab submission in the last 7 days" in page
    assert reverse("classes_instructor:submission", args=[cohort.pk, failed.pk]) in page
