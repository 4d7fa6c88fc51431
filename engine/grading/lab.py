"""Grading a lab over a cluster's state: one snapshot, pure checks, a little patience.

The grader reads the namespace once — one LIST per kind the checks select
or look across (a Service check also reads Pods and EndpointSlices, a
rollout check ReplicaSets) — and evaluates every check over that snapshot
with the same assertion language as the exercises, and with the cluster
facts the checks compare with (the namespace, the node count, the server's
version). Checks marked ``eventually`` that fail are re-read (only their
kinds) until they pass or their time runs out. Access checks ask the API
server, one SubjectAccessReview per question. Each result keeps its
evidence: the objects it looked at (and which fields of them), the other
objects it read, the facts and their recent Events, enough to review or
regrade without the cluster.

The cluster is reached only through a ``ClusterReader`` that the caller
passes in (``labs.grader`` adapts the Kubernetes boundary to it), so this
module stays plain Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.assertions import Context, Rule, RuleResult, judge
from engine.assertions.extensions import discovery_object
from engine.assertions.kinds import AccessItem
from engine.assertions.rules import prepare
from engine.assertions.selection import Selector
from engine.i18n import _

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

    def server_version(self) -> str | None:
        """The API server's version (`v1.35.4`); None when it cannot be read."""
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


def reads_of(checks: list[Rule]) -> set[tuple[str, str]]:
    """Every (apiVersion, kind) grading these checks lists: one LIST each."""
    keys: set[tuple[str, str]] = set()
    for check in checks:
        keys |= _keys(check)
    return keys


def _keys(rule: Rule) -> set[tuple[str, str]]:
    """Every (apiVersion, kind) a check reads: what it selects and what it looks across."""
    if rule.assertion == "access":
        return set()
    keys = {selector_key(rule.select)} | {selector_key(s) for s in rule.reads}
    if "nodeCount" in rule.facts:
        keys.add(("v1", "Node"))
    return keys


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
    "IngressClass": "networking.k8s.io/v1", "PodDisruptionBudget": "policy/v1",
    "ValidatingAdmissionPolicy": "admissionregistration.k8s.io/v1",
    "ValidatingAdmissionPolicyBinding": "admissionregistration.k8s.io/v1",
    "CertificateSigningRequest": "certificates.k8s.io/v1",
}  # fmt: skip


def take_discovery(cluster: ClusterReader, checks: list[Rule]) -> dict[str, list[dict[str, Any]]]:
    """The API discovery documents the checks compare with (`answer`), as objects of the snapshot."""
    paths = sorted({p for c in checks for p in c.discovery})
    if not paths:
        return {}
    return {"discovery": [discovery_object(p, cluster.discovery(p)) for p in paths]}


def take_snapshot(
    cluster: ClusterReader, namespace: str, keys: set[tuple[str, str]]
) -> dict[str, list[dict[str, Any]]]:
    return {
        f"{api_version}/{kind}": cluster.list_objects(api_version, kind, namespace)
        for api_version, kind in sorted(keys)
    }


