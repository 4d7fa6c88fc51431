"""The gradebook from real work: chapters marked done, quizzes taken, exercises and labs."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from classes import services
from classes.gradebook import csv_safe, gradebook_for
from exercises.models import Exercise
from exercises.services import exercise_attempt_submit
from labs.models import SubmissionStatus
from lessons.models import Chapter
from lessons.services import chapter_set_done
from quizzes.services import quiz_attempt_answer, quiz_attempt_finish, quiz_attempt_start
from tests.classes.conftest import make_lab, make_submission
from tests.quizzes.factories import make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db

CHECK = {"id": "exists", "title": "Deployment web", "points": 2, "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}}  # fmt: skip
OTHER = {"id": "svc", "title": "Service web", "select": {"kind": "Service", "name": "web"}, "count": {"equals": 1}}  # fmt: skip


def result(check_id: str, passed: bool, points: int) -> dict:
    return {"id": check_id, "title": check_id, "passed": passed, "points": points if passed else 0,
            "max_points": points, "message": "", "hint": "", "evidence": {}}  # fmt: skip


def take_quiz(user: User, quiz, right: int) -> None:  # type: ignore[no-untyped-def]
    """One finished attempt with ``right`` of the quiz's questions answered right."""
    attempt, _ = quiz_attempt_start(user=user, quiz=quiz)
    for n, question in enumerate(quiz.questions.all()):
        text = "Right" if n < right else "Wrong"
        quiz_attempt_answer(
            attempt=attempt, question=question, raw={"option": [option_id(question, text)]}
        )
    quiz_attempt_finish(attempt=attempt)


@pytest.fixture
def work(alice, bob, cohort):  # type: ignore[no-untyped-def]
    """alice (in the class) and bob (not in it) have both done some work."""
    chapters = list(Chapter.objects.published().order_by("number"))
    for chapter in chapters[:3]:
        chapter_set_done(user=alice, chapter=chapter, done=True)
    chapter_set_done(user=bob, chapter=chapters[0], done=True)

    quiz = make_quiz(questions=[question_data() for _ in range(4)], pass_mark=60)
    take_quiz(alice, quiz, right=1)  # 25%
    take_quiz(alice, quiz, right=3)  # 75%, passed: the best
    take_quiz(alice, quiz, right=2)  # 50%
    take_quiz(bob, quiz, right=4)

    exercise = Exercise.objects.published().order_by("chapter__number", "position").first()
    assert exercise is not None
    exercise_attempt_submit(user=alice, exercise=exercise, manifest="kind: Nope\n")
    exercise_attempt_submit(user=alice, exercise=exercise, manifest=exercise.solution)

    lab = make_lab([CHECK, OTHER], slug="aaa-test-lab")
    make_submission(
        user=alice, lab=lab, results=[result("exists", True, 2), result("svc", True, 1)]
    )
    make_submission(
        user=alice, lab=lab, results=[result("exists", True, 2), result("svc", False, 1)]
    )
    make_submission(user=alice, lab=lab, results=[], status=SubmissionStatus.ERROR)
    make_submission(user=bob, lab=lab, results=[result("exists", True, 2), result("svc", True, 1)])
    return {"quiz": quiz, "exercise": exercise, "lab": lab, "chapters": chapters}


def test_each_student_row_holds_their_best_work(cohort, alice, work):
    gradebook = gradebook_for(cohort=cohort)
    [row] = gradebook.rows  # bob is not in this class
    assert row.user == alice
    assert row.chapters_done == 3
    assert gradebook.chapters_total == len(work["chapters"])
    quiz_cell = row.quizzes[work["quiz"].pk]
    assert (quiz_cell.best_percent, quiz_cell.passed, quiz_cell.attempts) == (75, True, 3)
    assert row.exercises_solved == 1
    assert gradebook.exercises_total == Exercise.objects.published().count()
    lab_cell = row.labs[work["lab"].pk]
    # The best finished score; the last submission whatever its state.
    assert (lab_cell.best_score, lab_cell.best_max, lab_cell.passed) == (3, 3, True)
    assert lab_cell.submissions == 3
    assert lab_cell.last is not None and lab_cell.last.status == SubmissionStatus.ERROR
    # Every published quiz and lab is a column, in course order.
    assert [q.pk for q, _ in row.quiz_row] == [q.pk for q in gradebook.quizzes]
    assert work["lab"] in gradebook.labs


