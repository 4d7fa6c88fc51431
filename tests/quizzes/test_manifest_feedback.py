"""A manifest question's feedback shows nothing green that did not pass."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from quizzes.services import quiz_attempt_start
from tests.quizzes.factories import make_quiz, question_data

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def rows(body: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="(rule-[a-z]+)" data-check="([a-z0-9-]+)">', body)


def answer(client, alice, manifest):  # type: ignore[no-untyped-def]
    quiz = make_quiz(questions=[question_data("manifest")])
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    url = reverse("quizzes:answer", args=[attempt.pk, question.pk])
    return client.post(url, {"manifest": manifest}, headers=HX).content.decode()


def test_an_invalid_manifest_that_meets_the_rules_shows_no_green_check(alice_client, alice):
    invalid = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    replica: 1\n"
    assert rows(answer(alice_client, alice, invalid)) == [
        ("rule-failed", "valid"), ("rule-pending", "runs-nginx"),
    ]  # fmt: skip


def test_a_valid_manifest_shows_its_validity_and_its_rules(alice_client, alice):
    valid = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n"
    assert rows(answer(alice_client, alice, valid)) == [
        ("rule-passed", "valid"), ("rule-passed", "runs-nginx"),
    ]  # fmt: skip
