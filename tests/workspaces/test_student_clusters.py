"""A student's own cluster: the opt-in upload page, its refusals, and grading with it.

The pages run in Django's test client; the grading test uses the real API
server, with a kubeconfig the classroom mode issues (a ServiceAccount token
for one namespace), which is what a school's students would upload.
"""

from __future__ import annotations

import io
import urllib.parse
from collections.abc import Iterator

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from core import crypto
from kube import Cluster as KubeCluster
from kube import parse_kubeconfig
from labs.models import Lab, LabSubmission, SubmissionStatus
from labs.tasks import grade_submission
from tests.cluster.fixtures import Cluster
from tests.workspaces.test_classroom import POD_READER
from workspaces import classroom
from workspaces.models import StudentCluster, StudentNamespace
from workspaces.own_cluster import student_cluster_connect, student_cluster_test

TOKEN = "s3cr3t-student-token-value"
PAGE = "/labs/my-cluster/"


def kubeconfig(server: str = "https://127.0.0.1:1", namespace: str = "labs", **user: object) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "kind", "cluster": {"server": server}}],
            "users": [{"name": "me", "user": user or {"token": TOKEN}}],
            "contexts": [
                {
                    "name": "kind-lab",
                    "context": {"cluster": "kind", "user": "me", "namespace": namespace},
                }
            ],
            "current-context": "kind-lab",
        }
    )


@pytest.fixture
def enabled(settings, db):  # type: ignore[no-untyped-def]
    settings.TUTOR_STUDENT_CLUSTERS = True
    # Entries carry a port (443 and 6443 without one): nothing listens on port 1.
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = ["127.0.0.1:1"]


def test_it_does_not_exist_unless_the_operator_enables_it(alice_client):
    for path in (PAGE, PAGE + "test", PAGE + "delete"):
        method = alice_client.get if path == PAGE else alice_client.post
        assert method(path).status_code == 404
    lab_page = alice_client.get(reverse("labs:lab", kwargs={"slug": "rbac-pod-reader"}))
    assert PAGE not in lab_page.content.decode()


