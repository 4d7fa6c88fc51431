"""Instructors' quiz YAML through the preview and the import: every hostile text gets its errors, never a 500."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from lessons.models import Chapter
from tests.quizzes.factories import make_quiz

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120), pytest.mark.django_db]

QUESTION = "uuid: 1c6f3d7e-2f53-4a39-9d6b-6c1f7c1f2a11\ntype: short_answer\ndifficulty: easy\nprompt: P?\naccept: [x]\nexplanation: E.\n"
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(8)
)

HOSTILE = [
    ("tags: " + "[" * 99 + "]" * 99 + "\n" + QUESTION, None),  # deep, within the budget
    ("tags: " + "[" * 5000 + "]" * 5000 + "\n" + QUESTION, "nest"),
    (QUESTION + "points: " + "9" * 5000 + "\n", "too long"),
    (QUESTION + "points: 0x" + "f" * 4000 + "\n", "too long"),
    (QUESTION.replace("prompt: P?", 'prompt: "P\\0?"'), "NUL"),
    (BOMB, "expands to more than"),
    (QUESTION.replace("difficulty: easy", "difficulty: [easy]"), "difficulty"),
    (QUESTION.replace("accept: [x]", "accept: [[x], {a: 1}]"), "accept"),
    (QUESTION + "section: [a]\n", "section"),
    (QUESTION + "pattern: '(a+)+$'\n", "repeats a group"),
]  # fmt: skip


@pytest.mark.parametrize("text, message", HOSTILE)
def test_the_preview_answers_with_errors(carol_client, text, message):
    quiz = make_quiz()
    started = time.monotonic()
    response = carol_client.post(
        reverse("instructor:preview", args=[quiz.pk]), {"source": text}, HTTP_HX_REQUEST="true"
    )
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    if message:
        assert message in response.content.decode()


@pytest.mark.parametrize("text, message", HOSTILE)
def test_the_import_answers_with_errors(carol_client, text, message):
    chapter = Chapter.objects.order_by("number").first()
    bank = (
        "uuid: 0b6f3d7e-2f53-4a39-9d6b-6c1f7c1f2a10\ntitle: A test bank\npass_mark: 60\n"
        "layout: one-at-a-time\nquestions:\n- " + text.replace("\n", "\n  ")
    )
    response = carol_client.post(
        reverse("instructor:import"), {"chapter": chapter.pk, "text": bank}
    )
    assert response.status_code in (200, 302, 400)
    if message:
        assert response.status_code == 400 and message in response.content.decode()
