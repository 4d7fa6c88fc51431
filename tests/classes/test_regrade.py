"""Regrading a lab submission from its stored evidence: the service, its record, its pages.

What the regrade decides for each check is tested on its own in tests/engine/test_regrade.py.
"""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from classes import services
from classes.models import SubmissionRegrade
from labs.models import LabSubmission, SubmissionStatus
from tests.classes.conftest import make_lab, make_submission
from tests.engine.lab_evidence import (
    ACCESS,
    EXISTS,
    READY_FIXED,
    READY_WRONG,
    deployment,
    graded,
    snapshot_of,
)

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("language", ["es", ""])
def test_a_regrade_writes_the_students_results_in_the_language_they_were_graded_in(
    alice, carol, cohort, language
):
    from django.utils import translation

    lab = make_lab([EXISTS, READY_FIXED])
    submission = make_submission(
        user=alice, lab=lab, results=graded([EXISTS, READY_FIXED], snapshot_of(deployment()))
    )
    submission.language = language
    submission.save(update_fields=["language"])
    lab.checks = [EXISTS, READY_WRONG]
    lab.save()

    with translation.override("en"):  # the instructor reads English
        services.submission_regrade(submission=submission, by=carol, cohort=cohort)
    submission.refresh_from_db()
    failed = [r for r in submission.results if not r["passed"]]
    assert len(failed) == 1
    with translation.override(language or "en"):
        expected = graded([EXISTS, READY_WRONG], snapshot_of(deployment()))
    assert failed[0]["message"] == next(r["message"] for r in expected if not r["passed"])
    with translation.override("en"):
        english = graded([EXISTS, READY_WRONG], snapshot_of(deployment()))
    english_message = next(r["message"] for r in english if not r["passed"])
    assert (failed[0]["message"] != english_message) is (language == "es")
