"""The same review form sent from several tabs at once records one answer (PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from lessons.models import Chapter, ChapterProgress
from quizzes.models import Review, ReviewCard, ReviewSource
from quizzes.selectors import refreshers
from quizzes.services import (
    quiz_attempt_answer,
    quiz_attempt_finish,
    quiz_attempt_start,
    review_answer,
)
from tests.quizzes.factories import make_quiz, option_id, question_data
from tests.races import Committed, at_once

pytestmark = pytest.mark.django_db
TABS = 6


def test_a_due_card_answered_from_many_tabs_at_once_records_one_answer(committed: Committed):
    user = committed.keep(lambda: User.objects.create_user("race-review"))
    quiz = committed.keep(lambda: make_quiz(questions=[question_data()]))
    question = quiz.questions.get()

    def miss():
        attempt, _ = quiz_attempt_start(user=user, quiz=quiz)
        quiz_attempt_answer(
            attempt=attempt, question=question, raw={"option": [option_id(question, "Wrong")]}
        )
        quiz_attempt_finish(attempt=attempt)

    committed(miss)
    later = timezone.now() + timedelta(minutes=11)
    texts = ["Right", "Wrong", "Also wrong"]

    def answer(index: int):  # type: ignore[no-untyped-def]
        raw = {"option": [option_id(question, texts[index % 3])]}
        return review_answer(user=user, question=question, number=1, raw=raw, now=later)

    answers = at_once(TABS, answer)
    recorded = Review.objects.get(card__user=user, source=ReviewSource.REVIEW)
    assert sum(created for _, created in answers) == 1
    assert {review.pk for review, _ in answers} == {recorded.pk}
    assert ReviewCard.objects.get(user=user).reviews == 2


def test_a_refresher_answered_from_many_tabs_at_once_makes_one_card(committed: Committed):
    user = committed.keep(lambda: User.objects.create_user("race-refresher"))
    chapter = Chapter.objects.get(number=2)
    committed(
        lambda: ChapterProgress.objects.create(
            user=user, chapter=chapter, completed_at=timezone.now() - timedelta(days=30)
        )
    )
    now = timezone.now()
    question = refreshers(user=user, now=now)[0]
    raw = {"answer": ["true"]} if question.type == "true_false" else {"text": ["kubelet"]}
    if question.type in ("single", "multiple"):
        raw = {"option": [question.options[0]["id"]]}
    if question.type == "ordering":
        raw = {f"position-{item}": [str(n)] for n, item in enumerate(question.item_ids, 1)}

    answers = at_once(
        TABS, lambda _: review_answer(user=user, question=question, number=0, raw=raw, now=now)
    )
    assert ReviewCard.objects.filter(user=user).count() == 1
    assert Review.objects.filter(card__user=user).count() == 1
    assert sum(created for _, created in answers) == 1
