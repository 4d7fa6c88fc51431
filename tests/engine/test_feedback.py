"""Observed against expected, from the evidence the grader stores (no cluster: a snapshot).

Each result here is made by the real grader (``engine.grading.lab.grade``)
over a namespace snapshot served by a small in-memory reader, then stored
and read back as JSON, the way a worker keeps it.
"""

from __future__ import annotations

import json
from typing import Any

from engine.assertions import compile_rules
from engine.grading import lab as lab_grading
from engine.grading.feedback import explain, note_nearby


class SnapshotReader:
    """A namespace as plain objects; SubjectAccessReviews answered from a table."""

    def __init__(
        self, *objects: dict[str, Any], access: dict[tuple[str, str, str], bool] | None = None
    ):
        self.objects = list(objects)
        self.access = access or {}

    def list_objects(self, api_version: str, kind: str, namespace: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind and o["apiVersion"] == api_version]

    def can_i(self, *, user: str, groups: list[str], verb: str, resource: str, namespace: str,
              group: str = "", subresource: str = "") -> bool | None:  # fmt: skip
        return self.access.get((user, verb, resource), False)

    def events(self, namespace: str) -> list[dict[str, Any]]:
        return []


def deployment(name: str = "web", app: str = "web", ready: int = 2) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": app}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": app}},
                 "template": {"metadata": {"labels": {"app": app}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27",
                                                       "ports": [{"containerPort": 80}]}]}}},
        "status": {"replicas": 2, "readyReplicas": ready},
    }  # fmt: skip


def service(name: str = "web", app: str = "web", type_: str = "ClusterIP") -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
        "spec": {"type": type_, "selector": {"app": app}, "ports": [{"port": 80, "targetPort": 80}]},
    }  # fmt: skip


def pod(name: str, app: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}}}


def graded(
    checks: list[dict[str, Any]], reader: SnapshotReader
) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Each check's rule and its result as a worker stores it (JSON), by id."""
    rules = compile_rules(checks, lab=True)
    grade = lab_grading.grade(reader, rules, "ns")
    note_nearby(rules, grade.results, grade.snapshot)
    stored = json.loads(json.dumps([r.as_dict() for r in grade.results]))
    return {rule.id: (rule, result) for rule, result in zip(rules, stored, strict=True)}


def summary_of(checks: list[dict[str, Any]], reader: SnapshotReader, check_id: str) -> str:
    rule, result = graded(checks, reader)[check_id]
    explanation = explain(rule, result)
    assert explanation is not None, result
    return explanation.summary


def test_it_says_which_labels_a_service_selects_and_which_the_pods_carry():
    checks = [{"id": "selects", "title": "Service web selects the Pods", "select": {"kind": "Service", "name": "web"},
               "selects": {"kind": "Pod"}}]  # fmt: skip
    reader = SnapshotReader(service(app="web"), pod("web-1", "webserver"))
    assert summary_of(checks, reader, "selects") == (
        "Service `web` selects `app=web`; the Pods in your namespace are labelled `app=webserver`."
    )


def test_it_names_the_deployment_whose_pods_are_not_selected():
    checks = [{"id": "selects", "title": "t", "select": {"kind": "Service", "name": "web"},
               "selects": {"kind": "Deployment", "name": "web"}}]  # fmt: skip
    rule, result = graded(checks, SnapshotReader(service(app="frontend"), deployment(app="web")))[
        "selects"
    ]
    explanation = explain(rule, result)
    assert explanation.summary == (
        "Service `web` selects `app=frontend`; the Pods of Deployment `web` are labelled `app=web`."
    )
    assert [c.observed for c in explanation.comparisons] == ["`app=frontend`", "`app=web`"]


def test_a_missing_object_is_named_with_the_ones_that_are_there():
    checks = [{"id": "ready", "title": "t", "select": {"kind": "Deployment", "name": "frontend"},
               "expr": "status.readyReplicas", "min": 3}]  # fmt: skip
    reader = SnapshotReader(deployment(name="fronted"), deployment(name="db"))
    assert summary_of(checks, reader, "ready") == (
        "There is no Deployment `frontend` in your namespace (it has Deployment `db`, `fronted`); "
        "the lab expects one."
    )


def test_an_expression_says_the_value_found_and_the_value_wanted():
    checks = [{"id": "ready", "title": "t", "select": {"kind": "Deployment", "name": "web"},
               "expr": "status.readyReplicas", "min": 3}]  # fmt: skip
    assert summary_of(checks, SnapshotReader(deployment(ready=1)), "ready") == (
        "Deployment `web`: `status.readyReplicas` is `1`; the lab expects at least 3."
    )


def test_an_unset_value_reads_not_set():
    checks = [{"id": "ready", "title": "t", "select": {"kind": "Deployment", "name": "web"},
               "expr": "status.availableReplicas", "equals": 2}]  # fmt: skip
    assert summary_of(checks, SnapshotReader(deployment()), "ready") == (
        "Deployment `web`: `status.availableReplicas` is not set; the lab expects `2`."
    )


