"""Reads for exercise pages."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.http import Http404

from engine.markdown import plain_text as html_to_text
from exercises.models import Exercise, ExerciseAttempt, ExerciseProgress


def exercise_get_published(*, chapter_slug: str, slug: str) -> Exercise:
    exercise = (
        Exercise.objects.published()
        .select_related("chapter")
        .filter(chapter__slug=chapter_slug, slug=slug)
        .first()
    )
    if exercise is None:
        raise Http404("No such exercise")
    return exercise


def chapter_exercises(
    *, chapter_id: int, user: User | AnonymousUser
) -> list[tuple[Exercise, ExerciseProgress | None]]:
    # Each exercise's URL names its chapter: join it once, without its body
    # (48 KiB of HTML a row), instead of one full chapter query per exercise.
    exercises = list(
        Exercise.objects.published()
        .filter(chapter_id=chapter_id)
        .select_related("chapter")
        .defer("chapter__body_html", "chapter__toc")
    )
    progress: dict[int, ExerciseProgress] = {}
    if user.is_authenticated:
        progress = {
            p.exercise_id: p
            for p in ExerciseProgress.objects.filter(user=user, exercise__in=exercises)
        }
    return [(e, progress.get(e.pk)) for e in exercises]


def exercise_progress(*, user: User | AnonymousUser, exercise: Exercise) -> ExerciseProgress | None:
    if not user.is_authenticated:
        return None
    return ExerciseProgress.objects.filter(user=user, exercise=exercise).first()


def attempts_for(
    *, user: User | AnonymousUser, exercise: Exercise, limit: int = 20
) -> QuerySet[ExerciseAttempt]:
    if not user.is_authenticated:
        return ExerciseAttempt.objects.none()
    return ExerciseAttempt.objects.filter(user=user, exercise=exercise)[:limit]


def published_exercises() -> QuerySet[Exercise]:
    return (
        Exercise.objects.published()
        .select_related("chapter")
        .defer("chapter__body_html", "chapter__toc", "prompt_html", "solution", "starter")
        .order_by("chapter__number", "position")
    )


def exercise_results(
    *, user: User | AnonymousUser, exercises: list[Exercise]
) -> list[tuple[Exercise, ExerciseProgress | None]]:
    """Each exercise with the user's progress in it (none when anonymous or not tried)."""
    progress: dict[int, ExerciseProgress] = {}
    if user.is_authenticated:
        progress = {
            p.exercise_id: p
            for p in ExerciseProgress.objects.filter(user=user, exercise__in=exercises)
        }
    return [(e, progress.get(e.pk)) for e in exercises]


def search_exercises(*, terms: list[str], limit: int = 20) -> list[tuple[Exercise, str]]:
    """Published exercises whose title or task contains every term, with the task as plain text."""
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition &= Q(title__icontains=term) | Q(prompt_html__icontains=term)
    found = []
    exercises = Exercise.objects.published().filter(condition).select_related("chapter")
    for exercise in exercises.order_by("chapter__number", "position"):
        text = html_to_text(exercise.prompt_html)
        searched = f"{exercise.title}\n{text}".lower()
        # The HTML matched, but a term may have been inside a tag, not in the text.
        if all(term in searched for term in terms):
            found.append((exercise, text))
    return found[:limit]
