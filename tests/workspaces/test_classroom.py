"""Classroom mode against the real API server (marker: cluster).

Each student's namespace is provisioned on the test cluster, and the
kubeconfig the tutor hands out is used for real: what it may do in its own
namespace, what it may not do anywhere else. Every namespace a test creates
is deleted afterwards.
"""

from __future__ import annotations

import io
import re
import time
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import crypto
from kube import Cluster as KubeCluster
from kube import (
    Forbidden,
    Invalid,
    NotFound,
    Unauthorized,
    check_untrusted,
    parse_kubeconfig,
)
from labs.models import Lab, LabSubmission, SubmissionStatus
from labs.tasks import grade_submission
from tests.cluster.fixtures import Cluster, wait_for
from workspaces import classroom
from workspaces.models import StudentNamespace
from workspaces.resolve import workspace_for
from workspaces.tasks import prepare_workspace, refresh_kubeconfig

pytestmark = pytest.mark.cluster

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
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

GREEDY_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: greedy
spec:
  containers:
    - name: greedy
      image: nginx:1.27
      resources:
        requests: {memory: 3Gi}
        limits: {memory: 3Gi}
"""

# The solution of the RBAC lab (chapter 8), as a student would apply it.
POD_READER = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
  - apiGroups: [""]
    resources: [pods]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: read-pods
subjects:
  - kind: User
    name: bob
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
"""


@pytest.fixture
def kube(cluster: Cluster) -> Iterator[KubeCluster]:
    """The tutor's own credentials (the cluster fixture's admin kubeconfig)."""
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
    # Torn down before the database rolls back, so the rows still say what to delete.
    for row in StudentNamespace.objects.all():
        kube.delete_namespace(row.namespace)


def provision(kube: KubeCluster, user: User) -> StudentNamespace:
    return classroom.student_namespace_provision(cluster=kube, user=user)


def student_cluster(row: StudentNamespace) -> KubeCluster:
    text = classroom.student_kubeconfig_text(student_namespace=row)
    return KubeCluster.from_kubeconfig(parse_kubeconfig(text))


def names(kube: KubeCluster, api_version: str, kind: str, namespace: str) -> set[str]:
    return {o["metadata"]["name"] for o in kube.list_objects(api_version, kind, namespace)}


def versions(kube: KubeCluster, namespace: str) -> dict[str, str]:
    """The resourceVersion of each object the tutor made: unchanged when nothing changed."""
    kinds = [("v1", "ServiceAccount"), ("rbac.authorization.k8s.io/v1", "Role"),
             ("rbac.authorization.k8s.io/v1", "RoleBinding"), ("v1", "ResourceQuota"),
             ("v1", "LimitRange")]  # fmt: skip
    found = {
        f"/api/v1/namespaces/{namespace}": kube.request("GET", f"/api/v1/namespaces/{namespace}")
    }
    for api_version, kind in kinds:
        for obj in kube.list_objects(api_version, kind, namespace):
            found[f"{kind}/{obj['metadata']['name']}"] = obj
    return {key: obj["metadata"]["resourceVersion"] for key, obj in found.items()}


def deleted(kube: KubeCluster, namespace: str) -> bool:
    """Gone, or on its way (terminating)."""
    try:
        found = kube.request("GET", f"/api/v1/namespaces/{namespace}")
    except NotFound:
        return True
    return bool(found["metadata"].get("deletionTimestamp"))


def token_of(row: StudentNamespace) -> str:
    config = yaml.safe_load(classroom.student_kubeconfig_text(student_namespace=row))
    return str(config["users"][0]["user"]["token"])


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ["alice", "Alice.Smith+lab@example.com", "___", "Ünïcödé_user", "x" * 150, "a-" * 60],
)
def test_it_names_namespaces_as_valid_dns_labels(username: str):
    joined = timezone.now()
    name = classroom.student_namespace_name(User(pk=7, username=username, date_joined=joined))
    assert len(name) <= 63
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name), name
    assert name.startswith("lfs158-")
    same = User(pk=7, username=username, date_joined=joined)
    assert classroom.student_namespace_name(same) == name
    # Another account, or a new one that reuses the id, gets another namespace.
    for other in (
        User(pk=8, username=username, date_joined=joined),
        User(pk=7, username=username, date_joined=joined + timedelta(seconds=1)),
    ):
        assert classroom.student_namespace_name(other) != name


# --- provisioning -------------------------------------------------------------------------


