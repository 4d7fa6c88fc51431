"""Questions that ask for a command: read from a bank, answered through the views."""

from __future__ import annotations

import pytest
from django.urls import reverse

from quizzes.content import check_question
from quizzes.services import quiz_attempt_start
from tests.quizzes.factories import make_quiz, question_data

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def command_question(**extra):  # type: ignore[no-untyped-def]
    extra.setdefault("accept", ["kubectl get pods --namespace kube-system"])
    return question_data("short_answer", type="command", **extra)


def answer(client, attempt, question, text):  # type: ignore[no-untyped-def]
    url = reverse("quizzes:answer", args=[attempt.pk, question.pk])
    return client.post(url, {"text": text}, headers=HX)


def test_the_question_is_a_labelled_text_field_on_its_own_line(alice_client, alice):
    quiz = make_quiz(questions=[command_question()])
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    body = alice_client.get(reverse("quizzes:take", args=[attempt.pk])).content.decode()
    question = quiz.questions.get()
    field = f"question-{question.pk}-command"
    assert f'<label for="{field}">Your command</label>' in body
    assert f'id="{field}" type="text" name="text"' in body and "required" in body
    assert (
        "kube-system --namespace" not in body and "get pods --namespace" not in body
    )  # no answer key


def test_a_right_command_in_another_spelling_scores(alice_client, alice):
    quiz = make_quiz(questions=[command_question()])
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    body = answer(
        alice_client, attempt, quiz.questions.get(), "kubectl -n kube-system get po"
    ).content.decode()
    assert "Correct" in body and "<code>kubectl -n kube-system get po</code>" in body
    assert "<code>kubectl get pods --namespace kube-system</code>" in body


def test_a_wrong_command_says_what_differs(alice_client, alice):
    quiz = make_quiz(questions=[command_question()])
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    body = answer(
        alice_client, attempt, quiz.questions.get(), "kubectl get pods -A"
    ).content.decode()
    assert "Not quite" in body
    assert "<code>--namespace=kube-system</code> is missing." in body


def test_an_empty_command_is_refused_and_counts_nothing(alice_client, alice):
    quiz = make_quiz(questions=[command_question()])
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    response = answer(alice_client, attempt, quiz.questions.get(), "   ")
    assert response.status_code in (200, 400, 422)
    assert not attempt.responses.exists()


def test_a_bank_whose_accepted_command_cannot_be_read_is_refused():
    bad = command_question(accept=["kubectl get pods -n 'kube-system"])
    [(path, message)] = list(check_question(bad, anchors={"first-section"}))
    assert path == ("accept", 0) and "cannot be read: A quote is opened" in message
