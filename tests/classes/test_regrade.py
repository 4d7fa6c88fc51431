"""Regrading a lab submission from its stored evidence with the lab's current checks.

The stored results are made by the grader's own check evaluation
(``engine.grading.lab._check``) over a namespace snapshot, exactly as a worker
stores them; only the SubjectAccessReview is written by hand (it needs the
API server, which the cluster test in test_namespaces.py uses for real).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from django.urls import reverse

from classes import services
from classes.models import SubmissionRegrade
from engine.assertions import compile_rules
from engine.grading.lab import _check
from engine.grading.regrade import regrade_from_evidence
from labs.models import LabSubmission, SubmissionStatus
from tests.classes.conftest import make_lab, make_submission

pytestmark = pytest.mark.django_db


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


# --- the service and its record --------------------------------------------------------------


def test_a_regrade_updates_the_submission_and_keeps_the_history(alice, carol, cohort):
    lab = make_lab([EXISTS, READY_WRONG, ACCESS])
    stored = graded([EXISTS, READY_WRONG, ACCESS], snapshot_of(deployment()))
    submission = make_submission(user=alice, lab=lab, results=stored)
    assert (submission.score, submission.max_score, submission.passed) == (2, 4, False)
    original = copy.deepcopy(submission.results)

    # The lab is fixed: the content loader writes the new checks to the row.
    lab.checks = [EXISTS, READY_FIXED, ACCESS]
    lab.content_hash = "fixed"
    lab.save()

    record = services.submission_regrade(submission=submission, by=carol, cohort=cohort)
    submission.refresh_from_db()
    assert (submission.score, submission.max_score, submission.passed) == (4, 4, True)
    assert (record.old_score, record.new_score, record.old_passed, record.new_passed) == (
        2,
        4,
        False,
        True,
    )
    assert record.old_results == original
    assert record.regraded_by == carol and record.cohort == cohort
    assert record.lab_content_hash == "fixed"
    assert {c["id"]: c["outcome"] for c in record.checks} == {
        "exists": "regraded",
        "ready": "regraded",
        "bob-lists": "kept",
    }
    # The worker's fields are untouched: it is still the same submission.
    assert (
        submission.status == SubmissionStatus.DONE
        and submission.created_at == record.submission.created_at
    )

    # Again: nothing changes, and a second record says so.
    services.submission_regrade(submission=submission, by=carol, cohort=cohort)
    assert SubmissionRegrade.objects.filter(submission=submission).count() == 2
    latest = SubmissionRegrade.objects.filter(submission=submission).first()
    assert latest is not None and latest.old_score == latest.new_score == 4


def test_only_a_checked_submission_can_be_regraded(alice, carol, cohort):
    lab = make_lab([EXISTS])
    queued = make_submission(user=alice, lab=lab, results=[], status=SubmissionStatus.QUEUED)
    with pytest.raises(services.ClassError, match="no results"):
        services.submission_regrade(submission=queued, by=carol, cohort=cohort)
    assert not SubmissionRegrade.objects.exists()


def test_the_instructor_previews_then_regrades_in_the_browser(client, alice, carol, cohort):
    lab = make_lab([EXISTS, READY_WRONG])
    submission = make_submission(
        user=alice, lab=lab, results=graded([EXISTS, READY_WRONG], snapshot_of(deployment()))
    )
    lab.checks = [EXISTS, READY_FIXED]
    lab.save()
    client.force_login(carol)
    url = reverse("classes_instructor:submission", args=[cohort.pk, submission.pk])
    page = client.get(url).content.decode()
    assert "Objects the check read" in page and "readyReplicas" in page
    assert "with the current checks <strong>3/3</strong>" in page
    # The preview changed nothing.
    submission.refresh_from_db()
    assert submission.score == 1

    response = client.post(
        reverse("classes_instructor:regrade", args=[cohort.pk, submission.pk]), follow=True
    )
    page = response.content.decode()
    assert "Regraded from the stored evidence: 1/3 → 3/3" in page
    assert "Regrade history" in page and "carol" in page
    assert LabSubmission.objects.get(pk=submission.pk).score == 3


def test_a_lab_is_regraded_for_the_whole_class(
    carol_client, alice, bob, carol, cohort, other_cohort
):
    lab = make_lab([EXISTS, READY_WRONG])
    fails = graded([EXISTS, READY_WRONG], snapshot_of(deployment()))
    missing = graded([EXISTS, READY_WRONG], snapshot_of())
    changes = make_submission(user=alice, lab=lab, results=fails)
    same = make_submission(user=alice, lab=lab, results=missing)
    queued = make_submission(user=alice, lab=lab, results=[], status=SubmissionStatus.QUEUED)
    elsewhere = make_submission(user=bob, lab=lab, results=fails)  # bob is in dave's class
    lab.checks = [EXISTS, READY_FIXED]
    lab.save()

    url = reverse("classes_instructor:lab_regrade", args=[cohort.pk])
    page = carol_client.post(url, {"lab": lab.pk}, follow=True).content.decode()
    assert "Test lab: 2 checked submissions in this class, 1 regraded" in page
    assert LabSubmission.objects.get(pk=changes.pk).score == 3
    assert SubmissionRegrade.objects.filter(submission=changes).count() == 1
    # Nothing to change, not checked yet, or not in this class: untouched, no record.
    for untouched in (same, queued, elsewhere):
        assert not SubmissionRegrade.objects.filter(submission=untouched).exists()
    assert LabSubmission.objects.get(pk=elsewhere.pk).score == 1
    bad = carol_client.post(url, {"lab": "999999"}, follow=True).content.decode()
    assert "Choose a lab to regrade." in bad
