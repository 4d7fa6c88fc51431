"""Objects alice owns, made through the real services, for the access and CSRF tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from exercises.models import Exercise, ExerciseAttempt
from exercises.services import exercise_attempt_submit
from labs.models import Lab, LabSubmission
from labs.submissions import lab_submission_create
from quizzes.models import Question, Quiz, QuizAttempt
from quizzes.services import quiz_attempt_finish, quiz_attempt_start
from workspaces.resolve import Where, Workspace

# Put where only alice's own pages may show it: another student's response must not.
MARKER = "alice-private-marker-5150"


@dataclass
class Owned:
    lab: Lab
    submission: LabSubmission
    exercise: Exercise
    exercise_attempt: ExerciseAttempt
    quiz: Quiz
    open_attempt: QuizAttempt
    finished_attempt: QuizAttempt
    question: Question
    manifest_question: Question | None


@pytest.fixture
def superuser(django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_superuser("root", password="root-pass-99")


@pytest.fixture
def owned(alice) -> Owned:  # type: ignore[no-untyped-def]
    lab = Lab.objects.filter(is_published=True).order_by("slug").first()
    assert lab is not None, "the course has no published lab"
    submission, _ = lab_submission_create(
        user=alice, lab=lab, workspace=Workspace(Where.LOCAL, MARKER, True)
    )
    exercise = Exercise.objects.filter(is_published=True).order_by("pk").first()
    assert exercise is not None
    manifest = exercise.starter + f"\n# {MARKER}\n"
    attempt = exercise_attempt_submit(user=alice, exercise=exercise, manifest=manifest)
    quiz = Quiz.objects.filter(is_published=True).order_by("pk").first()
    assert quiz is not None
    finished, _ = quiz_attempt_start(user=alice, quiz=quiz)
    finished = quiz_attempt_finish(attempt=finished)
    open_attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    question = Question.objects.get(pk=open_attempt.question_ids[0])
    manifest_question = Question.objects.filter(
        type="manifest", is_published=True, quiz__is_published=True
    ).first()
    return Owned(
        lab=lab,
        submission=submission,
        exercise=exercise,
        exercise_attempt=attempt,
        quiz=quiz,
        open_attempt=open_attempt,
        finished_attempt=finished,
        question=question,
        manifest_question=manifest_question,
    )
