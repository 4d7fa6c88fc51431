"""Namespace snapshots and the results a worker stores for them, for regrade tests.

The stored results are made by the grader's own check evaluation
(``engine.grading.lab._check``) over a namespace snapshot, exactly as a worker
stores them; only the SubjectAccessReview is written by hand (it needs the
API server, which the cluster test in tests/classes/test_namespaces.py uses for real).
"""

from __future__ import annotations

from typing import Any

from engine.assertions import compile_rules
from engine.grading.lab import _check


def deployment(
    name: str = "web", replicas: int = 2, ready: int = 2, app: str = "web"
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "ns", "labels": {"app": app}, "generation": 1,
                     "managedFields": [{"manager": "kubectl"}], "uid": "u-" + name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": app}},
                 "template": {"metadata": {"labels": {"app": app}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
        "status": {"replicas": replicas, "readyReplicas": ready},
    }  # fmt: skip


def service(selector_app: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": "ns"},
        "spec": {"selector": {"app": selector_app}, "ports": [{"port": 80}]},
    }  # fmt: skip


def pod(n: int, app: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": f"pod-{n}", "labels": {"app": app, "n": str(n)}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Running"},
    }  # fmt: skip


def secret() -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "namespace": "ns"}, "data": {"password": "c2VjcmV0"},
    }  # fmt: skip


def snapshot_of(*objects: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    snapshot: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        snapshot.setdefault(f"{obj['apiVersion']}/{obj['kind']}", []).append(obj)
    return snapshot


def graded(
    raw_checks: list[dict[str, Any]], snapshot: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The results a worker would store for these checks over this namespace snapshot."""
    results = []
    for check in compile_rules(raw_checks, lab=True):
        if check.assertion == "access":
            results.append(access_result(check.id, allowed=True, points=check.points))
        else:
            results.append(_check(None, check, "ns", snapshot).as_dict())  # type: ignore[arg-type]
    return results


def access_result(check_id: str, *, allowed: bool, points: int = 1) -> dict[str, Any]:
    return {
        "id": check_id, "title": "bob may list pods", "passed": allowed,
        "points": points if allowed else 0, "max_points": points,
        "message": "Expected: user bob may list pods in this namespace. The API server says: may.",
        "hint": "", "evidence": {"subjectAccessReview": {"user": "bob", "verb": "list", "resource": "pods", "allowed": allowed}},
    }  # fmt: skip


EXISTS = {
    "id": "exists",
    "title": "Deployment web",
    "select": {"kind": "Deployment", "name": "web"},
    "count": {"equals": 1},
}


READY_WRONG = {
    "id": "ready",
    "title": "3 ready replicas",
    "points": 2,
    "select": {"kind": "Deployment", "name": "web"},
    "expr": "status.readyReplicas",
    "equals": 3,
}


READY_FIXED = {**READY_WRONG, "title": "2 ready replicas", "min": 2}
READY_FIXED.pop("equals")


ACCESS = {"id": "bob-lists", "title": "bob may list pods", "access": {"user": "bob", "verb": "list", "resource": "pods", "allowed": True}}  # fmt: skip