def test_it_provisions_exactly_the_student_objects_and_again_changes_nothing(
    classroom_mode, kube, alice
):
    row = provision(kube, alice)
    ns = row.namespace
    assert ns.startswith("lfs158-alice-") and row.is_active
    namespace = kube.request("GET", f"/api/v1/namespaces/{ns}")
    assert namespace["metadata"]["labels"][classroom.STUDENT_LABEL] == str(alice.pk)
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    assert names(kube, "v1", "ServiceAccount", ns) == {"default", "student"}
    assert names(kube, "rbac.authorization.k8s.io/v1", "Role", ns) == {"student"}
    assert names(kube, "rbac.authorization.k8s.io/v1", "RoleBinding", ns) == {"student"}
    assert names(kube, "v1", "ResourceQuota", ns) == {"student"}
    assert names(kube, "v1", "LimitRange", ns) == {"student"}
    for kind in ("Pod", "Service", "Secret"):
        assert names(kube, "v1", kind, ns) == set(), kind
    [binding] = kube.list_objects("rbac.authorization.k8s.io/v1", "RoleBinding", ns)
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "student", "namespace": ns}]
    [quota] = kube.list_objects("v1", "ResourceQuota", ns)
    assert quota["spec"]["hard"]["pods"] == "10" and quota["spec"]["hard"]["limits.memory"] == "2Gi"
    assert row.token_expires_at is not None
    assert timedelta(hours=11) < row.token_expires_at - timezone.now() <= timedelta(hours=12)

    before = versions(kube, ns)
    again = provision(kube, alice)
    assert again.pk == row.pk and again.namespace == ns
    assert again.kubeconfig_encrypted == row.kubeconfig_encrypted  # the good token is kept
    assert StudentNamespace.objects.count() == 1
    assert versions(kube, ns) == before, "a second provisioning changed objects"


def test_the_kubeconfig_works_in_its_namespace_only(classroom_mode, kube, alice, namespace):
    row = provision(kube, alice)
    ns = row.namespace
    config = parse_kubeconfig(classroom.student_kubeconfig_text(student_namespace=row))
    host = urllib.parse.urlsplit(kube.server).netloc  # allow-list entries carry the port
    # Nothing in it runs a program or reads a file: the CA and the token are inline.
    check_untrusted(config, context=None, allowed_hosts=[host])
    student = KubeCluster.from_kubeconfig(config)
    try:
        assert student.default_namespace == ns
        assert student.list_objects("v1", "Pod", ns) == []
        with pytest.raises(Forbidden):
            student.list_objects("v1", "Pod", namespace)
        with pytest.raises(Forbidden):
            student.request("GET", "/api/v1/nodes")

        student.apply(DEPLOYMENT, ns)
        # The LimitRange gives the plain container what the quota demands.
        pods = wait_for(lambda: kube.list_objects("v1", "Pod", ns), "the Deployment's Pod")
        limits = pods[0]["spec"]["containers"][0]["resources"]["limits"]
        assert limits == {"cpu": "200m", "memory": "200Mi"}

        with pytest.raises(Forbidden, match="exceeded quota"):
            student.apply(GREEDY_POD, ns)
        # Nor may the student lift the quota, reach for more rights, or mint tokens.
        with pytest.raises(Forbidden):
            student.patch(api_version="v1", kind="ResourceQuota", name="student", namespace=ns,
                          patch={"spec": {"hard": {"pods": "1000"}}})  # fmt: skip
        # An extra quota (chapter 15's lab) may be created: it can only restrict further.
        student.request("POST", f"/api/v1/namespaces/{ns}/resourcequotas", body={
            "apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "lab-quota"},
            "spec": {"hard": {"configmaps": "20"}},
        })  # fmt: skip
        with pytest.raises(Forbidden):
            student.request("DELETE", f"/api/v1/namespaces/{ns}/resourcequotas/student")
        with pytest.raises(Forbidden):
            student.apply(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: mine}\n"
                "subjects: [{kind: ServiceAccount, name: student, namespace: " + ns + "}]\n"
                "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\n",
                ns,
            )
        with pytest.raises(Forbidden):
            student.request(
                "POST", f"/api/v1/namespaces/{ns}/serviceaccounts/student/token",
                body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
            )  # fmt: skip
        with pytest.raises(Forbidden):
            student.request("POST", "/api/v1/namespaces", body={"metadata": {"name": ns + "-x"}})
    finally:
        student.close()


