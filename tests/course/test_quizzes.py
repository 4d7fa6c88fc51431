"""The real course's quiz banks: valid, loaded, exported and imported unchanged, and answerable.

The database tests load content/ over the fixture course (the `real_course` fixture).
"""

from __future__ import annotations

import uuid

import pytest
import yaml
from django.urls import reverse

from lessons.models import Chapter
from quizzes.content import read_bank
from quizzes.export import export_quiz
from quizzes.models import Question, Quiz, QuizAttempt
from quizzes.services import quiz_attempt_answer
from tests.conftest import REAL_COURSE
from tutor.content.registry import check_content


def take_url(attempt, number=None):
    url = reverse("quizzes:take", args=[attempt.pk])
    return f"{url}?q={number}" if number else url


def test_the_real_banks_are_valid():
    report = check_content(REAL_COURSE)
    assert report.errors == []
    assert report.counts["questions"] >= 200


@pytest.mark.django_db
def test_the_real_course_is_loaded(real_course):
    assert Quiz.objects.published().count() == 16
    assert Question.objects.published().count() == check_content(REAL_COURSE).counts["questions"]
    chapter = Chapter.objects.get(number=9)
    assert Quiz.objects.get(chapter=chapter).questions_per_attempt == 10


def test_every_real_question_has_a_uuid_that_parses():
    for path in sorted((REAL_COURSE / "chapters").glob("*/quiz.yaml")):
        for question in yaml.safe_load(path.read_text())["questions"]:
            uuid.UUID(question["uuid"])


@pytest.mark.django_db
@pytest.mark.parametrize("number", range(1, 17))
def test_export_round_trips_every_real_bank(number, real_course, carol_client):
    chapter = Chapter.objects.get(number=number)
    quiz = Quiz.objects.get(chapter=chapter)
    response = carol_client.get(reverse("instructor:export", args=[quiz.pk]))
    exported = response.content.decode()
    assert response["Content-Type"].startswith("application/yaml")
    original = yaml.safe_load((REAL_COURSE / "chapters" / chapter.folder / "quiz.yaml").read_text())
    anchors = {h["anchor"] for h in chapter.toc}
    source, errors = read_bank(
        exported.encode(), shown="export", chapter_uuid=str(chapter.uuid), anchors=anchors
    )
    assert errors == []
    assert source.data == original

    # Load the export into the database from scratch, export again: the same text.
    Question.objects.filter(quiz=quiz).delete()
    quiz.delete()
    reloaded = carol_client.post(
        reverse("instructor:import"), {"chapter": chapter.pk, "text": exported}
    )
    assert reloaded.status_code == 302
    assert export_quiz(Quiz.objects.get(uuid=original["uuid"])) == exported


def right_answer(question):
    """The form fields of the right answer (None for a manifest: there is no reference answer)."""
    data = question.data
    correct = [o["id"] for o in data.get("options", []) if o.get("correct")]
    return {
        "single": lambda: {"option": correct},
        "multiple": lambda: {"option": correct},
        "true_false": lambda: {"answer": ["true" if data["answer"] else "false"]},
        "short_answer": lambda: {"text": [data["accept"][0]]},
        "command": lambda: {"text": [data["accept"][0]]},
        "ordering": lambda: {f"position-{i}": [str(n + 1)] for n, i in enumerate(data["item_ids"])},
        "manifest": lambda: None,
    }[question.type]()


@pytest.mark.django_db
def test_real_questions_render_and_score_through_the_views(real_course, alice_client, alice):
    """Every question of the course renders for a student, and its right answer scores."""
    for quiz in Quiz.objects.published():
        attempt = QuizAttempt.objects.create(
            user=alice, quiz=quiz, question_ids=list(quiz.questions.values_list("pk", flat=True))
        )
        body = alice_client.get(f"{take_url(attempt)}", {"q": "1"}).content.decode()
        assert "Question 1" in body
        for question in quiz.questions.all():
            raw = right_answer(question)
            if raw is None:
                continue
            response, _ = quiz_attempt_answer(attempt=attempt, question=question, raw=raw)
            assert response.correct, question.uuid
        attempt.finished_at = "2026-01-01T00:00Z"
        attempt.save()
