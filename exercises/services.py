"""Writes for exercises: submitting an attempt, revealing a hint."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from engine.grading.exercise import ExerciseOutcome, grade_manifest
from exercises.models import Exercise, ExerciseAttempt, ExerciseProgress


def exercise_check(*, exercise: Exercise, manifest: str) -> ExerciseOutcome:
    return grade_manifest(
        manifest, rules=exercise.compiled_rules(), kubernetes_version=exercise.kubernetes_version
    )


@transaction.atomic
def exercise_attempt_submit(*, user: User, exercise: Exercise, manifest: str) -> ExerciseAttempt:
    outcome = exercise_check(exercise=exercise, manifest=manifest)
    progress, _ = ExerciseProgress.objects.select_for_update().get_or_create(
        user=user, exercise=exercise
    )
    attempt = ExerciseAttempt.objects.create(
        user=user,
        exercise=exercise,
        manifest=manifest,
        valid=outcome.valid,
        passed=outcome.passed,
        score=outcome.score,
        max_score=outcome.max_score,
        findings=[f.as_dict() for f in outcome.findings],
        rule_results=[r.as_dict() for r in outcome.rule_results],
        hints_used=progress.hints_revealed,
    )
    progress.attempts = F("attempts") + 1
    progress.best_score = max(progress.best_score, outcome.score)
    if outcome.passed and progress.solved_at is None:
        progress.solved_at = timezone.now()
    progress.save()
    return attempt


@transaction.atomic
def exercise_hint_reveal(*, user: User, exercise: Exercise) -> ExerciseProgress:
    progress, _ = ExerciseProgress.objects.select_for_update().get_or_create(
        user=user, exercise=exercise
    )
    if progress.hints_revealed < len(exercise.hints_html):
        progress.hints_revealed += 1
        progress.save(update_fields=["hints_revealed"])
    return progress
