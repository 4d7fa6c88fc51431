"""Grading a lab over what a cluster reader shows: the kinds a check reads, facts, access lists.

The reader here is an in-memory stand-in for the API server (its RBAC
answers come from the same objects, through engine.assertions.rbac): the
real one is exercised against the local control plane in tests/labs/.
"""

from __future__ import annotations

from typing import Any

import yaml

from engine.assertions import compile_rules
from engine.assertions.rbac import Authorizer, Request, Subject
from engine.grading.lab import grade
from engine.grading.regrade import regrade_from_evidence

NAMESPACE = "lab-1"

OBJECTS = [
    *yaml.safe_load_all("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: lab-1, uid: d1, generation: 2, annotations: {deployment.kubernetes.io/revision: "2"}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27", ports: [{name: http, containerPort: 80}]}]}
status: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-aaa, namespace: lab-1, annotations: {deployment.kubernetes.io/revision: "2"}, ownerReferences: [{kind: Deployment, name: web, uid: d1}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-bbb, namespace: lab-1, annotations: {deployment.kubernetes.io/revision: "1"}, ownerReferences: [{kind: Deployment, name: web, uid: d1}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-aaa-1, namespace: lab-1, labels: {app: web, pod-template-hash: aaa}, ownerReferences: [{kind: ReplicaSet, name: web-aaa}]}
spec: {containers: [{name: web, image: "nginx:1.27", ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: lab-1}
spec: {type: ClusterIP, selector: {app: web}, ports: [{port: 80, targetPort: http, protocol: TCP}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x, namespace: lab-1, labels: {kubernetes.io/service-name: web}}
ports: [{port: 80, name: ""}]
endpoints: [{addresses: [10.0.0.1], conditions: {ready: true}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: facts, namespace: lab-1}
data: {nodes: "2", version: "1.35.4"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: lab-1}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: bob-reads, namespace: lab-1}
subjects: [{kind: User, name: bob}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
---
apiVersion: v1
kind: Node
metadata: {name: n1}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
""")
]


class MemoryCluster:
    """Lists objects by kind, answers access questions from their RBAC objects."""

    def __init__(self, objects: list[dict[str, Any]], *, may_ask: bool = True) -> None:
        self.objects = [o for o in objects if o]
        self.listed: list[tuple[str, str]] = []
        self.may_ask = may_ask

    def list_objects(self, api_version: str, kind: str, namespace: str) -> list[dict[str, Any]]:
        self.listed.append((api_version, kind))
        return [o for o in self.objects if (o["apiVersion"], o["kind"]) == (api_version, kind)]

    def can_i(self, *, user: str, groups: list[str], verb: str, resource: str, namespace: str,
              group: str = "", subresource: str = "") -> bool | None:  # fmt: skip
        if not self.may_ask:
            return None
        allowed, _ = Authorizer(self.objects).allowed(
            Subject(user=user, groups=tuple(groups)),
            Request(verb=verb, resource=resource, group=group, subresource=subresource),
            namespace,
        )
        return allowed

    def events(self, namespace: str) -> list[dict[str, Any]]:
        return []

    def server_version(self) -> str | None:
        return "v1.35.4"


CHECKS = [
    {"id": "svc", "title": "web reaches port 80 of its one Pod", "select": {"kind": "Service", "name": "web"},
     "service": {"selects": {"kind": "Deployment", "name": "web"}, "only": True, "port": 80, "targetPort": 80, "endpoints": {"equals": 1}}},
    {"id": "rolled", "title": "web was updated once", "select": {"kind": "Deployment", "name": "web"},
     "rollout": {"revision": {"equals": 2}, "replicaSets": {"min": 2}, "complete": True}},
    {"id": "nodes", "title": "the node count", "select": {"kind": "ConfigMap", "name": "facts"},
     "expr": "data.nodes", "as": "number", "fact": "nodeCount"},
    {"id": "version", "title": "the version", "select": {"kind": "ConfigMap", "name": "facts"},
     "expr": "data.version", "as": "version", "fact": "serverVersion"},
    {"id": "bob", "title": "bob reads Pods, nothing more, alone", "access": {
        "allowed": [{"user": "bob", "verb": "list", "resource": "pods"}],
        "denied": [{"user": "bob", "verb": "delete", "resource": "pods"}, {"user": "alice", "verb": "list", "resource": "pods"}]}},
]  # fmt: skip


def test_it_reads_what_each_check_looks_across_and_judges_it():
    cluster = MemoryCluster(list(OBJECTS))
    result = grade(cluster, compile_rules(CHECKS, lab=True), NAMESPACE)
    assert result.failed_checks == [], [r.message for r in result.results if not r.passed]
    listed = set(cluster.listed)
    assert {
        ("v1", "Pod"),
        ("discovery.k8s.io/v1", "EndpointSlice"),
        ("apps/v1", "ReplicaSet"),
        ("v1", "Node"),
    } <= listed
    svc = result.results[0]
    assert svc.evidence["reaches"] == [80] and svc.evidence["ready_endpoints"] == 1
    assert [r["read"]["kind"] for r in svc.evidence["reads"]] == [
        "Pod",
        "Deployment",
        "EndpointSlice",
    ]
    assert result.results[2].evidence["facts"] == {"nodeCount": 2}
    answers = result.results[4].evidence["subjectAccessReviews"]
    assert [(a["user"], a["verb"], a["allowed"]) for a in answers] == [
        ("bob", "list", True),
        ("bob", "delete", False),
        ("alice", "list", False),
    ]


def test_a_wrong_answer_from_the_api_server_says_what_was_expected():
    objects = [*OBJECTS]
    objects.append(
        yaml.safe_load("""
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: everyone, namespace: lab-1}
subjects: [{kind: Group, name: "system:authenticated"}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
""")
    )
    result = grade(MemoryCluster(objects), compile_rules(CHECKS[4:], lab=True), NAMESPACE)
    [bob] = result.results
    assert not bob.passed
    assert (
        bob.message
        == "Expected: user alice may not list pods in this namespace. The API server says: may."
    )


def test_credentials_that_may_not_ask_leave_the_access_check_unanswerable():
    result = grade(
        MemoryCluster(list(OBJECTS), may_ask=False), compile_rules(CHECKS[4:], lab=True), NAMESPACE
    )
    [bob] = result.results
    assert not bob.passed and bob.evidence["unanswerable"] is True
    assert "may not create SubjectAccessReviews" in bob.message


def test_the_evidence_of_the_new_kinds_answers_a_regrade():
    checks = compile_rules(CHECKS, lab=True)
    stored = [r.as_dict() for r in grade(MemoryCluster(list(OBJECTS)), checks, NAMESPACE).results]
    # The Service check is made stricter afterwards: the evidence still answers it.
    fixed = [dict(c) for c in CHECKS]
    fixed[0] = {**fixed[0], "service": {**fixed[0]["service"], "endpoints": {"min": 2}}}
    regrade = regrade_from_evidence(checks=compile_rules(fixed, lab=True), stored=stored)
    outcomes = {c.id: (c.outcome, bool(c.new and c.new["passed"])) for c in regrade.checks}
    assert outcomes == {
        "svc": ("regraded", False), "rolled": ("regraded", True), "nodes": ("regraded", True),
        "version": ("regraded", True), "bob": ("kept", True),
    }  # fmt: skip


def test_evidence_from_before_it_recorded_its_fields_keeps_the_old_answer():
    checks = compile_rules(CHECKS[:1], lab=True)
    stored = [r.as_dict() for r in grade(MemoryCluster(list(OBJECTS)), checks, NAMESPACE).results]
    for read in [
        stored[0]["evidence"]["read"],
        *(r["read"] for r in stored[0]["evidence"]["reads"]),
    ]:
        del read["kept"]  # as evidence stored before this change looks
    [svc] = regrade_from_evidence(checks=checks, stored=stored).checks
    assert svc.outcome == "kept" and "`ports`" in svc.reason
