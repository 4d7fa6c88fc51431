"""Two tabs and double clicks, for real: many connections answer at the same moment."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from quizzes.models import QuizAttempt, Response
from quizzes.services import (
    AttemptFinished,
    quiz_attempt_answer,
    quiz_attempt_finish,
    quiz_attempt_start,
)
from tests.quizzes.factories import make_quiz, option_id, question_data
from tests.races import Committed, at_once

pytestmark = pytest.mark.django_db
ROUNDS = 5
TABS = 6


def test_it_starts_one_attempt_when_tabs_start_at_once(committed: Committed):
    user = committed.keep(lambda: User.objects.create_user("race-start"))
    quiz = committed.keep(lambda: make_quiz(questions=[question_data() for _ in range(3)]))
    for _ in range(ROUNDS):
        started = at_once(TABS, lambda _: quiz_attempt_start(user=user, quiz=quiz))
        open_attempts = QuizAttempt.objects.filter(user=user, quiz=quiz, finished_at=None)
        assert open_attempts.count() == 1
        attempt = open_attempts.get()
        assert {a.pk for a, _ in started} == {attempt.pk}
        assert sum(not resumed for _, resumed in started) == 1
        committed(lambda attempt=attempt: quiz_attempt_finish(attempt=attempt))


def test_it_records_one_answer_when_tabs_answer_at_once(committed: Committed):
    user = committed.keep(lambda: User.objects.create_user("race-answer"))
    quiz = committed.keep(lambda: make_quiz(questions=[question_data() for _ in range(ROUNDS)]))
    attempt, _ = committed(lambda: quiz_attempt_start(user=user, quiz=quiz))
    texts = ["Right", "Wrong", "Also wrong"]
    for question in quiz.questions.all():

        def answer(index: int, question=question):  # type: ignore[no-untyped-def]
            tab = QuizAttempt.objects.get(pk=attempt.pk)  # each tab loaded the page itself
            raw = {"option": [option_id(question, texts[index % 3])]}
            return quiz_attempt_answer(attempt=tab, question=question, raw=raw)

        answers = at_once(TABS, answer)
        recorded = Response.objects.get(attempt=attempt, question=question)
        assert sum(created for _, created in answers) == 1
        assert {response.pk for response, _ in answers} == {recorded.pk}
        # Every tab is told what was recorded, not what it sent.
        assert {(r.correct, r.points) for r, _ in answers} == {(recorded.correct, recorded.points)}


def test_a_finish_racing_answers_scores_exactly_what_was_recorded(committed: Committed):
    user = committed.keep(lambda: User.objects.create_user("race-finish"))
    quiz = committed.keep(lambda: make_quiz(questions=[question_data() for _ in range(TABS - 1)]))
    for _ in range(ROUNDS):
        attempt, _ = committed(lambda: quiz_attempt_start(user=user, quiz=quiz))
        questions = list(quiz.questions.filter(pk__in=attempt.question_ids))

        def act(index: int, attempt=attempt, questions=questions):  # type: ignore[no-untyped-def]
            if index == TABS - 1:
                return quiz_attempt_finish(attempt=attempt)
            question = questions[index]
            raw = {"option": [option_id(question, "Right")]}
            try:
                return quiz_attempt_answer(attempt=attempt, question=question, raw=raw)
            except AttemptFinished:
                return None

        at_once(TABS, act)
        finished = QuizAttempt.objects.get(pk=attempt.pk)
        recorded = list(Response.objects.filter(attempt=attempt))
        assert finished.is_finished
        # An answer lands before the finish and counts, or is refused: never after it, uncounted.
        assert finished.score == sum(r.points for r in recorded)
        assert all(r.answered_at <= finished.finished_at for r in recorded)