def test_the_gradebook_costs_the_same_queries_for_a_bigger_class(cohort, work, django_user_model):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            gradebook_for(cohort=cohort)
        return len(captured)

    few = queries()
    for n in range(10):
        student = django_user_model.objects.create_user(f"student{n}")
        services.cohort_join(user=student, code=cohort.join_code)
        make_submission(user=student, lab=work["lab"], results=[result("exists", True, 2)])
    assert queries() == few


def test_the_page_shows_the_gradebook(carol_client, cohort, alice, bob, work):
    page = carol_client.get(cohort.get_absolute_url()).content.decode()
    assert reverse("classes_instructor:student", args=[cohort.pk, alice.pk]) in page
    assert ">alice<" in page and ">bob<" not in page
    assert "75%" in page and "3/3" in page
    assert "last: could not check" in page


def test_the_student_page_lists_every_attempt(carol_client, cohort, alice, work):
    page = carol_client.get(
        reverse("classes_instructor:student", args=[cohort.pk, alice.pk])
    ).content.decode()
    assert page.count("Test quiz") == 3
    assert "75%" in page and "25%" in page
    assert work["exercise"].title in page and "Solved" in page and "Invalid" in page
    assert page.count("Checks and evidence") == 3


def test_the_csv_export(carol_client, cohort, work):
    response = carol_client.get(reverse("classes_instructor:gradebook_csv", args=[cohort.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="gradebook-class-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    [alice_row] = rows
    assert alice_row["username"] == "alice"
    assert alice_row["chapters_done"] == "3"
    # Chapter 1 has the course's quiz and the test's: each its own column.
    quiz = work["quiz"]
    assert alice_row[f"quiz_ch1_{quiz.pk}_best_percent"] == "75"
    others = [
        k
        for k in alice_row
        if k.startswith("quiz_ch1_") and k != f"quiz_ch1_{quiz.pk}_best_percent"
    ]
    assert len(others) == 1 and alice_row[others[0]] == ""
    assert alice_row["quiz_ch2_best_percent"] == ""
    header = response.content.decode().splitlines()[0].split(",")
    assert len(header) == len(set(header))
    assert alice_row["exercises_solved"] == "1"
    assert alice_row["lab_aaa-test-lab_best_score"] == "3"
    assert alice_row["lab_aaa-test-lab_max_score"] == "3"
    assert alice_row["lab_aaa-test-lab_submissions"] == "3"
    assert alice_row["lab_aaa-test-lab_last_status"] == "error"


def test_the_json_export(carol_client, cohort, work):
    response = carol_client.get(reverse("classes_instructor:gradebook_json", args=[cohort.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert set(data) == {"cohort", "generated_at", "chapters_total", "exercises_total",
                         "quizzes", "labs", "exams", "students"}  # fmt: skip
    assert data["cohort"]["name"] == "Kubernetes 101" and data["cohort"]["ended_at"] is None
    [student] = data["students"]
    assert student["username"] == "alice" and student["chapters_done"] == 3
    assert student["quizzes"][str(work["quiz"].pk)] == {
        "best_percent": 75,
        "passed": True,
        "attempts": 3,
    }
    lab = student["labs"]["aaa-test-lab"]
    assert lab["best_score"] == 3 and lab["max_score"] == 3 and lab["submissions"] == 3
    assert lab["last"]["status"] == "error"
    assert {"slug": "aaa-test-lab", "title": "Test lab", "chapter": 1, "max_score": 3} in data[
        "labs"
    ]


@pytest.mark.parametrize("name", ["=cmd|' /C calc'!A0", "+1234", "-2+3", "@SUM(1+1)", "\tx"])
def test_cells_a_spreadsheet_would_run_are_quoted(name):
    assert csv_safe(name) == "'" + name
    assert csv_safe("alice") == "alice" and csv_safe(3) == 3


def test_a_username_cannot_smuggle_a_formula_into_the_csv(carol_client, cohort, django_user_model):
    # Django's sign-up accepts these characters: @, +, - are valid in usernames.
    for name in ("@SUM(1+1)", "-2+3", "+cmd"):
        student = django_user_model.objects.create_user(name)
        services.cohort_join(user=student, code=cohort.join_code)
    response = carol_client.get(reverse("classes_instructor:gradebook_csv", args=[cohort.pk]))
    names = [r[0] for r in csv.reader(io.StringIO(response.content.decode()))][1:]
    assert sorted(names) == sorted(["'@SUM(1+1)", "'-2+3", "'+cmd", "alice"])
