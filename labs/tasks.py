"""Celery tasks: take an id, call a service. Idempotent, so acks_late is safe."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from engine.assertions import RuleResult
from kube import ClusterUnreachable, KubeError
from labs import runs
from labs.grader import grade
from workspaces import resolve

log = logging.getLogger(__name__)
MAX_TRIES = 4


def grade_submission_enqueue(
    submission_id: int, *, on_student_cluster: bool, on_commit: bool = False
) -> None:
    """Send a submission to the queue for where it is graded.

    A student's own cluster is untrusted: it may answer slowly or not at all.
    Its gradings go to a queue of their own (with its own worker) and end
    within TUTOR_STUDENT_CLUSTER_GRADE_SECONDS, so that the class's shared
    cluster keeps being graded whatever one student's cluster does.
    """
    options: dict[str, Any] = {}
    if on_student_cluster:
        budget = settings.TUTOR_STUDENT_CLUSTER_GRADE_SECONDS
        options = {
            "queue": settings.TUTOR_UNTRUSTED_QUEUE,
            "soft_time_limit": budget + 15,
            "time_limit": budget + 30,
        }
    if on_commit:
        grade_submission.apply_async_on_commit((submission_id,), **options)
    else:
        grade_submission.apply_async((submission_id,), **options)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_TRIES - 1,
    soft_time_limit=settings.LAB_GRADE_SOFT_SECONDS,
    time_limit=settings.LAB_GRADE_HARD_SECONDS,
)
def grade_submission(self, submission_id: int) -> None:  # type: ignore[no-untyped-def]
    submission = runs.claim(submission_id, worker=self.request.hostname or "worker")
    if submission is None:
        return  # done already, or another worker has it: a redelivery changes nothing
    if submission.tries > MAX_TRIES:
        runs.fail(submission, runs.gave_up_message(submission.tries - 1))
        return
    done: list[RuleResult] = []

    def on_result(result: RuleResult) -> None:
        done.append(result)
        runs.record_result(submission, done)

    try:
        cluster = resolve.connect(resolve.workspace_of(submission), prepare=True)
        try:
            if submission.on_student_cluster:
                cluster.limit_run(settings.TUTOR_STUDENT_CLUSTER_GRADE_SECONDS)
            graded = grade(
                cluster, submission.lab.compiled_checks(), submission.namespace, on_result=on_result
            )
        finally:
            cluster.close()
    except ClusterUnreachable as exc:
        # The class's cluster may be busy for a moment: try again. A student's own
        # cluster is not retried: it may be slow on purpose, and the student checks
        # again once it answers.
        if not submission.on_student_cluster and self.request.retries < self.max_retries:
            runs.release(submission)
            raise self.retry(countdown=2 ** (self.request.retries + 1)) from exc
        hint = (
            "Is your cluster running, and reachable from the tutor at that address? "
            "`kubectl get nodes` with the same kubeconfig shows whether it answers."
            if submission.on_student_cluster
            else "Is your cluster running? `make cluster-up` starts the local one; "
            "`kubectl get nodes` shows whether kubectl reaches it."
        )
        runs.fail(submission, f"could not grade: cluster unreachable ({exc}). {hint}")
    except SoftTimeLimitExceeded:
        runs.fail(submission, "could not grade: checking took too long; try again in a moment.")
    except KubeError as exc:
        runs.fail(submission, f"could not grade: {exc}")
    except Exception:
        # Whatever else went wrong, the submission ends with an answer for the
        # student and a record for the instructor; it never stays "checking".
        log.exception("grading submission %s failed unexpectedly", submission_id)
        runs.fail(
            submission,
            "could not grade: the tutor met an unexpected problem while checking (it is "
            "logged for the operator). Try again; if it happens again, tell your instructor.",
        )
    else:
        runs.finish(submission, graded.results)


@shared_task
def reap_submissions() -> int:
    """Re-enqueue submissions whose message was lost or whose worker died; give up on some.

    A submission that was started MAX_TRIES times without finishing ends as
    "could not grade" instead of going round forever.
    """
    stuck = runs.stuck_submissions(max_tries=MAX_TRIES)
    for submission_id, on_student_cluster in stuck:
        grade_submission_enqueue(submission_id, on_student_cluster=on_student_cluster)
    if stuck:
        log.info("re-enqueued %d stuck lab submissions", len(stuck))
    return len(stuck)
