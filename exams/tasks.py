"""Celery tasks for exams: take an id, call the worker side. Idempotent, so acks_late is safe."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from exams import runs
from exams.models import ExamAttempt
from kube import ClusterUnreachable, KubeError

log = logging.getLogger(__name__)
MAX_TRIES = 4


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_TRIES - 1,
             time_limit=120)  # fmt: skip
def prepare_attempt(self, attempt_id: int) -> None:  # type: ignore[no-untyped-def]
    try:
        attempt = runs.prepare(attempt_id)
    except ClusterUnreachable as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(countdown=2 ** (self.request.retries + 1)) from exc
        _fail_preparing(attempt_id, exc)
        return
    except KubeError as exc:
        _fail_preparing(attempt_id, exc)
        return
    if attempt is not None and attempt.deadline is not None:
        time_out.apply_async(args=[attempt.pk], eta=attempt.deadline)


def _fail_preparing(attempt_id: int, exc: Exception) -> None:
    language = ExamAttempt.objects.filter(pk=attempt_id).values_list("language", flat=True).first()
    with translation.override(language or None):
        message = _("the exam's workspace could not be made: {problem}").format(problem=exc)
    runs.fail_preparing(attempt_id, message)


@shared_task(acks_late=True)
def time_out(attempt_id: int) -> None:
    if runs.time_out(attempt_id):
        grade_attempt.delay(attempt_id)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_TRIES - 1,
    soft_time_limit=settings.LAB_GRADE_SOFT_SECONDS,
    time_limit=settings.LAB_GRADE_HARD_SECONDS,
)
def grade_attempt(self, attempt_id: int) -> None:  # type: ignore[no-untyped-def]
    attempt = runs.claim(attempt_id, worker=self.request.hostname or "worker")
    if attempt is None:
        return  # graded already, or another worker has it
    # Graded in the language of the request that started the attempt (a time-out too).
    with translation.override(attempt.language or None):
        _grade(self, attempt)


def _grade(self, attempt: ExamAttempt) -> None:  # type: ignore[no-untyped-def]
    try:
        results = runs.grade_tasks(attempt)
    except ClusterUnreachable as exc:
        if self.request.retries < self.max_retries:
            runs.release(attempt)
            raise self.retry(countdown=2 ** (self.request.retries + 1)) from exc
        runs.fail(
            attempt,
            _("could not grade: the cluster did not answer ({problem})").format(problem=exc),
        )
        return
    except SoftTimeLimitExceeded:
        runs.release(attempt)
        return
    except KubeError as exc:
        runs.fail(attempt, _("could not grade: {problem}").format(problem=exc))
        return
    runs.finish(attempt, results)
    runs.clean_up(attempt)


@shared_task
def reap_attempts() -> dict[str, int]:
    """Time-outs nobody handed in, gradings whose worker died, preparations that were lost."""
    todo = runs.stuck()
    for attempt_id in todo["time_out"]:
        time_out.delay(attempt_id)
    for attempt_id in todo["grade"]:
        grade_attempt.delay(attempt_id)
    for attempt_id in todo["prepare"]:
        prepare_attempt.delay(attempt_id)
    return {k: len(v) for k, v in todo.items()}
