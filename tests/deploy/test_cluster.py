"""deploy/kubernetes on a real API server: accepted, Pods Ready, RBAC enough and no more.

The manifests are built with kustomize (kubectl's), moved into a fresh namespace and
fresh cluster-scoped names so that runs never meet, and server-side applied. On the
local control plane kwok stands in for the kubelet: no container really runs, so
"Ready" proves that the API server and its admission (Pod Security `restricted`
included) accepted the Pods and the scheduler placed them, not that the image
starts. The ClusterRole is then put to work: the tutor's ServiceAccount, with a
TokenRequest token, provisions a student namespace with the tutor's own code,
grades every lab of the course in it and cleans it up; a few things it must not
do are refused.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cluster.fixtures import TEST_LABEL, Cluster, wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.django_db]

REPO = Path(__file__).resolve().parents[2]
KUSTOMIZATION = REPO / "deploy" / "kubernetes"
AGGREGATE = "lfs158-tutor/aggregate-to-tutor"


def kubectl(cluster: Cluster, *args: str, stdin: str | None = None) -> str:
    result = cluster.run_kubectl(*args, stdin=stdin)
    assert result.returncode == 0, f"kubectl {' '.join(args)}:\n{result.stderr[-3000:]}"
    return result.stdout


def renamed(docs: list[dict[str, Any]], suffix: str) -> tuple[list[dict[str, Any]], str, str]:
    """The same objects in namespace lfs158-tutor-<suffix>, cluster-scoped names suffixed."""
    namespace = f"lfs158-tutor-{suffix}"
    role = f"lfs158-tutor-{suffix}"
    for doc in docs:
        meta = doc["metadata"]
        if doc["kind"] == "Namespace":
            meta["name"] = namespace
            meta.setdefault("labels", {})[TEST_LABEL] = "true"
        elif doc["kind"] == "ClusterRole":
            # lfs158-tutor -> lfs158-tutor-<suffix>, lfs158-tutor-own -> ...-own-<suffix>:
            # and each run's role aggregates its own parts only.
            meta["name"] = f"{meta['name']}-{suffix}"
            meta.setdefault("labels", {})[TEST_LABEL] = "true"
            if AGGREGATE in meta["labels"]:
                meta["labels"][AGGREGATE] = suffix
            for selector in (doc.get("aggregationRule") or {}).get("clusterRoleSelectors", []):
                selector["matchLabels"][AGGREGATE] = suffix
        elif doc["kind"].startswith("ValidatingAdmissionPolicy"):
            # The one guardrail policy the tutor looks for by name; shared with the
            # classroom tests, which apply the same object. It is left in place.
            continue
        elif doc["kind"] == "ClusterRoleBinding":
            meta["name"] = role
            meta.setdefault("labels", {})[TEST_LABEL] = "true"
            doc["roleRef"]["name"] = role
            for subject in doc["subjects"]:
                subject["namespace"] = namespace
        else:
            meta["namespace"] = namespace
    return docs, namespace, role


def objects(cluster: Cluster, kind: str, namespace: str) -> list[dict[str, Any]]:
    return json.loads(kubectl(cluster, "get", kind, "-n", namespace, "-o", "json"))["items"]


def ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


@pytest.fixture
def deployed(cluster: Cluster):
    """The kustomization applied in a fresh namespace; everything it made removed after."""
    built = kubectl(cluster, "kustomize", str(KUSTOMIZATION))
    docs = [d for d in yaml.safe_load_all(built) if d]
    # Starts with a letter: "8658e012" in a label value is a float to kubectl's YAML reader.
    suffix = "t" + uuid.uuid4().hex[:7]
    docs, namespace, role = renamed(docs, suffix)
    volume = f"{namespace}-postgres"
    try:
        kubectl(cluster, "apply", "--server-side", "--force-conflicts", "--field-manager=lfs158-tutor-test", "-f", "-",
                stdin=yaml.safe_dump_all(docs))  # fmt: skip
        # The Secret as deploy/README.md creates it, from files.
        secret_args = []
        for key, value in {
            "secret-key": "s" * 60, "encryption-keys": base64.urlsafe_b64encode(b"k" * 32).decode(),
            "database-url": "postgres://tutor:pw@tutor-postgres:5432/tutor", "postgres-password": "pw",
        }.items():  # fmt: skip
            secret_args.append(f"--from-literal={key}={value}")
        kubectl(cluster, "create", "secret", "generic", "tutor-secrets", "-n", namespace,
                *secret_args)  # fmt: skip
        # The cluster has no StorageClass: a volume for PostgreSQL's claim, made beforehand
        # as an administrator would (kwok never mounts it).
        claim = "data-tutor-postgres-0"
        kubectl(cluster, "apply", "-f", "-", stdin=yaml.safe_dump({
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": volume, "labels": {TEST_LABEL: "true"}},
            "spec": {
                "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "hostPath": {"path": f"/var/lib/{volume}"},
                "claimRef": {"namespace": namespace, "name": claim},
            },
        }))  # fmt: skip
        # The API server's aggregation controller fills in the tutor's ClusterRole.
        wait_for(
            lambda: json.loads(kubectl(cluster, "get", "clusterrole", role, "-o", "json")).get("rules"),
            "the tutor's ClusterRole to be aggregated", timeout=30,
        )  # fmt: skip
        yield namespace, role, docs
    finally:
        for args in (("namespace", namespace), ("clusterrolebinding", role),
                     ("clusterrole", role), ("clusterrole", f"lfs158-tutor-own-{suffix}"),
                     ("clusterrole", f"lfs158-tutor-student-{suffix}"),
                     ("persistentvolume", volume)):  # fmt: skip
            cluster.run_kubectl("delete", *args, "--ignore-not-found", "--wait=false")


def test_the_manifests_are_accepted_and_their_pods_become_ready(cluster: Cluster, deployed):
    namespace, _, docs = deployed
    applied = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("Ingress", "tutor") in applied and ("Job", "tutor-migrate") in applied

    def deployments_available() -> bool:
        found = objects(cluster, "deployments", namespace)
        return len(found) == 5 and all(
            d.get("status", {}).get("availableReplicas") == d["spec"]["replicas"] for d in found
        )

    wait_for(deployments_available, "the Deployments to be available", timeout=120)
    wait_for(
        lambda: objects(cluster, "statefulsets", namespace)[0].get("status", {}).get("readyReplicas") == 1,
        "PostgreSQL's StatefulSet to be ready", timeout=120,
    )  # fmt: skip
    wait_for(
        lambda: any(c["type"] == "Complete" and c["status"] == "True"
                    for c in objects(cluster, "jobs", namespace)[0].get("status", {}).get("conditions") or []),
        "the migration Job to complete", timeout=120,
    )  # fmt: skip
    pods = objects(cluster, "pods", namespace)
    running = [p for p in pods if "job-name" not in p["metadata"].get("labels", {})]
    # web 2, worker 2, the students' clusters' worker 1, beat 1, redis 1, postgres 1
    assert len(running) == 8
    assert all(ready(p) for p in running), [p["metadata"]["name"] for p in running if not ready(p)]
    # Only web and worker Pods carry a token, of the ServiceAccount tutor.
    for pod in running:
        component = pod["metadata"]["labels"]["app.kubernetes.io/component"]
        mounts = [
            m["mountPath"] for c in pod["spec"]["containers"] for m in c.get("volumeMounts", [])
        ]
        has_token = "/var/run/secrets/kubernetes.io/serviceaccount" in mounts
        assert has_token is (component in ("web", "worker")), pod["metadata"]["name"]
    ingress = objects(cluster, "ingresses.networking.k8s.io", namespace)[0]
    assert (
        ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "tutor-web"
    )


def service_account_kubeconfig(cluster: Cluster, namespace: str) -> dict[str, Any]:
    """A kubeconfig holding a TokenRequest token for the ServiceAccount tutor."""
    token = kubectl(cluster, "create", "token", "tutor", "-n", namespace, "--duration=1h").strip()
    admin = yaml.safe_load(cluster.kubeconfig.read_text())
    context = cluster.context or admin["current-context"]
    entry = next(c for c in admin["contexts"] if c["name"] == context)["context"]
    server = next(c for c in admin["clusters"] if c["name"] == entry["cluster"])["cluster"]
    ca = (
        server.get("certificate-authority-data")
        or base64.b64encode(Path(server["certificate-authority"]).read_bytes()).decode()
    )
    return {
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "classroom", "cluster": {"server": server["server"], "certificate-authority-data": ca}}],
        "users": [{"name": "tutor", "user": {"token": token}}],
        "contexts": [{"name": "tutor", "context": {"cluster": "classroom", "user": "tutor"}}],
        "current-context": "tutor",
    }  # fmt: skip


def test_the_service_account_can_provision_grade_and_clean_up(
    cluster: Cluster, deployed, real_course, alice, settings, tmp_path
):
    from kube import Cluster as KubeCluster
    from kube import Forbidden
    from labs.grader import grade
    from labs.models import Lab
    from workspaces import classroom, policy

    namespace, _, _ = deployed
    config = service_account_kubeconfig(cluster, namespace)
    path = tmp_path / "tutor.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    # The tutor's own settings point at these credentials, as in the Pod.
    settings.TUTOR_KUBECONFIG = str(path)
    settings.TUTOR_KUBE_CONTEXT = ""
    settings.TUTOR_MODE = "classroom"
    tutor = KubeCluster.from_kubeconfig(config)
    student = None
    try:
        # Provisioning with the tutor's code: namespace, ServiceAccount, the Role with
        # every rule of student-role.yaml (only possible when the tutor holds them all),
        # RoleBinding, quota, limit range, and a TokenRequest for the student.
        student = classroom.student_namespace_provision(cluster=tutor, user=alice)
        assert student.is_active
        role = json.loads(
            kubectl(cluster, "get", "role", "student", "-n", student.namespace, "-o", "json")
        )
        assert role["rules"] == policy.student_rules()
        # The student's kubeconfig works in their namespace.
        own = KubeCluster.from_kubeconfig(
            yaml.safe_load(classroom.student_kubeconfig_text(student_namespace=student))
        )
        assert own.list_objects("v1", "Pod", student.namespace) == []
        own.close()

        # Grading every lab of the real course reads what it needs (no Forbidden) and may ask
        # the API server about access (no check left unanswerable).
        labs = list(Lab.objects.all())
        assert len(labs) >= 10
        ticks = iter(range(0, 10**6, 1000))
        for lab in labs:
            graded = grade(tutor, lab.compiled_checks(), student.namespace,
                           sleep=lambda _s: None, clock=lambda: float(next(ticks)))  # fmt: skip
            assert graded.results, lab.slug
            assert not any(r.evidence.get("unanswerable") for r in graded.results), lab.slug

        # What it must not do.
        with pytest.raises(Forbidden):
            tutor.request("DELETE", "/api/v1/nodes/kwok-node-0")
        with pytest.raises(Forbidden):
            tutor.apply(yaml.safe_dump({
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                "metadata": {"name": "more-than-it-holds"},
                "rules": [{"apiGroups": ["apps"], "resources": ["deployments/status"], "verbs": ["update"]}],
            }), student.namespace)  # fmt: skip

        classroom.student_namespace_cleanup(cluster=tutor, student_namespace=student)
        phase = cluster.run_kubectl("get", "namespace", student.namespace,
                                    "-o", "jsonpath={.status.phase}")  # fmt: skip
        assert phase.returncode != 0 or phase.stdout == "Terminating"
    finally:
        tutor.close()
        if student is not None:
            cluster.run_kubectl("delete", "namespace", student.namespace, "--ignore-not-found",
                                "--wait=false")  # fmt: skip


@pytest.mark.parametrize("what", [
    ("delete", "nodes"), ("patch", "nodes"), ("create", "clusterroles"),
    ("create", "clusterrolebindings"), ("escalate", "roles"), ("bind", "clusterroles"),
    ("impersonate", "users"), ("create", "persistentvolumes"),
    ("update", "namespaces"), ("list", "namespaces"), ("get", "clusterroles"),
    ("create", "certificatesigningrequests"), ("delete", "customresourcedefinitions"),
    ("create", "mutatingwebhookconfigurations"), ("create", "nodes/proxy"),
])  # fmt: skip
def test_the_service_account_may_not(cluster: Cluster, deployed, what):
    namespace, _, _ = deployed
    verb, resource = what
    result = cluster.run_kubectl(
        "auth", "can-i", verb, resource, "--all-namespaces",
        f"--as=system:serviceaccount:{namespace}:tutor",
    )  # fmt: skip
    assert result.stdout.strip() == "no", (verb, resource, result.stdout, result.stderr)