def _objects(snapshot: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [obj for items in snapshot.values() for obj in items]


def read_facts(
    cluster: ClusterReader,
    namespace: str,
    wanted: set[str],
    snapshot: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """The cluster facts the checks compare with (engine.assertions.compare.FACTS)."""
    facts: dict[str, Any] = {"namespace": namespace}
    if "nodeCount" in wanted:
        facts["nodeCount"] = len(snapshot.get("v1/Node", []))
    if "serverVersion" in wanted:
        facts["serverVersion"] = cluster.server_version()
    return facts


def grade(
    cluster: ClusterReader,
    checks: list[Rule],
    namespace: str,
    *,
    on_result: Callable[[RuleResult], None] | None = None,
    on_waiting: Callable[[RuleResult], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> LabGrade:
    """Grade the namespace. Raises only what the reader raises when the cluster cannot be read.

    ``on_result`` hears each check's final result; ``on_waiting`` hears the
    latest state of an ``eventually`` check that does not pass yet, after each
    look at the cluster, so a page can say what it is waiting for.
    """
    snapshot = take_snapshot(cluster, namespace, reads_of(checks))
    snapshot.update(take_discovery(cluster, checks))
    facts = read_facts(cluster, namespace, {f for c in checks for f in c.facts}, snapshot)
    started = clock()
    # The API server's defaults are applied once per read, not once per check.
    prepared = prepare(_objects(snapshot))
    results: dict[str, RuleResult] = {}
    for check in checks:
        result = _check(cluster, check, namespace, snapshot, facts, prepared)
        results[check.id] = result
        if result.passed or not check.eventually or _unanswerable(result):
            _report(result, on_result)
        else:
            _report(result, on_waiting)
    waiting = [
        c
        for c in checks
        if not results[c.id].passed and c.eventually and not _unanswerable(results[c.id])
    ]
    while waiting:
        sleep(POLL_SECONDS)
        now = clock() - started
        snapshot.update(take_snapshot(cluster, namespace, reads_of(waiting)))
        prepared = prepare(_objects(snapshot))
        still = []
        for check in waiting:
            result = _check(cluster, check, namespace, snapshot, facts, prepared)
            if result.passed:
                results[check.id] = result
                _report(result, on_result)
            elif now >= check.eventually:
                result.message = _("Timed out after {seconds}s waiting for this: {message}").format(
                    seconds=f"{check.eventually:.0f}", message=result.message
                )
                result.evidence["waited"] = round(check.eventually)  # feedback reads it
                results[check.id] = result
                _report(result, on_result)
            else:
                _report(result, on_waiting)
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
    cluster: ClusterReader,
    check: Rule,
    namespace: str,
    snapshot: dict[str, list[dict[str, Any]]],
    facts: dict[str, Any] | None = None,
    prepared: list[dict[str, Any]] | None = None,
) -> RuleResult:
    if check.assertion == "access":
        return _access(cluster, check, namespace)
    objects = _objects(snapshot)
    if prepared is None:
        prepared = prepare(objects)
    result = judge(check, Context(objects=prepared, facts=facts or {}))
    selected = [o for o in objects if check.select.picks(o)]
    result.evidence["objects"] = [_trim(o) for o in selected[:EVIDENCE_OBJECTS]]
    # What was read, and how much of it the evidence keeps: a regrade from
    # this evidence (engine.grading.regrade) may only answer a check whose objects are
    # all here.
    result.evidence["read"] = _read(check.select, len(selected))
    reads = []
    for selector in check.reads:
        others = [o for o in objects if selector.picks(o)]
        reads.append(
            {"read": _read(selector, len(others)), "objects": [_trim(o) for o in others[:EVIDENCE_OBJECTS]]}
        )  # fmt: skip
    if reads:
        result.evidence["reads"] = reads
    if facts and check.facts:
        result.evidence["facts"] = {f: facts.get(f) for f in check.facts}
    return result


def _read(selector: Selector, count: int) -> dict[str, Any]:
    api_version, kind = selector_key(selector)
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": selector.name,
        "labels": dict(selector.labels),
        "count": count,
        # The fields each kept object holds (engine.grading.regrade answers only from these).
        "kept": [*("metadata." + k for k in EVIDENCE_METADATA_KEYS), *EVIDENCE_KEYS],
    }


def _subject(item: AccessItem, namespace: str) -> tuple[str, list[str], str]:
    if item.service_account:
        user = f"system:serviceaccount:{namespace}:{item.service_account}"
        groups = [
            "system:serviceaccounts",
            f"system:serviceaccounts:{namespace}",
            "system:authenticated",
        ]
        return user, groups, _("ServiceAccount {name}").format(name=item.service_account)
    return str(item.user), ["system:authenticated", *item.groups], _("user {name}").format(name=item.user)  # fmt: skip


def _access(cluster: ClusterReader, check: Rule, namespace: str) -> RuleResult:
    """Each question of the check, asked of the API server (a SubjectAccessReview)."""
    answers: list[dict[str, Any]] = []
    wrong: list[str] = []
    unanswerable = None
    for item in check.compiled:
        where = item.namespace or namespace
        user, groups, who = _subject(item, where)
        what = item.request.describe()
        allowed = cluster.can_i(
            user=user, groups=groups, verb=item.request.verb, resource=item.request.resource,
            namespace=where, group=item.request.group, subresource=item.request.subresource,
        )  # fmt: skip
        answers.append({"user": user, "verb": item.request.verb, "resource": item.request.resource,
                        "group": item.request.group, "namespace": where, "expected": item.allowed,
                        "allowed": allowed})  # fmt: skip
        if allowed is None:
            unanswerable = _(
                "Could not ask whether {who} may {request}: these credentials may not create "
                "SubjectAccessReviews (authorization.k8s.io) on this cluster."
            ).format(who=who, request=what)
            break
        if allowed != item.allowed:
            place = (
                _("in this namespace")
                if where == namespace
                else _("in the namespace {namespace}").format(namespace=where)
            )
            expected = (
                _("Expected: {who} may {request} {place}.")
                if item.allowed
                else _("Expected: {who} may not {request} {place}.")
            )
            says = _("The API server says: may.") if allowed else _("The API server says: may not.")
            wrong.append(expected.format(who=who, request=what, place=place) + " " + says)
    if unanswerable:
        # A student's own kubeconfig often may not ask the API server about
        # others; the other checks still count.
        return RuleResult(
            id=check.id, title=check.title, passed=False, points=0, max_points=check.points,
            message=unanswerable,
            hint=_("Use a kubeconfig with cluster-admin rights on your own cluster for this lab."),
            evidence={"subjectAccessReview": answers[-1], "subjectAccessReviews": answers, "unanswerable": True},
        )  # fmt: skip
    passed = not wrong
    if passed:
        answered = "; ".join(
            (_("{who} may {request}") if i.allowed else _("{who} may not {request}")).format(
                who=_subject(i, i.namespace or namespace)[2], request=i.request.describe()
            )
            for i in check.compiled
        )
        message = _("The API server gives every expected answer: {answers}.").format(
            answers=answered
        )
    else:
        message = " ".join(wrong[:3])
    return RuleResult(
        id=check.id, title=check.title, passed=passed, points=check.points if passed else 0,
        max_points=check.points, message=message, hint="" if passed else check.hint,
        evidence={"subjectAccessReview": answers[0], "subjectAccessReviews": answers},
    )  # fmt: skip


# What evidence keeps of an object (engine.grading.regrade reads these too).
EVIDENCE_METADATA_KEYS = ("name", "labels", "annotations", "generation", "ownerReferences", "uid")
EVIDENCE_KEYS = (
    "spec", "status", "data", "subsets", "endpoints", "ports", "rules", "roleRef", "subjects",
    "type", "binaryData", "immutable",
)  # fmt: skip
# What evidence kept before it recorded its `kept` fields (older submissions).
LEGACY_METADATA_KEYS = ("name", "labels", "annotations", "generation")
LEGACY_KEYS = ("spec", "status", "data", "subsets", "endpoints", "rules", "roleRef", "subjects")


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
