"""Grading labs against the real API server (marker: cluster)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest
import yaml

from labs.grading import apply_steps, grade
from tests.cluster.fixtures import REPO, Cluster
from tests.lessons.factories import write_chapter
from tutor.assertions import compile_rules
from tutor.kube import Cluster as KubeCluster
from tutor.kube import Invalid

pytestmark = pytest.mark.cluster

MANIFESTS = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 80
              name: http
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: http
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "watch", "list"]
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

CHECKS = [
    {"id": "deployment", "title": "Deployment web", "select": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "count": {"equals": 1}},
    {"id": "ready", "title": "2 ready replicas", "points": 2, "select": {"kind": "Deployment", "name": "web"}, "expr": "status.readyReplicas", "min": 2, "eventually": 60},
    {"id": "endpoints", "title": "Service has 2 ready endpoints", "select": {"kind": "EndpointSlice", "labels": {"kubernetes.io/service-name": "web"}}, "expr": "length(endpoints[?conditions.ready])", "equals": 2, "eventually": 60},
    {"id": "selects", "title": "Service selects the Pods", "select": {"kind": "Service", "name": "web"}, "selects": {"kind": "Deployment", "name": "web"}},
    {"id": "bob-lists", "title": "bob may list pods", "access": {"user": "bob", "verb": "list", "resource": "pods", "allowed": True}, "eventually": 30},
    {"id": "bob-no-secrets", "title": "bob may not list secrets", "access": {"user": "bob", "verb": "list", "resource": "secrets", "allowed": False}},
]  # fmt: skip


@pytest.fixture
def kube(cluster: Cluster) -> KubeCluster:
    return KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)


def test_a_lab_solution_passes_every_check(kube, namespace):
    apply_steps(kube, namespace, MANIFESTS, [])
    seen = []
    result = grade(
        kube, compile_rules(CHECKS, lab=True), namespace, on_result=lambda r: seen.append(r.id)
    )
    assert result.failed_checks == [], [r.message for r in result.results if not r.passed]
    assert result.score == result.max_score == 7
    assert sorted(seen) == sorted(c["id"] for c in CHECKS)
    ready = next(r for r in result.results if r.id == "ready")
    assert ready.evidence["objects"][0]["metadata"]["name"] == "web"


def test_a_step_changes_what_is_graded(kube, namespace):
    apply_steps(
        kube, namespace, MANIFESTS,
        [{"patch": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "patch": {"spec": {"replicas": 3}}}}],
    )  # fmt: skip
    checks = compile_rules(
        [{"id": "three", "title": "3", "select": {"kind": "Deployment", "name": "web"}, "expr": "status.readyReplicas", "equals": 3, "eventually": 60}],
        lab=True,
    )  # fmt: skip
    assert grade(kube, checks, namespace).passed


def test_failures_say_what_was_expected_and_found(kube, namespace):
    apply_steps(kube, namespace, MANIFESTS.replace("name: bob", "name: alice"), [])
    checks = compile_rules([c for c in CHECKS if c["id"] in ("bob-lists", "deployment")], lab=True)
    checks = [
        c if c.id != "bob-lists" else c.__class__(**{**c.__dict__, "eventually": 0}) for c in checks
    ]
    result = grade(kube, checks, namespace)
    [failed] = [r for r in result.results if not r.passed]
    assert failed.id == "bob-lists"
    assert (
        "Expected: user bob may list pods" in failed.message and "says: may not" in failed.message
    )


def test_a_check_that_never_converges_times_out_and_the_others_still_report(kube, namespace):
    apply_steps(kube, namespace, MANIFESTS, [])
    checks = compile_rules(
        [
            {"id": "never", "title": "99 replicas", "select": {"kind": "Deployment", "name": "web"}, "expr": "status.readyReplicas", "equals": 99, "eventually": 2},
            {"id": "exists", "title": "exists", "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}},
        ],
        lab=True,
    )  # fmt: skip
    result = grade(kube, checks, namespace)
    never, exists = result.results
    assert not never.passed and never.message.startswith("Timed out after 2s waiting for this")
    assert exists.passed


def test_the_api_server_refusal_is_our_own_error(kube, namespace):
    with pytest.raises(Invalid):
        apply_steps(
            kube,
            namespace,
            MANIFESTS.replace("      app: web\n  template", "      app: api\n  template"),
            [],
        )


def _lab_root(tmp_path):
    chapter = write_chapter(tmp_path, "01-demo", number=1)
    folder = chapter.parent / "labs" / "demo"
    folder.mkdir(parents=True)
    lab = {
        "uuid": str(uuid.uuid4()),
        "title": "Demo lab",
        "estimated_minutes": 10,
        "kubernetes_versions": ["1.35"],
        "checks": CHECKS,
        "solution": {"manifests": MANIFESTS},
        "mistakes": [
            {"name": "no RoleBinding", "manifests": MANIFESTS.rsplit("---\n", 1)[0], "failed_checks": ["bob-lists"]},
            {"name": "wrong selector on the Service", "manifests": MANIFESTS.replace("  selector:\n    app: web\n  ports", "  selector:\n    app: wbe\n  ports"), "failed_checks": ["endpoints", "selects"]},
        ],
    }  # fmt: skip
    # Mistakes fail fast: waiting the full time for what never comes is the point of eventually.
    for check in lab["checks"]:
        if "eventually" in check:
            check["eventually"] = 15
    (folder / "lab.yaml").write_text(yaml.safe_dump(lab, sort_keys=False))
    (folder / "instructions.md").write_text("Do the thing.\n")
    return tmp_path


def manage(*args, env=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env={**os.environ, **(env or {})},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_verify_labs_and_grade_lab_commands(tmp_path, cluster: Cluster, kube, namespace):
    root = _lab_root(tmp_path)
    env = {"TUTOR_CONTENT_ROOT": str(root)}
    args = ["--kubeconfig", str(cluster.kubeconfig)] + (
        ["--context", cluster.context] if cluster.context else []
    )
    verified = manage("verify_labs", "--format", "json", *args, env=env)
    report = json.loads(verified.stdout)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    [lab] = report["labs"]
    assert lab["solution"] == {"passed": True, "failed_checks": []}
    assert [m["ok"] for m in lab["mistakes"]] == [True, True]
    assert lab["mistakes"][1]["actual_failures"] == ["endpoints", "selects"]

    empty = manage(
        "grade_lab", "demo", "--namespace", namespace, "--format", "json", *args, env=env
    )
    assert empty.returncode == 1
    graded = json.loads(empty.stdout)
    assert (
        graded["lab"] == "demo" and graded["namespace"] == namespace and graded["passed"] is False
    )
    assert set(graded) == {"lab", "namespace", "score", "max_score", "passed", "checks"}
    assert set(graded["checks"][0]) == {"id", "title", "passed", "points", "message", "hint"}

    unknown = manage("grade_lab", "nope", *args, env=env)
    assert unknown.returncode == 2 and "no lab 'nope'" in unknown.stderr


def test_grade_lab_on_an_unreachable_cluster_exits_2(tmp_path):
    root = _lab_root(tmp_path)
    config = tmp_path / "dead.kubeconfig"
    config.write_text(
        textwrap.dedent("""\
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
        users: [{name: u, user: {token: x}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        current-context: x
    """)
    )
    result = manage(
        "grade_lab", "demo", "--kubeconfig", str(config), env={"TUTOR_CONTENT_ROOT": str(root)}
    )
    assert result.returncode == 2
    assert "could not grade: could not reach the cluster" in result.stderr
