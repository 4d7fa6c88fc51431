"""Grading a lab over a cluster's state: one snapshot, pure checks, a little patience.

The grader reads the namespace once — one LIST per kind the checks select —
and evaluates every check over that snapshot with the same assertion
language as the exercises. Checks marked ``eventually`` that fail are
re-read (only their kinds) until they pass or their time runs out. RBAC
checks ask the API server (SubjectAccessReview). Each result keeps its
evidence: the objects it looked at and their recent Events, enough to
review or regrade without the cluster.

The cluster is reached only through a ``ClusterReader`` that the caller
passes in (``labs.grader`` adapts the Kubernetes boundary to it), so this
module stays plain Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.assertions import Rule, RuleResult
from engine.assertions.extensions import EXTENSIONS, discovery_object
from engine.assertions.rules import Selector, evaluate_one

POLL_SECONDS = 1.0
EVIDENCE_OBJECTS = 5
EVIDENCE_EVENTS = 10


class ClusterReader(Protocol):
    """What grading reads from a cluster; errors other than these answers propagate."""

    def list_objects(self, api_version: str, kind: str, namespace: str) -> list[dict[str, Any]]:
        """Every object of the kind in the namespace; empty when the cluster does not serve it."""
        ...

    def can_i(
        self, *, user: str, groups: list[str], verb: str, resource: str, namespace: str,
        group: str = "", subresource: str = "",
    ) -> bool | None:  # fmt: skip
        """The API server's SubjectAccessReview answer; None when these credentials may not ask."""
        ...

    def events(self, namespace: str) -> list[dict[str, Any]]:
        """The namespace's Events; empty when they cannot be read (they only add detail)."""
        ...

    def discovery(self, path: str) -> Any:
        """What the API server answers at a discovery path (/version, /apis); None if nothing."""
        ...


@dataclass
class LabGrade:
    namespace: str
    results: list[RuleResult] = field(default_factory=list)
    snapshot: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def max_score(self) -> int:
        return sum(r.max_points for r in self.results)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed_checks(self) -> list[str]:
        return [r.id for r in self.results if not r.passed]


def _key(rule: Rule) -> tuple[str, str]:
    return selector_key(rule.select)


def selector_key(selector: Selector) -> tuple[str, str]:
    """The (apiVersion, kind) the grader lists for a selector."""
    return (selector.api_version or _DEFAULT_VERSIONS.get(selector.kind, "v1"), selector.kind)


# Kinds a check may name without an apiVersion.
_DEFAULT_VERSIONS = {
    "Deployment": "apps/v1", "ReplicaSet": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1",
    "Job": "batch/v1", "CronJob": "batch/v1", "Ingress": "networking.k8s.io/v1",
    "NetworkPolicy": "networking.k8s.io/v1", "EndpointSlice": "discovery.k8s.io/v1",
    "Role": "rbac.authorization.k8s.io/v1", "RoleBinding": "rbac.authorization.k8s.io/v1",
    "ClusterRole": "rbac.authorization.k8s.io/v1", "ClusterRoleBinding": "rbac.authorization.k8s.io/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2", "StorageClass": "storage.k8s.io/v1",
}  # fmt: skip


def keys_for(check: Rule) -> set[tuple[str, str]]:
    """Every (apiVersion, kind) the grader lists to answer this check."""
    if check.assertion == "access":
        return set()
    keys = {_key(check)}
    if check.assertion == "selects":
        keys.add((_DEFAULT_VERSIONS.get(check.argument["kind"], "v1"), check.argument["kind"]))
    extension = EXTENSIONS.get(check.assertion)
    if extension is not None:
        keys |= {(v or _DEFAULT_VERSIONS.get(k, "v1"), k) for v, k in extension.reads(check)}
    return keys


def take_discovery(cluster: ClusterReader, checks: list[Rule]) -> dict[str, list[dict[str, Any]]]:
    """The API discovery documents the checks compare with, as objects of the snapshot."""
    paths: set[str] = set()
    for check in checks:
        extension = EXTENSIONS.get(check.assertion)
        if extension is not None:
            paths |= extension.discovery(check)
    if not paths:
        return {}
    return {"discovery": [discovery_object(p, cluster.discovery(p)) for p in sorted(paths)]}


