"""Celery tasks: take an id, call a service. Idempotent, so acks_late is safe."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_shutting_down
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from engine.assertions import RuleResult
from engine.grading.feedback import note_nearby
from kube import ClusterUnreachable, KubeError
from labs import live_runs, runs
from labs.grader import grade
from labs.models import LabSubmission
from workspaces import lab_runs, resolve

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
    # The results speak the language of the request that asked for the check.
    with translation.override(submission.language or None):
        _grade(self, submission)


def _grade(self, submission: LabSubmission) -> None:  # type: ignore[no-untyped-def]
    submission_id = submission.pk
    if submission.tries > MAX_TRIES:
        runs.fail(submission, runs.gave_up_message(submission.tries - 1))
        return
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
            if submission.on_student_cluster:
                cluster.limit_run(settings.TUTOR_STUDENT_CLUSTER_GRADE_SECONDS)
            # A lab that starts broken is started by its first check, if the student
            # never pressed "Start the lab": the checks then say what to fix.
            lab_runs.ensure_started(
                cluster, user_id=submission.user_id, namespace=submission.namespace,
                on_student_cluster=submission.on_student_cluster, lab=submission.lab,
            )  # fmt: skip
            graded = grade(
                cluster, checks, submission.namespace, on_result=on_result, on_waiting=on_waiting
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
        if submission.on_student_cluster:
            fail(
                _(
                    "Your cluster did not answer, so your work could not be checked. Is it "
                    "running, and reachable from the tutor at its address? `kubectl get nodes` "
                    "with the same kubeconfig shows whether it answers."
                ),
                detail=f"cluster unreachable: {exc}",
            )
        else:
            fail(
                _(
                    "The lab cluster did not answer, so your work could not be checked. Nothing "
                    "is lost: try again in a few minutes, and tell your instructor if it keeps "
                    "happening."
                ),
                detail=f"cluster unreachable: {exc}. {OPERATOR_HINT}",
            )
    except SoftTimeLimitExceeded:
        fail(_("Checking took too long; try again in a moment."))
    except KubeError as exc:
        if submission.on_student_cluster:
            fail(
                _("Your work could not be checked: {problem}").format(problem=exc), detail=str(exc)
            )
        else:
            fail(
                _(
                    "The lab cluster refused to answer, so your work could not be checked. Try "
                    "again in a moment; tell your instructor if it keeps happening."
                ),
                detail=str(exc),
            )
    except Exception as exc:
        # Whatever else went wrong, the submission ends with an answer for the
        # student and a record for the instructor; it never stays "checking".
        log.exception("grading submission %s failed unexpectedly", submission_id)
        fail(
            _(
                "Your work could not be checked: the tutor met an unexpected problem (it is "
                "logged for the operator). Try again; tell your instructor if it keeps happening."
            ),
            detail=f"unexpected: {type(exc).__name__}: {str(exc)[:300]}",
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
