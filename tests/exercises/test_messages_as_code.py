"""Messages mark code with backticks; students see code, never the backticks."""

from __future__ import annotations

import pytest

from exercises.models import Exercise
from quizzes.services import quiz_attempt_answer, quiz_attempt_start
from tests.quizzes.factories import make_quiz, question_data

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
TYPO = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containerz: []\n"


def test_the_exercise_result_shows_findings_with_code(alice_client):
    exercise = Exercise.objects.get(slug="pod-with-labels")
    submit = exercise.get_absolute_url() + "submit"
    body = alice_client.post(submit, {"manifest": TYPO}, headers=HX).content.decode()
    assert "<code>containerz</code> is not a field of PodSpec" in body
    assert "`containerz`" not in body


def test_quiz_feedback_shows_findings_with_code(alice_client, alice):
    quiz = make_quiz(questions=[question_data("manifest")])
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    quiz_attempt_answer(attempt=attempt, question=question, raw={"manifest": [TYPO]})
    url = f"/quizzes/attempts/{attempt.pk}/"
    body = alice_client.get(url, {"q": 1}).content.decode()
    assert "<code>containerz</code> is not a field of PodSpec" in body
    assert "`containerz`" not in body
