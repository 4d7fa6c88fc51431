"""Scores for the LMS gradebook: the same best result the tutor's gradebook shows, as 0..1.

Whenever a quiz attempt finishes or a lab submission is graded or regraded,
``item_scored`` writes (or updates) one outbox row per line item that the
student reached that item through, and a worker sends it (``lti.tasks``).
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone
from lti_tool.models import LtiUser

from core import policy
from exams.models import AttemptStatus, ExamAttempt
from labs.models import LabSubmission, SubmissionStatus
from lti.models import ItemKind, PlacedItem, ScoreOutbox
from lti.tasks import send_score
from quizzes.models import QuizAttempt

log = logging.getLogger(__name__)


def fraction_for(*, user_id: int, kind: str, item_uuid: str) -> float | None:
    """The student's best result on the item, from 0 to 1; None when there is none yet.

    As the class's gradebook counts it: less the late penalty its rules set.
    """
    user = User.objects.get(pk=user_id)
    rules = policy.rules_for(user, kind, item_uuid)

    def factor(when: datetime | None) -> float:
        return rules.factor(when) if rules else 1.0

    if kind == ItemKind.QUIZ:
        attempts = QuizAttempt.objects.filter(
            user_id=user_id, quiz__uuid=item_uuid, finished_at__isnull=False
        ).only("score", "max_score", "finished_at")
        ratios = [a.score / a.max_score * factor(a.finished_at) for a in attempts if a.max_score]
        return max(ratios) if ratios else (0.0 if attempts else None)
    if kind == ItemKind.LAB:
        submissions = LabSubmission.objects.filter(
            user_id=user_id, lab__uuid=item_uuid, status=SubmissionStatus.DONE
        ).only("score", "max_score", "finished_at")
        ratios = [s.score / s.max_score * factor(s.finished_at) for s in submissions if s.max_score]
        return max(ratios) if ratios else (0.0 if submissions else None)
    if kind == ItemKind.EXAM:
        graded = ExamAttempt.objects.filter(
            user_id=user_id, exam__uuid=item_uuid, status=AttemptStatus.GRADED
        ).only("score", "max_score")
        ratios = [a.score / a.max_score for a in graded if a.max_score]
        return max(ratios) if ratios else None
    return None


def item_scored(
    *, user_id: int, kind: str, item_uuid: str, language: str = ""
) -> list[ScoreOutbox]:
    """Queue the student's current score on every line item they reached this item by.

    ``language``: the result's (the row that was scored); the worker writes a problem
    sending the score in it, for the instructor ("": English).
    """
    placed = list(
        PlacedItem.objects.filter(kind=kind, item_uuid=item_uuid)
        .exclude(line_item_url="")
        .select_related("resource_link__context__deployment__registration")
    )
    if not placed:
        return []
    fraction = fraction_for(user_id=user_id, kind=kind, item_uuid=item_uuid)
    if fraction is None:
        return []
    rows = []
    now = timezone.now()
    for item in placed:
        registration = item.resource_link.context.deployment.registration
        lti_user = LtiUser.objects.filter(registration=registration, auth_user_id=user_id).first()
        if lti_user is None:  # reached this item otherwise: not in that LMS course
            continue
        row, _ = ScoreOutbox.objects.update_or_create(
            placed_item=item,
            lti_user=lti_user,
            defaults={
                "fraction": round(min(1.0, max(0.0, fraction)), 6),
                "graded_at": now,
                "status": ScoreOutbox.Status.PENDING,
                "attempts": 0,
                "last_error": "",
                "language": language or "",
                "next_try_at": now,
            },
        )
        rows.append(row)
        send_score.delay_on_commit(row.pk)
    return rows
