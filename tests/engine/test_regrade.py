"""Regrading a lab submission from its stored evidence with the lab's current checks.

Pure: the stored results come from tests/engine/lab_evidence.py, as a worker
stores them; the regrade service and its pages are tested in tests/classes/.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.assertions import compile_rules
from engine.grading.regrade import regrade_from_evidence
from tests.engine.lab_evidence import (
    ACCESS,
    EXISTS,
    READY_FIXED,
    READY_WRONG,
    deployment,
    graded,
    pod,
    secret,
    service,
    snapshot_of,
)


def test_it_regrades_a_fixed_check_from_the_stored_objects():
    stored = graded([EXISTS, READY_WRONG, ACCESS], snapshot_of(deployment()))
    assert [r["passed"] for r in stored] == [True, False, True]

    regrade = regrade_from_evidence(
        checks=compile_rules([EXISTS, READY_FIXED, ACCESS], lab=True), stored=stored
    )

    outcomes = {c.id: c.outcome for c in regrade.checks}
    assert outcomes == {"exists": "regraded", "ready": "regraded", "bob-lists": "kept"}
    ready = next(c for c in regrade.checks if c.id == "ready")
    assert ready.changed and ready.old["passed"] is False and ready.new["passed"] is True
    assert ready.new["title"] == "2 ready replicas"
    assert ready.new["evidence"]["objects"][0]["metadata"]["name"] == "web"
    assert (regrade.score, regrade.max_score, regrade.passed) == (4, 4, True)
    # The access check's verdict is the API server's: kept, and it says so.
    access = next(c for c in regrade.checks if c.id == "bob-lists")
    assert access.new["passed"] is True and "API server" in access.reason


def test_a_check_that_was_right_regrades_to_the_same_result():
    stored = graded([EXISTS, READY_FIXED], snapshot_of(deployment()))
    regrade = regrade_from_evidence(
        checks=compile_rules([EXISTS, READY_FIXED], lab=True), stored=stored
    )
    assert not regrade.changed and regrade.score == 3


def test_a_stricter_fix_can_lower_the_score():
    stored = graded([READY_FIXED], snapshot_of(deployment(ready=2)))
    stricter = {**READY_FIXED, "min": 3}
    regrade = regrade_from_evidence(checks=compile_rules([stricter], lab=True), stored=stored)
    [check] = regrade.checks
    assert check.outcome == "regraded" and check.new["passed"] is False
    assert "should be at least 3, found 2" in check.new["message"]
    assert regrade.score == 0


def test_a_kind_that_was_not_captured_keeps_the_stored_result():
    stored = graded([EXISTS], snapshot_of(deployment(), service()))
    # The fixed lab checks a Service under the same id: the grader never read Services.
    moved = {
        "id": "exists",
        "title": "Service web",
        "select": {"kind": "Service", "name": "web"},
        "count": {"equals": 1},
    }
    regrade = regrade_from_evidence(checks=compile_rules([moved], lab=True), stored=stored)
    [check] = regrade.checks
    assert check.outcome == "kept" and check.new["passed"] is True
    assert "Service" in check.reason and "not captured" in check.reason


def test_a_check_added_after_the_submission_earns_nothing_and_says_so():
    stored = graded([EXISTS], snapshot_of(deployment()))
    added = {
        "id": "has-service",
        "title": "Service web",
        "points": 3,
        "select": {"kind": "Service", "name": "web"},
        "count": {"equals": 1},
    }
    regrade = regrade_from_evidence(checks=compile_rules([EXISTS, added], lab=True), stored=stored)
    new = next(c for c in regrade.checks if c.id == "has-service")
    assert new.outcome == "unanswered" and new.old is None
    assert new.new["points"] == 0 and new.new["max_points"] == 3
    assert (regrade.score, regrade.max_score) == (1, 4)


def test_a_check_removed_from_the_lab_no_longer_counts():
    stored = graded([EXISTS, READY_WRONG], snapshot_of(deployment()))
    regrade = regrade_from_evidence(checks=compile_rules([EXISTS], lab=True), stored=stored)
    removed = next(c for c in regrade.checks if c.id == "ready")
    assert removed.outcome == "removed" and removed.new is None
    assert (regrade.score, regrade.max_score, regrade.passed) == (1, 1, True)


def test_a_narrower_selector_is_answered_by_a_broader_read():
    every = {
        "id": "two",
        "title": "two Deployments",
        "select": {"kind": "Deployment"},
        "count": {"equals": 2},
    }
    stored = graded([every], snapshot_of(deployment("web"), deployment("api", app="api")))
    api = {
        "id": "api-image",
        "title": "api runs nginx",
        "select": {"kind": "Deployment", "name": "api"},
        "expr": "spec.template.spec.containers[0].image",
        "matches": "nginx:.*",
    }
    regrade = regrade_from_evidence(checks=compile_rules([every, api], lab=True), stored=stored)
    # Even a check added since: every Deployment was read, so the evidence answers it.
    check = next(c for c in regrade.checks if c.id == "api-image")
    assert check.outcome == "regraded" and check.old is None and check.new["passed"] is True
    assert (regrade.score, regrade.max_score) == (2, 2)


def test_a_broader_selector_than_what_was_read_is_not_answered():
    # The stored read only picked Deployment "web": other Deployments were never kept.
    stored = graded([EXISTS], snapshot_of(deployment("web"), deployment("api", app="api")))
    count_all = {
        "id": "exists",
        "title": "one Deployment",
        "select": {"kind": "Deployment"},
        "count": {"equals": 1},
    }
    [check] = regrade_from_evidence(
        checks=compile_rules([count_all], lab=True), stored=stored
    ).checks
    # Evaluated on the evidence alone it would pass (1 Deployment kept) though the namespace had 2.
    assert check.outcome == "kept" and check.new["passed"] is True
    assert "does not hold every Deployment" in check.reason


def test_a_read_capped_at_five_objects_cannot_answer():
    pods = [pod(n) for n in range(7)]
    every = {"id": "pods", "title": "7 Pods", "select": {"kind": "Pod"}, "count": {"min": 1}}
    stored = graded([every], snapshot_of(*pods))
    assert (
        stored[0]["evidence"]["read"]["count"] == 7 and len(stored[0]["evidence"]["objects"]) == 5
    )
    exact = {**every, "count": {"equals": 7}}
    [check] = regrade_from_evidence(checks=compile_rules([exact], lab=True), stored=stored).checks
    assert check.outcome == "kept"


@pytest.mark.parametrize(
    "fixed",
    [
        {"expr": "metadata.resourceVersion", "equals": "1"},
        {"expr": "metadata.namespace", "equals": "ns"},
        {"expr": "length(keys(@))", "min": 1},
        {"match": {"stringData": {"password": "x"}}},
        {"match": {"metadata": {"creationTimestamp": "x"}}},
    ],
)
def test_a_field_the_evidence_does_not_keep_cannot_answer(fixed):
    base = {"id": "secret", "title": "Secret db", "select": {"kind": "Secret", "name": "db"}}
    stored = graded([{**base, "count": {"equals": 1}}], snapshot_of(secret()))
    [check] = regrade_from_evidence(
        checks=compile_rules([{**base, **fixed}], lab=True), stored=stored
    ).checks
    assert check.outcome == "kept", check.reason
    assert "evidence does not keep" in check.reason


def test_fields_the_evidence_keeps_are_answered():
    base = {"id": "secret", "title": "Secret db", "select": {"kind": "Secret", "name": "db"}}
    stored = graded([{**base, "count": {"equals": 1}}], snapshot_of(secret()))
    fixed = {**base, "expr": "data.password", "equals": "c2VjcmV0"}
    [check] = regrade_from_evidence(checks=compile_rules([fixed], lab=True), stored=stored).checks
    assert check.outcome == "regraded" and check.new["passed"] is True


def test_a_selects_check_is_regraded_with_its_stored_targets():
    selects = {
        "id": "selects",
        "title": "Service selects the Pods",
        "select": {"kind": "Service", "name": "web"},
        "selects": {"kind": "Deployment", "name": "web"},
    }
    stored = graded([selects], snapshot_of(deployment(), service(selector_app="wbe")))
    assert stored[0]["passed"] is False
    [check] = regrade_from_evidence(checks=compile_rules([selects], lab=True), stored=stored).checks
    assert check.outcome == "regraded" and check.new["passed"] is False
    assert "selects" in check.new["message"]


def test_results_from_before_reads_were_recorded_keep_their_verdict():
    stored = graded([EXISTS, READY_WRONG], snapshot_of(deployment()))
    for result in stored:
        result["evidence"].pop("read")
    regrade = regrade_from_evidence(
        checks=compile_rules([EXISTS, READY_FIXED], lab=True), stored=stored
    )
    assert {c.outcome for c in regrade.checks} == {"kept"}
    assert regrade.score == 1


def test_evidence_that_is_not_what_the_grader_wrote_is_ignored_not_fatal():
    stored: list[Any] = [
        "garbage", {"id": "exists", "passed": True, "points": 1, "max_points": 1, "evidence": {"read": {"kind": 3}, "objects": "no"}},
    ]  # fmt: skip
    [check] = regrade_from_evidence(checks=compile_rules([EXISTS], lab=True), stored=stored).checks
    assert check.outcome == "kept" and check.new["passed"] is True
