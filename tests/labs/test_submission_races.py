"""Check my work clicked in several tabs at once, and a message delivered to several workers
(real races: PostgreSQL only, tests/races.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from labs import runs, submissions
from labs.models import Lab, LabSubmission, SubmissionStatus
from tests.races import Committed, at_once
from workspaces.resolve import Where, Workspace

pytestmark = pytest.mark.django_db
ROUNDS = 5
TABS = 6


def test_tabs_clicking_at_once_make_one_submission(committed: Committed):
    user = committed.keep(lambda: User.objects.create_user("race-check"))
    lab = Lab.objects.get(slug="webserver")
    for _ in range(ROUNDS):
        made = at_once(
            TABS,
            lambda _: submissions.lab_submission_create(
                user=user, lab=lab, workspace=Workspace(Where.LOCAL, "default", True)
            ),
        )
        pending = LabSubmission.objects.filter(user=user, lab=lab, status=SubmissionStatus.QUEUED)
        assert pending.count() == 1
        assert {submission.pk for submission, _ in made} == {pending.get().pk}
        assert sum(created for _, created in made) == 1
        # Graded: the next click makes a new submission.
        committed(
            lambda: LabSubmission.objects.filter(user=user).update(status=SubmissionStatus.DONE)
        )


def test_a_submission_delivered_to_several_workers_is_claimed_once(committed: Committed):
    user = committed.keep(lambda: User.objects.create_user("race-claim"))
    lab = Lab.objects.get(slug="webserver")
    for _ in range(ROUNDS):
        submission = committed(
            lambda: LabSubmission.objects.create(
                user=user, lab=lab, namespace="default", max_score=lab.max_score
            )
        )
        claims = at_once(TABS, lambda i, pk=submission.pk: runs.claim(pk, worker=f"w{i}"))
        winners = [claim for claim in claims if claim is not None]
        assert len(winners) == 1
        row = LabSubmission.objects.get(pk=submission.pk)
        assert (row.status, row.tries, row.claimed_by) == (
            SubmissionStatus.RUNNING, 1, winners[0].claimed_by,
        )  # fmt: skip