def test_grading_runs_in_the_students_namespace_with_the_tutors_credentials(
    classroom_mode, kube, alice
):
    lab = Lab.objects.get(slug="rbac-pod-reader")
    row = provision(kube, alice)
    namespace = row.namespace
    assert workspace_for(alice).namespace == namespace
    student = student_cluster(row)
    try:
        # Creating a Role needs the rights it grants: the student holds them.
        student.apply(POD_READER, namespace)
    finally:
        student.close()
    client = Client()
    client.force_login(alice)
    response = client.post(reverse("labs:check", kwargs={"slug": lab.slug}))
    assert response.status_code == 302
    submission = LabSubmission.objects.get(user=alice, lab=lab)
    assert submission.namespace == namespace
    # The worker's code, run here: the access checks are SubjectAccessReviews,
    # which only the tutor's own credentials may make.
    grade_submission.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE, submission.error
    assert submission.passed, submission.results


def test_lab_namespace_is_the_setting_in_local_mode(settings, alice):
    settings.TUTOR_MODE = "local"
    settings.TUTOR_LAB_NAMESPACE = "somewhere"
    assert workspace_for(alice).namespace == "somewhere"
    assert not StudentNamespace.objects.exists()


def test_a_worker_prepares_the_namespace_before_grading(classroom_mode, kube, alice):
    """A lab page never provisions; checking one's work does, in the worker."""
    lab = Lab.objects.get(slug="rbac-pod-reader")
    client = Client()
    client.force_login(alice)
    assert client.get(lab.get_absolute_url()).status_code == 200
    assert not StudentNamespace.objects.exists()
    response = client.post(reverse("labs:check", kwargs={"slug": lab.slug}))
    assert response.status_code == 302
    submission = LabSubmission.objects.get(user=alice, lab=lab)
    assert submission.namespace == classroom.student_namespace_name(alice)
    grade_submission.apply(args=[submission.pk])
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.DONE, submission.error
    row = StudentNamespace.objects.get(user=alice)
    assert row.is_active and row.namespace == submission.namespace
    assert kube.request("GET", f"/api/v1/namespaces/{row.namespace}")


# --- the download -------------------------------------------------------------------------


def test_the_lab_page_offers_the_kubeconfig_and_only_its_owner_gets_it(
    classroom_mode, kube, alice, bob
):
    lab = Lab.objects.get(slug="rbac-pod-reader")
    alice_client = Client()
    alice_client.force_login(alice)
    first = alice_client.get(lab.get_absolute_url()).content.decode()
    # A GET never provisions: the page offers to, and a worker does it.
    assert not StudentNamespace.objects.exists() and "Prepare my namespace" in first
    prepared = alice_client.post(reverse("workspaces:prepare"), {"next": lab.get_absolute_url()})
    assert prepared.status_code == 302 and prepared["Location"] == lab.get_absolute_url()
    prepare_workspace.apply(args=[alice.pk])
    page = alice_client.get(lab.get_absolute_url())
    row = StudentNamespace.objects.get(user=alice)
    url = reverse("workspaces:kubeconfig", kwargs={"namespace": row.namespace})
    assert page.status_code == 200
    html = page.content.decode()
    assert row.namespace in html and "Download my kubeconfig" in html and url in html

    response = alice_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{row.namespace}.kubeconfig"'
    assert "no-store" in response["Cache-Control"]
    config = parse_kubeconfig(response.content.decode())
    assert config["contexts"][0]["context"]["namespace"] == row.namespace
    assert config["users"][0]["user"]["token"] == token_of(row)

    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert "Download my kubeconfig" not in Client().get(lab.get_absolute_url()).content.decode()


