"""Lab submissions: creating them, claiming them, recording their results.

The database row is the truth; the Celery message only says "look at row N".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from engine.assertions import RuleResult
from labs.models import Lab, LabSubmission, StudentCluster, SubmissionStatus


def lab_submission_create(
    *, user: User, lab: Lab, namespace: str, student_cluster: StudentCluster | None = None
) -> tuple[LabSubmission, bool]:
    """A new submission, or the one already waiting (a double click makes one submission).

    With ``student_cluster`` the work is graded on the student's own cluster
    (``namespace`` is then its namespace), and the submission says so.
    """
    from labs.tasks import grade_submission

    with transaction.atomic():
        # Locking the pending rows is not enough: when there are none, every tab
        # finds none and inserts (PostgreSQL runs the transactions side by side;
        # SQLite never did). The student's own row serializes their clicks and
        # leaves every other student's alone.
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        pending = (
            LabSubmission.objects.select_for_update()
            .filter(
                user=user, lab=lab, status__in=[SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]
            )
            .first()
        )
        if pending is not None:
            return pending, False
        submission = LabSubmission.objects.create(
            user=user,
            lab=lab,
            namespace=namespace,
            on_student_cluster=student_cluster is not None,
            cluster_server=student_cluster.server if student_cluster else "",
            max_score=lab.max_score,
        )
        grade_submission.delay_on_commit(submission.pk)
    return submission, True


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


def record_result(submission: LabSubmission, results: list[RuleResult]) -> None:
    LabSubmission.objects.filter(pk=submission.pk).update(results=[_result(r) for r in results])


def finish(submission: LabSubmission, results: list[RuleResult]) -> None:
    score = sum(r.points for r in results)
    LabSubmission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.DONE,
        results=[_result(r) for r in results],
        score=score,
        passed=all(r.passed for r in results),
        finished_at=timezone.now(),
        error="",
    )


def fail(submission: LabSubmission, message: str) -> None:
    LabSubmission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.ERROR, error=message, finished_at=timezone.now()
    )


def stuck_submissions() -> list[int]:
    """Queued without a worker for a while, or running longer than a worker may live."""
    now = timezone.now()
    queued_before = now - timedelta(seconds=settings.LAB_QUEUED_STALE_SECONDS)
    # Past the hard time limit the worker has killed the task itself: a row
    # still running then has lost its worker.
    running_before = now - timedelta(seconds=settings.LAB_GRADE_HARD_SECONDS + 5)
    stale_running = list(
        LabSubmission.objects.filter(
            status=SubmissionStatus.RUNNING, claimed_at__lt=running_before
        ).values_list("pk", flat=True)
    )
    # A worker that died mid-grade: the row goes back to the queue.
    LabSubmission.objects.filter(pk__in=stale_running, status=SubmissionStatus.RUNNING).update(
        status=SubmissionStatus.QUEUED, claimed_by="", claimed_at=None
    )
    stale_queued = list(
        LabSubmission.objects.filter(
            status=SubmissionStatus.QUEUED, created_at__lt=queued_before
        ).values_list("pk", flat=True)
    )
    return sorted(set(stale_queued) | set(stale_running))


def _result(result: RuleResult) -> dict[str, Any]:
    return result.as_dict()
