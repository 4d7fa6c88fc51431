"""check_content: objective numbers on questions, exercises and labs must name a chapter objective."""

from __future__ import annotations

import re
import shutil

import pytest

from engine.content.objectives import objective_errors
from exercises.models import Exercise
from labs.models import Lab
from quizzes.export import export_question
from quizzes.models import Question, Quiz
from quizzes.services import question_check
from tests.conftest import FIXTURE_COURSE
from tutor.content.registry import check_content, load_content


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, root)
    return root


def replace_once(path, old, new):
    text = path.read_text()
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1))


def line_of(path, needle):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_numbers_past_the_chapters_objectives_are_errors_with_file_and_line(course):
    services = course / "chapters" / "09-services"
    quiz = services / "quiz.yaml"
    replace_once(quiz, "    objectives: [6]", "    objectives: [6, 9]")
    exercise = services / "exercises" / "frontend-clusterip.yaml"
    replace_once(exercise, "objectives: [2]", "objectives: [0]")
    lab = services / "labs" / "services" / "lab.yaml"
    replace_once(lab, "objectives: [2, 4, 6]", "objectives: [2, 7]")
    report = check_content(course)
    found = {(e.file.split("/")[-1], e.line, e.message) for e in report.errors}
    assert (
        "quiz.yaml",
        line_of(quiz, "objectives: [6, 9]"),
        "objective 9 does not exist: the chapter has 6 objectives, numbered 1 to 6",
    ) in found
    assert (
        "lab.yaml",
        line_of(lab, "objectives: [2, 7]"),
        "objective 7 does not exist: the chapter has 6 objectives, numbered 1 to 6",
    ) in found
    [zero] = [e for e in report.errors if e.file.endswith("frontend-clusterip.yaml")]
    assert zero.line == line_of(exercise, "objectives: [0]")
    assert "objectives[0]: must be an objective number from 1 to 12" in zero.message


@pytest.mark.parametrize(
    "bad, message",
    [
        ("objectives: []", "must be a list of objective numbers such as [1, 3]"),
        ("objectives: [1, 1]", "must be a list of objective numbers such as [1, 3]"),
        ("objectives: [two]", "must be an objective number from 1 to 12"),
        ("objectives: 2", "must be a list of objective numbers such as [1, 3]"),
    ],
)
def test_a_malformed_list_is_an_error(course, bad, message):
    exercise = course / "chapters" / "09-services" / "exercises" / "frontend-clusterip.yaml"
    replace_once(exercise, "objectives: [2]", bad)
    [error] = check_content(course).errors
    assert error.line == line_of(exercise, bad)
    assert message in error.message


def test_the_key_is_optional_and_loads_as_an_empty_list(course, db):
    exercise = course / "chapters" / "09-services" / "exercises" / "frontend-clusterip.yaml"
    replace_once(exercise, "objectives: [2]\n", "")
    assert check_content(course).ok
    assert load_content(course).report.ok
    assert Exercise.objects.get(slug="frontend-clusterip").objectives == []


def test_loading_keeps_the_numbers(db):
    assert Exercise.objects.get(slug="frontend-clusterip").objectives == [2]
    assert Lab.objects.get(slug="services").objectives == [2, 4, 6]
    assert Question.objects.exclude(objectives=[]).exists()


def test_an_instructor_editing_a_question_in_the_browser_is_checked_too(carol_client, db):
    quiz = Quiz.objects.get(chapter__number=9)
    question = quiz.questions.filter(objectives__isnull=False).exclude(objectives=[]).first()
    text = export_question(question)
    bad = re.sub(r"objectives: \[[^\]]*\]", "objectives: [12]", text)
    data, errors = question_check(quiz=quiz, text=bad, question=question)
    assert data is None
    assert [e.message for e in errors] == [
        "objective 12 does not exist: the chapter has 6 objectives, numbered 1 to 6"
    ]


def test_the_message_for_a_chapter_with_one_objective():
    assert list(objective_errors([2], available=1)) == [
        (0, "objective 2 does not exist: the chapter has one objective, number 1")
    ]
    assert list(objective_errors("not a list", available=3)) == []
