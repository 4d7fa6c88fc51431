"""Celery tasks: take an id, call a service. Idempotent, so acks_late is safe."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from engine.assertions import RuleResult
from kube import ClusterUnreachable, KubeError
from labs import runs
from labs.grader import grade
from workspaces import lab_runs, resolve

log = logging.getLogger(__name__)
MAX_TRIES = 4


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
    done: list[RuleResult] = []

    def on_result(result: RuleResult) -> None:
        done.append(result)
        runs.record_result(submission, done)

    try:
        cluster = resolve.connect(resolve.workspace_of(submission), prepare=True)
        try:
            # A lab that starts broken is started by its first check, if the student
            # never pressed "Start the lab": the checks then say what to fix.
            lab_runs.ensure_started(
                cluster, user_id=submission.user_id, namespace=submission.namespace,
                on_student_cluster=submission.on_student_cluster, lab=submission.lab,
            )  # fmt: skip
            graded = grade(
                cluster, submission.lab.compiled_checks(), submission.namespace, on_result=on_result
            )
        finally:
            cluster.close()
    except ClusterUnreachable as exc:
        if self.request.retries < self.max_retries:
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
    else:
        runs.finish(submission, graded.results)


@shared_task
def reap_submissions() -> int:
    """Re-enqueue submissions whose message was lost or whose worker died."""
    stuck = runs.stuck_submissions()
    for submission_id in stuck:
        grade_submission.delay(submission_id)
    if stuck:
        log.info("re-enqueued %d stuck lab submissions", len(stuck))
    return len(stuck)
