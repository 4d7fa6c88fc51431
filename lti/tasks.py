"""Celery tasks of the LMS integration: take an id, call a service."""

from __future__ import annotations

import logging

from celery import shared_task

from lti import delivery, roster

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=delivery.MAX_ATTEMPTS - 1, time_limit=60)
def send_score(self, outbox_id: int) -> str:  # type: ignore[no-untyped-def]
    try:
        return delivery.send(outbox_id)
    except delivery.TransientFailure as exc:
        raise self.retry(countdown=2 ** (self.request.retries + 1)) from exc


@shared_task
def send_due_scores() -> int:
    """The sweep: scores whose message was lost, or whose worker died, are sent again."""
    due = delivery.due()
    for outbox_id in due:
        send_score.delay(outbox_id)
    return len(due)


@shared_task(acks_late=True, time_limit=120)
def sync_roster(course_class_id: int, language: str = "") -> None:
    """``language``: the instructor's who asked (their problems are written in it)."""
    roster.roster_sync(course_class_id=course_class_id, language=language)
