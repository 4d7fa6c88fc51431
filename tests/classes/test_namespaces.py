"""A class's namespaces on the real API server (marker: cluster), and a regrade of real evidence.

The instructor provisions every student's namespace in one POST, with the
class's own quota; one student whose namespace cannot be made does not stop
the others and the summary says why. Ending the class and cleaning up
deletes the namespaces, except for a student still in another open class.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from classes import services
from classes.models import SubmissionRegrade
from kube import Cluster as KubeCluster
from kube import NotFound
from labs import runs
from labs.grader import apply_steps, grade
from labs.models import LabSubmission, SubmissionStatus
from tests.classes.conftest import make_lab
from tests.cluster.fixtures import Cluster
from workspaces.models import NamespaceRun, StudentNamespace
from workspaces.tasks import run_namespaces

pytestmark = pytest.mark.cluster

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


@pytest.fixture
def kube(cluster: Cluster) -> Iterator[KubeCluster]:
    tutor = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    yield tutor
    tutor.close()


@pytest.fixture
def classroom_mode(settings, cluster: Cluster, kube: KubeCluster, db) -> Iterator[None]:  # type: ignore[no-untyped-def]
    settings.TUTOR_MODE = "classroom"
    settings.TUTOR_KUBECONFIG = str(cluster.kubeconfig)
    settings.TUTOR_KUBE_CONTEXT = cluster.context or ""
    settings.TUTOR_CLASSROOM_API_SERVER = ""
    yield
    # Only the namespaces the tutor made (the `namespace` fixture deletes its own).
    for row in StudentNamespace.objects.filter(namespace__startswith="lfs158-"):
        kube.delete_namespace(row.namespace)


def phase(kube: KubeCluster, name: str) -> str:
    """Active, Terminating, or gone."""
    try:
        found = kube.request("GET", f"/api/v1/namespaces/{name}")
    except NotFound:
        return "gone"
    return "Terminating" if found["metadata"].get("deletionTimestamp") else "Active"


def said(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in get_messages(response.wsgi_request)]


def run_messages(client, cohort) -> list[str]:  # type: ignore[no-untyped-def]
    """What the newest namespace run says on the class page: its summary, then each failure."""
    html = client.get(
        reverse("classes_instructor:namespace_runs", args=[cohort.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    first = html.split('<div class="namespace-run">')[1]
    lines = re.findall(r"<strong>(.*?)</strong>|<li>(.*?)</li>", first, re.S)
    return [unescape(strong or item).strip() for strong, item in lines]


def test_a_whole_class_is_provisioned_and_cleaned_up(
    classroom_mode, kube, carol_client, cohort, alice, bob, django_user_model, dave, namespace
):
    # bob and erin are in carol's class too; erin is also in dave's open class.
    erin = django_user_model.objects.create_user("erin")
    frank = django_user_model.objects.create_user("frank")
    services.cohort_join(user=bob, code=cohort.join_code)
    services.cohort_join(user=erin, code=cohort.join_code)
    services.cohort_join(user=frank, code=cohort.join_code)
    evening = services.cohort_create(name="Evening class", instructor=dave)
    services.cohort_join(user=erin, code=evening.join_code)
    # frank's namespace name is taken by a namespace the tutor did not make.
    StudentNamespace.objects.create(user=frank, namespace=namespace, cluster_server="")
    services.cohort_quota_set(cohort=cohort, pods=3, cpu="", memory="1Gi")

    response = carol_client.post(reverse("classes_instructor:provision", args=[cohort.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#namespaces")
    # The request only starts the run; a worker provisions, and the page shows how far it got.
    assert said(response) == [
        "Namespaces provisioned: started for 4 students. A worker does it; the progress shows below."
    ]
    run = NamespaceRun.objects.get()
    page = carol_client.get(cohort.get_absolute_url()).content.decode()
    assert "waiting for a worker — 0 of 4" in page
    run_namespaces.apply(args=[run.pk])
    messages = run_messages(carol_client, cohort)
    assert messages[0] == "Namespaces provisioned: 3 of 4."
    assert messages[1].startswith("frank: failed (refused: the namespace")

    rows = {r.user.username: r for r in StudentNamespace.objects.select_related("user")}
    for name in ("alice", "bob", "erin"):
        assert rows[name].is_active, name
        assert phase(kube, rows[name].namespace) == "Active"
        [quota] = kube.list_objects("v1", "ResourceQuota", rows[name].namespace)
        hard = quota["spec"]["hard"]
        # The class's own pods and memory; the operator's default CPU.
        assert (hard["pods"], hard["limits.memory"], hard["limits.cpu"]) == ("3", "1Gi", "2")
    assert not rows["frank"].is_active

    page = carol_client.get(cohort.get_absolute_url()).content.decode()
    assert rows["alice"].namespace in page and "Provisioned" in page

    # Again: idempotent, nothing new.
    carol_client.post(reverse("classes_instructor:provision", args=[cohort.pk]))
    run_namespaces.apply(args=[NamespaceRun.objects.first().pk])
    assert run_messages(carol_client, cohort)[0] == "Namespaces provisioned: 3 of 4."

    carol_client.post(reverse("classes_instructor:end", args=[cohort.pk]), follow=True)
    carol_client.post(reverse("classes_instructor:cleanup", args=[cohort.pk]))
    run_namespaces.apply(args=[NamespaceRun.objects.first().pk])
    messages = run_messages(carol_client, cohort)
    assert messages[0] == (
        "Namespaces cleaned up: 2 of 4; skipped 1 (erin: still in the open class “Evening class”)."
    )
    # frank's row names a namespace the tutor did not make: refused, and said so.
    assert messages[1].startswith("frank: failed (refused: the namespace")
    for name in ("alice", "bob"):
        row = StudentNamespace.objects.get(user__username=name)
        assert row.cleaned_at is not None and row.kubeconfig_encrypted == ""
        assert phase(kube, row.namespace) in ("Terminating", "gone")
    assert StudentNamespace.objects.get(user=erin).is_active
    assert phase(kube, rows["erin"].namespace) == "Active"
    # The namespace the tutor did not make is untouched.
    assert phase(kube, namespace) == "Active"
    StudentNamespace.objects.filter(user=frank).delete()


def test_a_real_submission_is_regraded_from_its_evidence(
    classroom_mode, kube, carol_client, cohort, alice
):
    """Graded by the real grader on the real API server, then regraded without it."""
    wrong = {"id": "replicas", "title": "3 replicas", "select": {"kind": "Deployment", "name": "web"}, "expr": "spec.replicas", "equals": 3}  # fmt: skip
    exists = {"id": "exists", "title": "Deployment web", "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}}  # fmt: skip
    lab = make_lab([exists, wrong])
    row = services_provision(kube, alice)
    apply_steps(kube, row.namespace, DEPLOYMENT, [])
    submission = LabSubmission.objects.create(
        user=alice, lab=lab, namespace=row.namespace, max_score=lab.max_score
    )
    graded = grade(kube, lab.compiled_checks(), row.namespace)
    runs.finish(submission, graded.results)
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE and submission.score == 1

    # The lab's author fixes the check (the solution has 2 replicas), then the
    # namespace is gone: the regrade needs only the stored evidence.
    lab.checks = [exists, {**wrong, "title": "2 replicas", "equals": 2}]
    lab.save()
    kube.delete_namespace(row.namespace)

    response = carol_client.post(
        reverse("classes_instructor:regrade", args=[cohort.pk, submission.pk])
    )
    assert said(response) == [
        "Regraded from the stored evidence: 1/2 → 2/2. The old result is kept below."
    ]
    submission.refresh_from_db()
    assert (submission.score, submission.passed) == (2, True)
    record = SubmissionRegrade.objects.get(submission=submission)
    assert (record.old_score, record.new_score, record.regraded_by) == (
        1,
        2,
        cohort.instructors.get(),
    )
    assert [c["outcome"] for c in record.checks] == ["regraded", "regraded"]


def services_provision(kube: KubeCluster, user):  # type: ignore[no-untyped-def]
    from workspaces.classroom import student_namespace_provision

    return student_namespace_provision(cluster=kube, user=user)
