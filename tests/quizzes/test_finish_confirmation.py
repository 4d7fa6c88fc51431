"""Finishing a quiz with questions left asks first, on a page that needs no JavaScript."""

from __future__ import annotations

import pytest
from django.urls import reverse

from quizzes.models import QuizAttempt
from quizzes.services import quiz_attempt_answer, quiz_attempt_start
from tests.quizzes.factories import make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db


def started(user, count=3, **fields):
    quiz = make_quiz(questions=[question_data() for _ in range(count)], **fields)
    attempt, _ = quiz_attempt_start(user=user, quiz=quiz)
    return attempt


def answer_first(attempt):
    question = attempt.quiz.questions.get(pk=attempt.question_ids[0])
    quiz_attempt_answer(
        attempt=attempt, question=question, raw={"option": [option_id(question, "Right")]}
    )


def test_finish_now_is_a_link_to_a_confirmation_page(alice_client, alice):
    attempt = started(alice)
    answer_first(attempt)
    body = alice_client.get(attempt.get_absolute_url()).content.decode()
    finish = reverse("quizzes:finish", args=[attempt.pk])
    assert f'<a class="button secondary" href="{finish}">Finish now</a>' in body
    page = alice_client.get(finish)
    assert page.status_code == 200
    text = page.content.decode()
    assert "<h1" in text and "Finish the quiz now?" in text
    assert "You have answered 1 of 3 questions." in text
    assert "The 2 questions you have not answered score 0" in text
    assert 'name="confirm" value="yes"' in text
    second = attempt.question_ids[1]
    assert f"{attempt.get_absolute_url()}?q=2#question-{second}" in text
    assert QuizAttempt.objects.get(pk=attempt.pk).finished_at is None


def test_confirming_finishes_and_shows_the_score(alice_client, alice):
    attempt = started(alice)
    answer_first(attempt)
    finish = reverse("quizzes:finish", args=[attempt.pk])
    response = alice_client.post(finish, {"confirm": "yes"})
    assert response["Location"] == reverse("quizzes:review", args=[attempt.pk])
    assert QuizAttempt.objects.get(pk=attempt.pk).finished_at is not None
    # The confirmation page of a finished attempt goes to its score.
    assert alice_client.get(finish)["Location"] == response["Location"]


def test_an_unconfirmed_post_with_questions_left_asks_first(alice_client, alice):
    attempt = started(alice)
    finish = reverse("quizzes:finish", args=[attempt.pk])
    response = alice_client.post(finish)
    assert response["Location"] == finish
    assert QuizAttempt.objects.get(pk=attempt.pk).finished_at is None


def test_with_every_question_answered_finishing_needs_no_confirmation(alice_client, alice):
    attempt = started(alice, count=1)
    answer_first(attempt)
    body = alice_client.get(attempt.get_absolute_url()).content.decode()
    assert 'button type="submit" class="button primary">Finish the quiz' in body
    response = alice_client.post(reverse("quizzes:finish", args=[attempt.pk]))
    assert response["Location"] == reverse("quizzes:review", args=[attempt.pk])


def test_all_on_one_page_asks_too(alice_client, alice):
    attempt = started(alice, layout="all-on-one-page")
    body = alice_client.get(attempt.get_absolute_url()).content.decode()
    finish = reverse("quizzes:finish", args=[attempt.pk])
    assert f'href="{finish}">Finish the quiz</a>' in body


def test_someone_elses_confirmation_page_is_404(client, alice, bob):
    attempt = started(alice)
    client.force_login(bob)
    finish = reverse("quizzes:finish", args=[attempt.pk])
    assert client.get(finish).status_code == 404
    assert client.post(finish, {"confirm": "yes"}).status_code == 404
    assert QuizAttempt.objects.get(pk=attempt.pk).finished_at is None
