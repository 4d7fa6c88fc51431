"""Celery tasks: take an id, call a service. Idempotent, so acks_late is safe."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_shutting_down
from django.conf import settings

from engine.assertions import RuleResult
from engine.grading.feedback import note_nearby
from kube import ClusterUnreachable, KubeError
from labs import live_runs, runs
from labs.grader import grade
from workspaces import resolve

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
    done: dict[str, RuleResult] = {}
    waiting: dict[str, RuleResult] = {}

    def on_result(result: RuleResult) -> None:
        done[result.id] = result
        waiting.pop(result.id, None)
        runs.record_result(submission, list(done.values()), waiting=list(waiting.values()))

    def on_waiting(result: RuleResult) -> None:
        # The page shows what a check waits for; a write only when that changes.
        before = waiting.get(result.id)
        waiting[result.id] = result
        if before is None or before.message != result.message:
            runs.record_result(submission, list(done.values()), waiting=list(waiting.values()))

    def fail(message: str, detail: str = "") -> None:
        # A check still waiting when the run failed did not pass: it is left out.
        runs.record_result(submission, list(done.values()))
        runs.fail(submission, message, detail=detail)

    checks = submission.lab.compiled_checks()
    try:
        cluster = resolve.connect(resolve.workspace_of(submission), prepare=True)
        try:
            graded = grade(
                cluster, checks, submission.namespace, on_result=on_result, on_waiting=on_waiting
            )
        finally:
            cluster.close()
    except ClusterUnreachable as exc:
        if self.request.retries < self.max_retries:
            runs.release(submission)
            raise self.retry(countdown=2 ** (self.request.retries + 1)) from exc
        if submission.on_student_cluster:
            fail(
                "Your cluster did not answer, so your work could not be checked. Is it running, "
                "and reachable from the tutor at its address? `kubectl get nodes` with the same "
                "kubeconfig shows whether it answers.",
                detail=f"cluster unreachable: {exc}",
            )
        else:
            fail(
                "The lab cluster did not answer, so your work could not be checked. Nothing is "
                "lost: try again in a few minutes, and tell your instructor if it keeps happening.",
                detail=f"cluster unreachable: {exc}. {OPERATOR_HINT}",
            )
    except SoftTimeLimitExceeded:
        fail("Checking took too long; try again in a moment.")
    except KubeError as exc:
        if submission.on_student_cluster:
            fail(f"Your work could not be checked: {exc}", detail=str(exc))
        else:
            fail(
                "The lab cluster refused to answer, so your work could not be checked. Try "
                "again in a moment; tell your instructor if it keeps happening.",
                detail=str(exc),
            )
    else:
        note_nearby(checks, graded.results, graded.snapshot)
        runs.finish(submission, graded.results)


# What an operator does about a tutor cluster that does not answer.
OPERATOR_HINT = (
    "Start the local control plane with `make cluster-up`, or point the tutor at kind or "
    "minikube with TUTOR_KUBECONFIG; `kubectl get nodes` shows whether kubectl reaches it."
)


@shared_task(bind=True, acks_late=False, ignore_result=True)
def watch_lab(self, live_id: int, run_id: str) -> str:  # type: ignore[no-untyped-def]
    """Live checks for one lab page (queue "live"; see ``labs.live_runs``).

    Acknowledged at once: a run lost with its worker is not redelivered, the
    page notices the silence and offers to resume.
    """
    return live_runs.run(live_id, run_id, worker=self.request.hostname or "live")


@worker_shutting_down.connect
def _stop_live_runs(**_: Any) -> None:
    # A warm shutdown waits for running tasks: live runs end within a beat.
    live_runs.SHUTDOWN.set()


@shared_task
def reap_submissions() -> int:
    """Re-enqueue submissions whose message was lost or whose worker died."""
    stuck = runs.stuck_submissions()
    for submission_id in stuck:
        grade_submission.delay(submission_id)
    if stuck:
        log.info("re-enqueued %d stuck lab submissions", len(stuck))
    return len(stuck)
