"""Lab submissions, the worker side: claim, record results as they come, finish or fail.

A worker claims a queued row with a conditional update, so a redelivered
message never grades twice; the reaper (``stuck_submissions``) puts rows
whose message was lost or whose worker died back in the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import ngettext

from engine.assertions import RuleResult
from labs.models import LabSubmission, SubmissionStatus
from labs.signals import submission_scored


def claim(submission_id: int, *, worker: str) -> LabSubmission | None:
    """Take a queued submission for this worker; None when another has it or it is done."""
    claimed = LabSubmission.objects.filter(pk=submission_id, status=SubmissionStatus.QUEUED).update(
        status=SubmissionStatus.RUNNING,
        claimed_by=worker,
        claimed_at=timezone.now(),
        tries=F("tries") + 1,
        results=[],
    )
    if not claimed:
        return None
    return LabSubmission.objects.select_related("lab").get(pk=submission_id)


def release(submission: LabSubmission) -> None:
    """Give a claimed submission back to the queue (a transient failure, retried later)."""
    LabSubmission.objects.filter(pk=submission.pk, status=SubmissionStatus.RUNNING).update(
        status=SubmissionStatus.QUEUED, claimed_by="", claimed_at=None
    )


def record_result(
    submission: LabSubmission, results: list[RuleResult], *, waiting: Sequence[RuleResult] = ()
) -> None:
    """The results so far, and the checks still waiting (``eventually``) with what they see now."""
    stored = [_result(r) for r in results] + [{**_result(r), "waiting": True} for r in waiting]
    LabSubmission.objects.filter(pk=submission.pk).update(results=stored)


def finish(submission: LabSubmission, results: list[RuleResult]) -> None:
    score = sum(r.points for r in results)
    LabSubmission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.DONE,
        results=[_result(r) for r in results],
        score=score,
        passed=all(r.passed for r in results),
        finished_at=timezone.now(),
        error="",
        error_detail="",
    )
    submission_scored.send(
        sender=LabSubmission, user_id=submission.user_id, lab_uuid=str(submission.lab.uuid),
        language=submission.language,
    )  # fmt: skip


def fail(submission: LabSubmission, message: str, *, detail: str = "") -> None:
    """End a run that could not grade: ``message`` for the student, ``detail`` for the operator."""
    LabSubmission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.ERROR,
        error=message,
        error_detail=detail,
        finished_at=timezone.now(),
    )


def gave_up_message(tries: int) -> str:
    return ngettext(
        "Your work could not be checked: checking was started {tries} time and never "
        "finished (the cluster may answer too slowly, or not as Kubernetes does). Check your "
        "work again later; tell your instructor if it keeps happening.",
        "Your work could not be checked: checking was started {tries} times and never "
        "finished (the cluster may answer too slowly, or not as Kubernetes does). Check your "
        "work again later; tell your instructor if it keeps happening.",
        tries,
    ).format(tries=tries)


def _give_up(submission: LabSubmission, tries: int, language: str) -> None:
    """End as "could not grade", in the language of the request that asked for the check."""
    with translation.override(language or None):
        fail(submission, gave_up_message(tries))


def stuck_submissions(*, max_tries: int) -> list[tuple[int, bool]]:
    """(id, on a student's cluster) of submissions to enqueue again.

    Queued without a worker for a while, or running longer than a worker may
    live. A running one that was already started ``max_tries`` times ends as
    "could not grade" instead: a cluster that kills every grading run (or a
    submission that crashes its worker) must not go round forever.
    """
    now = timezone.now()
    queued_before = now - timedelta(seconds=settings.LAB_QUEUED_STALE_SECONDS)
    # Past the hard time limit the worker has killed the task itself: a row
    # still running then has lost its worker.
    running_before = now - timedelta(seconds=settings.LAB_GRADE_HARD_SECONDS + 5)
    stale = LabSubmission.objects.filter(
        status=SubmissionStatus.RUNNING, claimed_at__lt=running_before
    )
    for submission in stale.filter(tries__gte=max_tries):
        _give_up(submission, submission.tries, submission.language)
    stale_running = list(stale.filter(tries__lt=max_tries).values_list("pk", flat=True))
    # A worker that died mid-grade: the row goes back to the queue.
    LabSubmission.objects.filter(pk__in=stale_running, status=SubmissionStatus.RUNNING).update(
        status=SubmissionStatus.QUEUED, claimed_by="", claimed_at=None
    )
    stale_queued = LabSubmission.objects.filter(
        status=SubmissionStatus.QUEUED, created_at__lt=queued_before
    ).values_list("pk", "tries", "language")
    for pk, tries, language in stale_queued:
        if tries >= max_tries:
            _give_up(LabSubmission(pk=pk), tries, language)
    return sorted(
        LabSubmission.objects.filter(
            status=SubmissionStatus.QUEUED,
            pk__in={
                *stale_running,
                *(pk for pk, tries, _language in stale_queued if tries < max_tries),
            },
        ).values_list("pk", "on_student_cluster")
    )


def _result(result: RuleResult) -> dict[str, Any]:
    return result.as_dict()
