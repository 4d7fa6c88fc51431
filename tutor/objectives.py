"""Progress by objective: what practises each of a chapter's objectives, and how well a student knows it.

A quiz question, an exercise or a lab names the objectives it practises
(``objectives: [1, 3]`` in its file). A student has shown an item when their
latest answer to a question was right, when they solved an exercise, when
all of a lab's checks passed. An objective is mastered when they have shown
at least MASTERED of its items; practising once they have tried any.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser, User

from exercises.models import Exercise, ExerciseProgress
from exercises.selectors import exercise_results, published_exercises
from labs.selectors import LabResult, lab_results, published_labs
from lessons.models import Chapter
from quizzes.models import Question
from quizzes.selectors import latest_answers, practice_questions

AnyUser = User | AnonymousUser
MASTERED = 0.8


@dataclass
class ObjectiveProgress:
    number: int
    text: str
    questions: list[Question] = field(default_factory=list)
    exercises: list[tuple[Exercise, ExerciseProgress | None]] = field(default_factory=list)
    labs: list[LabResult] = field(default_factory=list)
    # Of the questions: how many the student's latest answer got right, and how many they answered.
    questions_right: int = 0
    questions_answered: int = 0

    @property
    def items(self) -> int:
        return len(self.questions) + len(self.exercises) + len(self.labs)

    @property
    def shown(self) -> int:
        """How many of its items the student has shown they can do."""
        solved = sum(1 for _, progress in self.exercises if progress and progress.solved_at)
        passed = sum(1 for result in self.labs if result.passed)
        return self.questions_right + solved + passed

    @property
    def tried(self) -> bool:
        return (
            self.questions_answered > 0
            or any(progress and progress.attempts for _, progress in self.exercises)
            or any(result.tried for result in self.labs)
        )

    @property
    def level(self) -> str:
        """``none`` (nothing practises it), ``new``, ``practising`` or ``mastered``."""
        if not self.items:
            return "none"
        if self.shown >= MASTERED * self.items:
            return "mastered"
        return "practising" if self.tried else "new"


def _objectives(
    chapter: Chapter,
    *,
    questions: Iterable[Question],
    exercises: Iterable[tuple[Exercise, ExerciseProgress | None]],
    labs: Iterable[LabResult],
    answers: dict[int, bool],
) -> list[ObjectiveProgress]:
    found = [
        ObjectiveProgress(number=n, text=text) for n, text in enumerate(chapter.objectives, start=1)
    ]

    def tied(numbers: list[int]) -> list[ObjectiveProgress]:
        return [found[n - 1] for n in numbers if 1 <= n <= len(found)]

    for question in questions:
        for objective in tied(question.objectives):
            objective.questions.append(question)
            if question.pk in answers:
                objective.questions_answered += 1
                objective.questions_right += answers[question.pk]
    for exercise, progress in exercises:
        for objective in tied(exercise.objectives):
            objective.exercises.append((exercise, progress))
    for result in labs:
        for objective in tied(result.lab.objectives):
            objective.labs.append(result)
    return found


def chapter_objectives(*, chapter: Chapter, user: AnyUser) -> list[ObjectiveProgress]:
    """The chapter's objectives, in order, with what practises each and the user's standing."""
    questions = practice_questions(chapter_ids=[chapter.pk])
    exercises = list(published_exercises().filter(chapter=chapter))
    labs = list(published_labs().filter(chapter=chapter))
    return _objectives(
        chapter,
        questions=questions,
        exercises=exercise_results(user=user, exercises=exercises),
        labs=lab_results(user=user, labs=labs),
        answers=latest_answers(user=user, question_ids=[q.pk for q in questions]),
    )


@dataclass
class ChapterMastery:
    mastered: int
    practised: int  # objectives that have something to practise them


def course_mastery(
    *,
    chapters: list[Chapter],
    user: AnyUser,
    exercises: list[tuple[Exercise, ExerciseProgress | None]],
    labs: list[LabResult],
) -> dict[int, ChapterMastery]:
    """Per chapter id: how many of its objectives the user has mastered.

    ``exercises`` and ``labs``: every published one with the user's standing
    (the profile shows them too). A bounded number of queries for any course.
    """
    questions = practice_questions(chapter_ids=[c.pk for c in chapters])
    answers = latest_answers(user=user, question_ids=[q.pk for q in questions])
    mastery = {}
    for chapter in chapters:
        objectives = _objectives(
            chapter,
            questions=(q for q in questions if q.quiz.chapter_id == chapter.pk),
            exercises=(pair for pair in exercises if pair[0].chapter_id == chapter.pk),
            labs=(result for result in labs if result.lab.chapter_id == chapter.pk),
            answers=answers,
        )
        mastery[chapter.pk] = ChapterMastery(
            mastered=sum(1 for o in objectives if o.level == "mastered"),
            practised=sum(1 for o in objectives if o.items),
        )
    return mastery
