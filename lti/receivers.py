"""Scores go to the LMS when the apps below say a result is new or changed.

``language`` (when the sender gives it): the one the result was graded in; a problem
sending the score is written in it (else in English).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from exams.signals import exam_graded
from labs.signals import submission_scored
from lti import scores
from lti.models import ItemKind
from quizzes.signals import attempt_finished


@receiver(attempt_finished, dispatch_uid="lti-quiz-score")
def quiz_score(sender: Any, *, user_id: int, quiz_uuid: str, **kwargs: Any) -> None:
    scores.item_scored(user_id=user_id, kind=ItemKind.QUIZ, item_uuid=quiz_uuid)


@receiver(submission_scored, dispatch_uid="lti-lab-score")
def lab_score(sender: Any, *, user_id: int, lab_uuid: str, **kwargs: Any) -> None:
    scores.item_scored(
        user_id=user_id, kind=ItemKind.LAB, item_uuid=lab_uuid, language=kwargs.get("language", "")
    )


@receiver(exam_graded, dispatch_uid="lti-exam-score")
def exam_score(sender: Any, *, user_id: int, exam_uuid: str, **kwargs: Any) -> None:
    scores.item_scored(
        user_id=user_id,
        kind=ItemKind.EXAM,
        item_uuid=exam_uuid,
        language=kwargs.get("language", ""),
    )
