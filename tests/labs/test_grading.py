"""Grading labs against the real API server (marker: cluster)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from engine.assertions import compile_rules
from kube import Cluster as KubeCluster
from kube import Invalid
from labs.grader import apply_steps, grade
from tests.cluster.fixtures import REPO, Cluster
from tests.labs.lab_fixtures import ALTERNATIVES, CHECKS, MANIFESTS, lab_root

pytestmark = pytest.mark.cluster


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


def manage(*args, env=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env={**os.environ, **(env or {})},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_verify_labs_and_grade_lab_commands(tmp_path, cluster: Cluster, kube, namespace):
    root = lab_root(tmp_path)
    env = {"TUTOR_CONTENT_ROOT": str(root)}
    args = ["--kubeconfig", str(cluster.kubeconfig)] + (
        ["--context", cluster.context] if cluster.context else []
    )
    verified = manage("verify_labs", "demo", "--format", "json", *args, env=env)
    report = json.loads(verified.stdout)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    [lab] = report["labs"]
    assert lab["solution"] == {"passed": True, "failed_checks": []}
    assert [m["ok"] for m in lab["mistakes"]] == [True, True, True]
    assert [(a["name"], a["ok"], a["failed_checks"]) for a in lab["alternatives"]] == [
        (a["name"], True, []) for a in ALTERNATIVES
    ]
    assert lab["mistakes"][1]["actual_failures"] == ["endpoints", "selects"]

    apply_steps(kube, namespace, MANIFESTS, [])
    passing = manage(
        "grade_lab", "demo", "--namespace", namespace, "--format", "json", *args, env=env
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr
    graded = json.loads(passing.stdout)
    assert graded["lab"] == "demo" and graded["namespace"] == namespace and graded["passed"] is True
    assert graded["score"] == graded["max_score"] == 7
    assert set(graded) == {"lab", "namespace", "score", "max_score", "passed", "checks"}
    assert set(graded["checks"][0]) == {"id", "title", "passed", "points", "message", "hint"}

    failing = manage("grade_lab", "slow", "--namespace", namespace, *args, env=env)
    assert failing.returncode == 1
    assert "FAIL  99 ready replicas" in failing.stdout and "Timed out after 12s" in failing.stdout

    unknown = manage("grade_lab", "nope", *args, env=env)
    assert unknown.returncode == 2 and "no lab 'nope'" in unknown.stderr


def test_grade_lab_on_an_unreachable_cluster_exits_2(tmp_path):
    root = lab_root(tmp_path)
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