def test_a_partial_match_lists_every_difference():
    checks = [{"id": "svc", "title": "t", "select": {"kind": "Service", "name": "web"},
               "match": {"spec": {"type": "ClusterIP", "selector": {"app": "frontend"}}}}]  # fmt: skip
    rule, result = graded(checks, SnapshotReader(service(type_="NodePort")))["svc"]
    explanation = explain(rule, result)
    assert explanation.summary == (
        "Service `web`: `spec.type` is `NodePort`; the lab expects `ClusterIP`. (1 more difference below.)"
    )
    assert [(c.what, c.expected, c.observed) for c in explanation.comparisons] == [
        ("`spec.type`", "`ClusterIP`", "`NodePort`"),
        ("`spec.selector.app`", "`frontend`", "`web`"),
    ]


def test_a_missing_list_item_is_shown_against_the_list():
    checks = [{"id": "port", "title": "t", "select": {"kind": "Service", "name": "web"},
               "match": {"spec": {"ports": [{"port": 8080}]}}}]  # fmt: skip
    rule, result = graded(checks, SnapshotReader(service()))["port"]
    [comparison] = explain(rule, result).comparisons
    assert comparison.expected == 'an item like `{"port": 8080}`'
    assert comparison.observed == '`[{"port": 80, "targetPort": 80}]`'


def test_a_count_says_how_many_and_which():
    checks = [{"id": "one", "title": "t", "select": {"kind": "Deployment"}, "count": {"equals": 1}}]
    reader = SnapshotReader(deployment(name="a"), deployment(name="b"))
    assert summary_of(checks, reader, "one") == (
        "Your namespace has 2 Deployments (`a`, `b`); the lab expects exactly 1."
    )


def test_an_absence_names_the_offenders():
    checks = [{"id": "no-nodeport", "title": "t", "select": {"kind": "Service"},
               "absent": {"spec": {"type": "NodePort"}}}]  # fmt: skip
    reader = SnapshotReader(service(name="a", type_="NodePort"), service(name="b"))
    assert summary_of(checks, reader, "no-nodeport") == (
        'Service `a` has `{"spec": {"type": "NodePort"}}`; the lab expects no Service to have it.'
    )


def test_an_access_check_says_what_the_api_server_answered():
    checks = [{"id": "reads", "title": "t", "access": {"serviceAccount": "reader", "verb": "list",
               "resource": "pods", "allowed": True}}]  # fmt: skip
    assert summary_of(checks, SnapshotReader(), "reads") == (
        "The API server says ServiceAccount `reader` may not `list pods` in your namespace; "
        "the lab expects that it may."
    )
    checks[0]["access"]["allowed"] = False
    reader = SnapshotReader(access={("system:serviceaccount:ns:reader", "list", "pods"): True})
    assert summary_of(checks, reader, "reads").endswith(
        "may `list pods` in your namespace; the lab expects that it may not."
    )


def test_a_timed_out_wait_says_so():
    rule = compile_rules([{"id": "ready", "title": "t", "select": {"kind": "Deployment", "name": "web"},
                           "expr": "status.readyReplicas", "min": 3, "eventually": 5}], lab=True)[0]  # fmt: skip
    result = {"passed": False, "message": "Timed out after 5s waiting for this: whatever",
              "evidence": {"expr": "status.readyReplicas", "found": 1, "objects": [deployment(ready=1)]}}  # fmt: skip
    assert explain(rule, result).summary == (
        "After waiting 5 s: Deployment `web`: `status.readyReplicas` is `1`; the lab expects at least 3."
    )


def test_a_passed_check_or_unreadable_evidence_has_no_explanation():
    rule = compile_rules(
        [{"id": "c", "title": "t", "select": {"kind": "Service"}, "count": {"min": 1}}], lab=True
    )[0]
    assert explain(rule, {"passed": True, "evidence": {}}) is None
    assert explain(rule, {"passed": False, "evidence": "garbage"}) is None
    assert explain(rule, {"passed": False}) is None
    odd = compile_rules(
        [{"id": "m", "title": "t", "select": {"kind": "Service"}, "match": {"spec": {}}}], lab=True
    )[0]
    assert explain(odd, {"passed": False, "evidence": {"objects": "not a list"}}) is None


def test_an_unanswerable_access_check_keeps_the_graders_message():
    rule = compile_rules([{"id": "a", "title": "t", "access": {"user": "bob", "verb": "get",
                           "resource": "pods", "allowed": True}}], lab=True)[0]  # fmt: skip
    result = {
        "passed": False,
        "evidence": {"subjectAccessReview": {"allowed": None}, "unanswerable": True},
    }
    assert explain(rule, result) is None
