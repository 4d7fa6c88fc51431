"""Sending one outbox score to the LMS with AGS (PyLTI1p3's AssignmentsGradesService).

Permanent refusals (a 4xx other than 401, 408 and 429) are recorded as
failed and shown to the instructor; everything else is transient and
retried, with a growing wait, by the task and by the periodic sweep, which
also catches messages a broker lost.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import requests
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector

from lti.keys import key_ensure
from lti.models import ScoreOutbox

log = logging.getLogger(__name__)
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
MAX_ATTEMPTS = 8
TRANSIENT_STATUSES = {401, 408, 429}


class TransientFailure(Exception):
    """The LMS could not take the score now; try again later."""


def _wait(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 2**attempts))


def send(outbox_id: int) -> str:
    """Send the row's score; 'sent', 'stale' (the LMS has a newer one), 'failed' or 'done'."""
    row = (
        ScoreOutbox.objects.select_related(
            "placed_item__resource_link__context__deployment__registration", "lti_user"
        )
        .filter(pk=outbox_id)
        .first()
    )
    if row is None or row.status != ScoreOutbox.Status.PENDING:
        return "done"
    # The instructor reads the problems in the language recorded with the score.
    with translation.override(row.language or None):
        return _send(row)


def _send(row: ScoreOutbox) -> str:
    key_ensure()
    graded_at = row.graded_at
    ScoreOutbox.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
    registration = row.placed_item.resource_link.context.deployment.registration
    grade = (
        Grade()
        .set_score_given(row.fraction)
        .set_score_maximum(1.0)
        .set_user_id(row.lti_user.sub)
        .set_timestamp(graded_at.isoformat())
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
    )
    service = AssignmentsGradesService(
        ServiceConnector(registration.to_registration(), requests_session=_session()),
        {"scope": [SCORE_SCOPE], "lineitem": row.placed_item.line_item_url},  # type: ignore[list-item]
    )
    try:
        service.put_grade(grade)
    except LtiServiceException as exc:
        status = exc.response.status_code
        if status == 409:  # the LMS holds a newer score
            _finish(row.pk, graded_at, ScoreOutbox.Status.SENT, _("the LMS kept a newer score"))
            return "stale"
        if 400 <= status < 500 and status not in TRANSIENT_STATUSES:
            _finish(
                row.pk, graded_at, ScoreOutbox.Status.FAILED,
                _("the LMS refused it: HTTP {status}").format(status=status),
            )  # fmt: skip
            return "failed"
        _retry_later(
            row.pk, row.attempts + 1, _("HTTP {status} from the LMS").format(status=status)
        )
        raise TransientFailure(f"HTTP {status}") from exc
    except (requests.RequestException, LtiException) as exc:
        _retry_later(row.pk, row.attempts + 1, f"{type(exc).__name__}: {exc}"[:500])
        raise TransientFailure(str(exc)) from exc
    _finish(row.pk, graded_at, ScoreOutbox.Status.SENT, "")
    return "sent"


def _session() -> requests.Session:
    session = requests.Session()
    session.request = _with_timeout(session.request)  # type: ignore[method-assign]
    return session


def _with_timeout(request):  # type: ignore[no-untyped-def]
    def call(*args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("timeout", 15)
        return request(*args, **kwargs)

    return call


def _finish(pk: int, graded_at, status: str, message: str) -> None:  # type: ignore[no-untyped-def]
    # Only if no regrade replaced the score meanwhile: that newer score is still to send.
    ScoreOutbox.objects.filter(pk=pk, graded_at=graded_at).update(
        status=status, last_error=message, sent_at=timezone.now()
    )


def _retry_later(pk: int, attempts: int, message: str) -> None:
    if attempts >= MAX_ATTEMPTS:
        ScoreOutbox.objects.filter(pk=pk).update(
            status=ScoreOutbox.Status.FAILED,
            last_error=_("gave up after {attempts} tries: {problem}").format(
                attempts=attempts, problem=message
            )[:500],
        )
        return
    ScoreOutbox.objects.filter(pk=pk).update(
        last_error=message[:500], next_try_at=timezone.now() + _wait(attempts)
    )


def due() -> list[int]:
    """Pending scores whose next try has come (a lost message, a worker that died)."""
    return list(
        ScoreOutbox.objects.filter(
            status=ScoreOutbox.Status.PENDING, next_try_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:500]
    )


def resend(*, outbox_id: int, language: str = "") -> None:
    """The instructor's "send again" for a refused score; a new problem is written in
    ``language`` (theirs)."""
    ScoreOutbox.objects.filter(pk=outbox_id).update(
        status=ScoreOutbox.Status.PENDING, attempts=0, next_try_at=timezone.now(), last_error="",
        language=language or "",
    )  # fmt: skip
