from __future__ import annotations

import random

import pytest

from quizzes import services
from quizzes.models import QuizAttempt, Response
from quizzes.services import (
    AttemptFinished,
    InvalidAnswer,
    QuestionNotInAttempt,
    quiz_attempt_answer,
    quiz_attempt_finish,
    quiz_attempt_start,
)
from tests.quizzes.factories import make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db


def answer_single(attempt, question, text):
    return quiz_attempt_answer(
        attempt=attempt, question=question, raw={"option": [option_id(question, text)]}
    )


def test_it_starts_an_attempt_with_the_whole_bank_in_order(alice):
    quiz = make_quiz(
        questions=[question_data(), question_data("true_false"), question_data("ordering")]
    )
    attempt, resumed = quiz_attempt_start(user=alice, quiz=quiz, rng=random.Random(1))
    assert not resumed
    assert attempt.question_ids == list(quiz.questions.values_list("pk", flat=True))
    single, _, ordering = quiz.questions.all()
    assert sorted(attempt.option_orders[str(single.pk)]) == sorted(o["id"] for o in single.options)
    assert attempt.option_orders[str(ordering.pk)] != ordering.item_ids
    assert sorted(attempt.option_orders[str(ordering.pk)]) == sorted(ordering.item_ids)


def test_it_draws_questions_per_attempt_from_a_larger_bank(alice):
    quiz = make_quiz(questions=[question_data() for _ in range(8)], questions_per_attempt=3)
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz, rng=random.Random(7))
    assert len(attempt.question_ids) == 3
    positions = [quiz.questions.get(pk=pk).position for pk in attempt.question_ids]
    assert positions == sorted(positions)


def test_it_resumes_an_unfinished_attempt_instead_of_starting_another(alice):
    quiz = make_quiz()
    first, _ = quiz_attempt_start(user=alice, quiz=quiz)
    again, resumed = quiz_attempt_start(user=alice, quiz=quiz)
    assert resumed and again.pk == first.pk
    assert QuizAttempt.objects.filter(user=alice, quiz=quiz).count() == 1


def test_a_retake_is_a_new_attempt_with_a_new_draw(alice):
    quiz = make_quiz(questions=[question_data() for _ in range(12)], questions_per_attempt=4)
    draws = set()
    for seed in range(5):
        attempt, resumed = quiz_attempt_start(user=alice, quiz=quiz, rng=random.Random(seed))
        assert not resumed
        draws.add(tuple(attempt.question_ids))
        quiz_attempt_finish(attempt=attempt)
    assert QuizAttempt.objects.filter(user=alice, quiz=quiz).count() == 5
    assert len(draws) > 1


def test_unpublished_questions_are_not_drawn(alice):
    quiz = make_quiz(questions=[question_data(), question_data()])
    hidden = quiz.questions.first()
    hidden.is_published = False
    hidden.save()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    assert hidden.pk not in attempt.question_ids


def test_an_answer_is_scored_and_recorded(alice):
    quiz = make_quiz()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    response, created = answer_single(attempt, quiz.questions.get(), "Right")
    assert created and response.correct and response.points == 1


def test_a_second_submit_returns_the_recorded_response_unchanged(alice):
    quiz = make_quiz()
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    first, _ = answer_single(attempt, question, "Wrong")
    again, created = answer_single(attempt, question, "Right")
    assert not created
    assert again.pk == first.pk and not again.correct and again.points == 0
    assert Response.objects.filter(attempt=attempt).count() == 1


def test_two_tabs_cannot_record_two_answers(alice):
    quiz = make_quiz()
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    tab_one = QuizAttempt.objects.get(pk=attempt.pk)
    tab_two = QuizAttempt.objects.get(pk=attempt.pk)
    answer_single(tab_one, question, "Right")
    second, created = answer_single(tab_two, question, "Wrong")
    assert not created and second.correct
    assert Response.objects.filter(attempt=attempt).count() == 1


def test_a_race_past_the_first_check_still_records_one_answer(alice, monkeypatch):
    """Both tabs passed the "already answered?" read before either wrote."""
    quiz = make_quiz()
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    answer_single(attempt, question, "Right")

    class NoneYet:
        def filter(self, **kwargs):
            return self

        def first(self):
            return None

    real = Response.objects
    monkeypatch.setattr(services.Response, "objects", NoneYet())
    monkeypatch.setattr(
        services.Response.objects, "get_or_create", real.get_or_create, raising=False
    )
    second, created = answer_single(attempt, question, "Wrong")
    monkeypatch.undo()
    assert not created and second.correct
    assert Response.objects.filter(attempt=attempt).count() == 1


def test_two_tabs_starting_at_once_share_one_attempt(alice):
    quiz = make_quiz()
    QuizAttempt.objects.create(user=alice, quiz=quiz, question_ids=[quiz.questions.get().pk])
    _, resumed = quiz_attempt_start(user=alice, quiz=quiz)
    assert resumed
    assert QuizAttempt.objects.filter(user=alice, quiz=quiz).count() == 1


def test_answers_are_refused_with_a_reason(alice):
    quiz = make_quiz(questions=[question_data(), question_data("ordering")])
    single, ordering = quiz.questions.all()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    other = make_quiz().questions.get()
    with pytest.raises(QuestionNotInAttempt):
        answer_single(attempt, other, "Right")
    with pytest.raises(InvalidAnswer, match="not part of this question"):
        quiz_attempt_answer(attempt=attempt, question=single, raw={"option": ["nope"]})
    with pytest.raises(InvalidAnswer, match="different position"):
        raw = {f"position-{i}": ["1"] for i in ordering.item_ids}
        quiz_attempt_answer(attempt=attempt, question=ordering, raw=raw)
    assert not Response.objects.filter(attempt=attempt).exists()


def test_a_finished_attempt_takes_no_more_answers(alice):
    quiz = make_quiz(questions=[question_data(), question_data()])
    first, second = quiz.questions.all()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    answer_single(attempt, first, "Right")
    finished = quiz_attempt_finish(attempt=attempt)
    with pytest.raises(AttemptFinished):
        answer_single(attempt, second, "Right")
    with pytest.raises(AttemptFinished):
        answer_single(finished, second, "Right")
    assert Response.objects.filter(attempt=attempt).count() == 1


def test_finishing_scores_unanswered_questions_as_zero(alice):
    quiz = make_quiz(
        questions=[question_data(), question_data(points=3), question_data()], pass_mark=25
    )
    first, second, _ = quiz.questions.all()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    answer_single(attempt, first, "Right")
    answer_single(attempt, second, "Wrong")
    finished = quiz_attempt_finish(attempt=attempt)
    assert (finished.score, finished.max_score, finished.percent, finished.passed) == (
        1,
        5,
        20,
        False,
    )
    assert quiz_attempt_finish(attempt=attempt).finished_at == finished.finished_at


def test_passing_needs_the_pass_mark(alice):
    quiz = make_quiz(questions=[question_data(), question_data()], pass_mark=50)
    first, _ = quiz.questions.all()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    answer_single(attempt, first, "Right")
    assert quiz_attempt_finish(attempt=attempt).passed