def test_an_expired_token_is_replaced_on_download(classroom_mode, kube, alice):
    row = provision(kube, alice)
    old_token = token_of(row)
    StudentNamespace.objects.filter(pk=row.pk).update(
        token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    client = Client()
    client.force_login(alice)
    # The web process asks a worker for the new token, and the page waits for it.
    waiting = client.get(row.get_absolute_url())
    assert waiting.status_code == 503 and "Preparing a fresh kubeconfig" in waiting.content.decode()
    assert token_of(StudentNamespace.objects.get(pk=row.pk)) == old_token
    refresh_kubeconfig.apply(args=[row.pk])
    response = client.get(row.get_absolute_url())
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.token_expires_at > timezone.now() + timedelta(hours=11)
    new_token = yaml.safe_load(response.content)["users"][0]["user"]["token"]
    assert new_token != old_token and new_token == token_of(row)
    student = student_cluster(row)
    try:
        assert student.list_objects("v1", "ConfigMap", row.namespace) is not None
    finally:
        student.close()


def test_the_kubeconfig_is_encrypted_at_rest(classroom_mode, kube, alice):
    row = provision(kube, alice)
    token = token_of(row)
    table = StudentNamespace._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT kubeconfig_encrypted FROM {table} WHERE id = %s", [row.pk])  # noqa: S608
        [stored] = cursor.fetchone()
    assert token not in stored and "token" not in stored and row.namespace not in stored
    assert token in crypto.decrypt(stored)


# --- cleanup ------------------------------------------------------------------------------


def test_cleanup_deletes_the_namespace_and_keeps_the_record(classroom_mode, kube, alice):
    row = provision(kube, alice)
    lab = Lab.objects.get(slug="rbac-pod-reader")
    LabSubmission.objects.create(user=alice, lab=lab, namespace=row.namespace)
    student = student_cluster(row)
    classroom.student_namespace_cleanup(cluster=kube, student_namespace=row)
    row.refresh_from_db()
    assert row.cleaned_at is not None and row.kubeconfig_encrypted == ""
    assert LabSubmission.objects.filter(user=alice, namespace=row.namespace).exists()

    def gone() -> bool:
        try:
            kube.request("GET", f"/api/v1/namespaces/{row.namespace}")
        except NotFound:
            return True
        return False

    wait_for(gone, "the namespace to be deleted", timeout=90)

    def refused() -> bool:
        try:
            student.list_objects("v1", "Pod", row.namespace)
        except (Unauthorized, Forbidden):
            return True
        return False

    try:
        wait_for(refused, "the student's token to stop working", timeout=30)
    finally:
        student.close()
    client = Client()
    client.force_login(alice)
    assert client.get(row.get_absolute_url()).status_code == 404
    # Provisioning again brings the same namespace back, empty, with a new token.
    again = provision(kube, alice)
    assert again.pk == row.pk and again.namespace == row.namespace and again.is_active


def test_a_namespace_the_tutor_did_not_make_is_never_taken_over(
    classroom_mode, kube, alice, namespace
):
    row = StudentNamespace.objects.create(user=alice, namespace=namespace, cluster_server="")
    with pytest.raises(classroom.ForeignNamespace):
        provision(kube, alice)
    with pytest.raises(classroom.ForeignNamespace):
        classroom.student_namespace_cleanup(cluster=kube, student_namespace=row)
    kube.request("GET", f"/api/v1/namespaces/{namespace}")  # still there
    row.delete()  # not the fixture's to delete


# --- operators' commands ------------------------------------------------------------------


def test_operators_provision_and_clean_up_named_students(classroom_mode, kube, alice, bob):
    out = io.StringIO()
    call_command("provision_namespaces", "--users", "alice", "bob", stdout=out)
    rows = {r.user.username: r for r in StudentNamespace.objects.select_related("user")}
    assert set(rows) == {"alice", "bob"} and all(r.is_active for r in rows.values())
    assert f"alice: {rows['alice'].namespace}" in out.getvalue()
    with pytest.raises(CommandError, match="no such user: nobody"):
        call_command("provision_namespaces", "--users", "nobody", stdout=io.StringIO())

    call_command("cleanup_namespaces", "--users", "bob", stdout=io.StringIO())
    assert StudentNamespace.objects.get(user=bob).cleaned_at is not None
    assert StudentNamespace.objects.get(user=alice).is_active
    call_command("cleanup_namespaces", "--all", stdout=io.StringIO())
    assert not StudentNamespace.objects.filter(cleaned_at__isnull=True).exists()
    assert all(deleted(kube, row.namespace) for row in rows.values())


def test_the_commands_refuse_in_local_mode(settings, alice):
    settings.TUTOR_MODE = "local"
    with pytest.raises(CommandError, match="not classroom"):
        call_command("provision_namespaces", "--all", stdout=io.StringIO())


def test_a_student_cannot_mint_a_token_that_never_expires(classroom_mode, kube, alice):
    row = provision(kube, alice)
    student = student_cluster(row)
    token_secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "forever",
            "annotations": {"kubernetes.io/service-account.name": classroom.SERVICE_ACCOUNT},
        },
        "type": "kubernetes.io/service-account-token",
    }
    try:
        # The policy takes a moment to reach the API server's admission chain.
        deadline = time.monotonic() + 30
        while True:
            try:
                student.apply(yaml.safe_dump(token_secret), row.namespace)
            except Invalid as exc:
                assert "ServiceAccount token Secrets are not allowed" in str(exc)
                break
            student.request("DELETE", f"/api/v1/namespaces/{row.namespace}/secrets/forever")
            assert time.monotonic() < deadline, "a token Secret was admitted"
            time.sleep(1)
        # Other Secrets, as the labs use them, are still fine.
        student.apply(
            yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                            "stringData": {"password": "x"}}),
            row.namespace,
        )  # fmt: skip
    finally:
        student.close()