def test_visitors_are_sent_to_log_in(client, enabled):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(PAGE + "delete").status_code == 302
    assert not StudentCluster.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Choose a kubeconfig file or paste one."),
        ({"kubeconfig": "   \n"}, "Choose a kubeconfig file or paste one."),
        ({"kubeconfig": "clusters: ["}, "not valid YAML"),
        ({"kubeconfig": "- just\n- a list\n"}, "no `clusters` list"),
        ({"kubeconfig": "x" * 70_000}, "larger than 64 KiB"),
        ({"kubeconfig": kubeconfig(exec={"command": "/bin/sh"})}, "would run a program"),
        ({"kubeconfig": kubeconfig(tokenFile="/var/run/secrets/token")}, "would read a file"),
        ({"kubeconfig": kubeconfig(server="https://169.254.169.254")}, "link-local"),
        ({"kubeconfig": kubeconfig(server="http://127.0.0.1:6443")}, "https://"),
        ({"kubeconfig": kubeconfig(server="https://10.1.2.3:6443")}, "not on the allow-list"),
        ({"kubeconfig": kubeconfig(), "context": "nope"}, "context &#x27;nope&#x27; is not in"),
        ({"kubeconfig": kubeconfig(), "namespace": "Not_A_Namespace"}, "is not a namespace name"),
        ({"kubeconfig": kubeconfig(namespace="x" * 64)}, "is not a namespace name"),
        ({"kubeconfig": kubeconfig(), "namespace": "x" * 64}, "at most 63 characters"),
    ],
)
def test_bad_kubeconfigs_get_a_clear_error_and_nothing_is_kept(
    alice_client, enabled, data, message
):
    response = alice_client.post(PAGE, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not StudentCluster.objects.exists()


def test_uploads_that_are_too_big_or_not_text_are_refused(alice_client, enabled):
    big = io.BytesIO(b"a: b\n" * 20_000)
    big.name = "config"
    response = alice_client.post(PAGE, {"upload": big})
    assert response.status_code == 400 and "larger than 64 KiB" in response.content.decode()
    binary = io.BytesIO(b"\xff\xfe\x00binary")
    binary.name = "config"
    response = alice_client.post(PAGE, {"upload": binary})
    assert response.status_code == 400 and "not text" in response.content.decode()
    assert not StudentCluster.objects.exists()


def test_a_kubeconfig_is_kept_encrypted_and_never_shown_again(alice_client, alice, enabled):
    upload = io.BytesIO(kubeconfig().encode())
    upload.name = "config"
    response = alice_client.post(PAGE, {"upload": upload})
    # Nothing listens on port 1: saved all the same, with what the test found.
    assert response.status_code == 302
    saved = StudentCluster.objects.get(user=alice)
    assert (saved.server, saved.context, saved.namespace) == (
        "https://127.0.0.1:1",
        "kind-lab",
        "labs",
    )
    assert TOKEN not in saved.kubeconfig_encrypted
    assert TOKEN in crypto.decrypt(saved.kubeconfig_encrypted)
    # A worker tests the connection (tests/workspaces/test_own_cluster_hostile.py); here, its code.
    assert saved.test_pending
    student_cluster_test(saved)
    assert saved.checked_at is not None and "https://127.0.0.1:1" in saved.problem
    page = alice_client.get(PAGE)
    html = page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    assert "https://127.0.0.1:1" in html and "kind-lab" in html and TOKEN not in html
    lab_page = alice_client.get(reverse("labs:lab", kwargs={"slug": "rbac-pod-reader"})).content
    assert b"Your own cluster:" in lab_page and b"https://127.0.0.1:1" in lab_page


def test_each_student_has_their_own_and_removing_it_goes_back_to_the_tutors(
    client, alice, bob, enabled
):
    client.force_login(alice)
    client.post(PAGE, {"kubeconfig": kubeconfig(), "namespace": "alice-labs"})
    client.force_login(bob)
    assert "alice-labs" not in client.get(PAGE).content.decode()
    client.post(PAGE + "delete")  # bob has none: nothing happens to alice's
    assert StudentCluster.objects.filter(user=alice).exists()
    client.force_login(alice)
    assert client.post(PAGE + "delete").status_code == 302
    assert not StudentCluster.objects.exists()


def test_changes_need_the_csrf_token(alice, enabled):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    for path in (PAGE, PAGE + "test", PAGE + "delete"):
        assert client.post(path, {"kubeconfig": kubeconfig()}).status_code == 403
    assert not StudentCluster.objects.exists()


def test_the_allow_list_is_checked_again_when_a_worker_connects(
    alice_client, alice, enabled, settings
):
    alice_client.post(PAGE, {"kubeconfig": kubeconfig()})
    saved = StudentCluster.objects.get(user=alice)
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = ["k8s.school.edu:1"]
    with pytest.raises(Exception, match="not on the allow-list"):
        student_cluster_connect(saved)
    settings.TUTOR_STUDENT_CLUSTERS = False
    with pytest.raises(Exception, match="turned off by the operator"):
        student_cluster_connect(saved)


# --- grading on it ------------------------------------------------------------------------


@pytest.fixture
def issued(cluster: Cluster, settings, db, alice) -> Iterator[StudentNamespace]:  # type: ignore[no-untyped-def]
    """A namespace and a ServiceAccount kubeconfig for it, as a school would hand out."""
    settings.TUTOR_KUBECONFIG = str(cluster.kubeconfig)
    settings.TUTOR_KUBE_CONTEXT = cluster.context or ""
    tutor = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    row = classroom.student_namespace_provision(cluster=tutor, user=alice)
    try:
        yield row
    finally:
        tutor.delete_namespace(row.namespace)
        tutor.close()


@pytest.mark.cluster
def test_a_lab_is_graded_on_the_students_cluster_with_their_credentials(
    issued, alice, enabled, settings
):
    # Local mode: the tutor's own cluster would be graded in TUTOR_LAB_NAMESPACE.
    settings.TUTOR_MODE = "local"
    settings.TUTOR_LAB_NAMESPACE = "default"
    text = classroom.student_kubeconfig_text(student_namespace=issued)
    student = KubeCluster.from_kubeconfig(parse_kubeconfig(text))
    try:
        student.apply(POD_READER, issued.namespace)
    finally:
        student.close()
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = [urllib.parse.urlsplit(issued.cluster_server).netloc]
    client = Client()
    client.force_login(alice)
    assert client.post(PAGE, {"kubeconfig": text}).status_code == 302
    saved = student_cluster_test(StudentCluster.objects.get(user=alice))
    assert saved.namespace == issued.namespace and saved.problem == "", saved.problem
    assert saved.kubernetes_version.startswith("v1.")
    lab = Lab.objects.get(slug="rbac-pod-reader")
    assert client.post(reverse("labs:check", kwargs={"slug": lab.slug})).status_code == 302
    submission = LabSubmission.objects.get(user=alice, lab=lab)
    assert submission.on_student_cluster and submission.namespace == issued.namespace
    assert submission.cluster_server == saved.server
    # The worker's code, run here (test_lab_flow runs real workers).
    grade_submission.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE, submission.error
    results = {r["id"]: r for r in submission.results}
    # What the student's credentials can read is graded...
    for check in ("role-exists", "role-read-only", "binding-subject-bob", "binding-role-ref"):
        assert results[check]["passed"], results[check]
    # ...and a question only an administrator may ask fails with the reason.
    access = results["bob-can-list-pods"]
    assert not access["passed"] and "may not create SubjectAccessReviews" in access["message"]
    page = client.get(submission.get_absolute_url()).content.decode()
    assert "Your own cluster:" in page


@pytest.mark.cluster
def test_a_removed_own_cluster_fails_the_waiting_submission_clearly(
    issued, alice, enabled, settings
):
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = [urllib.parse.urlsplit(issued.cluster_server).netloc]
    text = classroom.student_kubeconfig_text(student_namespace=issued)
    client = Client()
    client.force_login(alice)
    client.post(PAGE, {"kubeconfig": text})
    client.post(reverse("labs:check", kwargs={"slug": "rbac-pod-reader"}))
    submission = LabSubmission.objects.get(user=alice)
    client.post(PAGE + "delete")
    grade_submission.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.ERROR
    assert "your own cluster was removed" in submission.error