def take_snapshot(
    cluster: ClusterReader, namespace: str, keys: set[tuple[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    return {
        f"{api_version}/{kind}": cluster.list_objects(api_version, kind, namespace)
        for api_version, kind in sorted(keys)
    }


def _objects(snapshot: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [obj for items in snapshot.values() for obj in items]


def grade(
    cluster: ClusterReader,
    checks: list[Rule],
    namespace: str,
    *,
    on_result: Callable[[RuleResult], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> LabGrade:
    """Grade the namespace. Raises only what the reader raises when the cluster cannot be read."""
    keys = set().union(*(keys_for(c) for c in checks))
    snapshot = take_snapshot(cluster, namespace, keys)
    snapshot.update(take_discovery(cluster, checks))
    started = clock()
    results: dict[str, RuleResult] = {}
    for check in checks:
        result = _check(cluster, check, namespace, snapshot)
        results[check.id] = result
        if result.passed or not check.eventually or _unanswerable(result):
            _report(result, on_result)
    waiting = [
        c
        for c in checks
        if not results[c.id].passed and c.eventually and not _unanswerable(results[c.id])
    ]
    while waiting:
        sleep(POLL_SECONDS)
        now = clock() - started
        fresh = take_snapshot(cluster, namespace, set().union(*(keys_for(c) for c in waiting)))
        snapshot.update(fresh)
        still = []
        for check in waiting:
            result = _check(cluster, check, namespace, snapshot)
            if result.passed:
                results[check.id] = result
                _report(result, on_result)
            elif now >= check.eventually:
                result.message = (
                    f"Timed out after {check.eventually:.0f}s waiting for this: {result.message}"
                )
                results[check.id] = result
                _report(result, on_result)
            else:
                still.append(check)
        waiting = still
    grade = LabGrade(
        namespace=namespace, results=[results[c.id] for c in checks], snapshot=snapshot
    )
    _attach_events(cluster, namespace, grade)
    return grade


def _unanswerable(result: RuleResult) -> bool:
    """A check these credentials can never answer: waiting for it would change nothing."""
    return bool(result.evidence.get("unanswerable"))


def _report(result: RuleResult, on_result: Callable[[RuleResult], None] | None) -> None:
    if on_result is not None:
        on_result(result)


def _check(
    cluster: ClusterReader, check: Rule, namespace: str, snapshot: dict[str, list[dict[str, Any]]]
) -> RuleResult:
    if check.assertion == "access":
        return _access(cluster, check, namespace)
    result = evaluate_one(check, _objects(snapshot))
    selected = [o for o in _objects(snapshot) if check.select.picks(o)]
    result.evidence["objects"] = [_trim(o) for o in selected[:EVIDENCE_OBJECTS]]
    # What was read, and how much of it the evidence keeps: a regrade from
    # this evidence (engine.grading.regrade) may only answer a check whose objects are
    # all here.
    result.evidence["read"] = _read(check.select, len(selected))
    if check.assertion == "selects":
        target = Selector(kind=check.argument["kind"], name=check.argument.get("name"))
        targets = [o for o in _objects(snapshot) if target.picks(o)]
        result.evidence["targets"] = [_trim(o) for o in targets[:EVIDENCE_OBJECTS]]
        result.evidence["read_targets"] = _read(target, len(targets))
    return result


def _read(selector: Selector, count: int) -> dict[str, Any]:
    api_version, kind = selector_key(selector)
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": selector.name,
        "labels": dict(selector.labels),
        "count": count,
    }


def _access(cluster: ClusterReader, check: Rule, namespace: str) -> RuleResult:
    access = check.argument
    if access.get("serviceAccount"):
        user = f"system:serviceaccount:{namespace}:{access['serviceAccount']}"
        groups = [
            "system:serviceaccounts",
            f"system:serviceaccounts:{namespace}",
            "system:authenticated",
        ]
        who = f"ServiceAccount {access['serviceAccount']}"
    else:
        user, groups, who = access["user"], ["system:authenticated"], f"user {access['user']}"
    what = f"{access['verb']} {access['resource']}" + (
        f" ({access['group']})" if access.get("group") else ""
    )
    allowed = cluster.can_i(
        user=user, groups=groups, verb=access["verb"], resource=access["resource"],
        namespace=namespace, group=access.get("group", ""), subresource=access.get("subresource", ""),
    )  # fmt: skip
    if allowed is None:
        # A student's own kubeconfig often may not ask the API server about
        # others; the other checks still count.
        return RuleResult(
            id=check.id, title=check.title, passed=False, points=0, max_points=check.points,
            message=(
                f"Could not ask whether {who} may {what}: these credentials may not create "
                "SubjectAccessReviews (authorization.k8s.io) on this cluster."
            ),
            hint="Use a kubeconfig with cluster-admin rights on your own cluster for this lab.",
            evidence={"subjectAccessReview": {"user": user, "verb": access["verb"], "resource": access["resource"], "allowed": None}, "unanswerable": True},
        )  # fmt: skip
    passed = allowed == access["allowed"]
    expected = "may" if access["allowed"] else "may not"
    actual = "may" if allowed else "may not"
    message = f"Expected: {who} {expected} {what} in this namespace. The API server says: {actual}."
    return RuleResult(
        id=check.id, title=check.title, passed=passed, points=check.points if passed else 0,
        max_points=check.points, message=message, hint="" if passed else check.hint,
        evidence={"subjectAccessReview": {"user": user, "verb": access["verb"], "resource": access["resource"], "allowed": allowed}},
    )  # fmt: skip


# What evidence keeps of an object (engine.grading.regrade reads these too).
EVIDENCE_METADATA_KEYS = ("name", "labels", "annotations", "generation")
EVIDENCE_KEYS = ("spec", "status", "data", "subsets", "endpoints", "rules", "roleRef", "subjects")


def _trim(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    return {
        "apiVersion": obj.get("apiVersion"),
        "kind": obj.get("kind"),
        "metadata": {k: meta[k] for k in EVIDENCE_METADATA_KEYS if k in meta},
        **{k: obj[k] for k in EVIDENCE_KEYS if k in obj},
    }


def _attach_events(cluster: ClusterReader, namespace: str, grade: LabGrade) -> None:
    """Recent Events of the objects each failed check looked at: why a Pod is Pending, say."""
    failed = [r for r in grade.results if not r.passed and r.evidence.get("objects")]
    if not failed:
        return
    events = cluster.events(namespace)
    events.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""), reverse=True)
    for result in failed:
        names = {o["metadata"].get("name") for o in result.evidence["objects"]}
        related = [e for e in events if (e.get("involvedObject") or {}).get("name") in names]
        result.evidence["events"] = [
            {
                "reason": e.get("reason"),
                "message": e.get("message"),
                "type": e.get("type"),
                "object": (e.get("involvedObject") or {}).get("name"),
            }
            for e in related[:EVIDENCE_EVENTS]
        ]
