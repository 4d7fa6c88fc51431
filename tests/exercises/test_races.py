"""An exercise submitted from several tabs at once (real races: PostgreSQL only, tests/races.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from exercises.models import Exercise, ExerciseAttempt, ExerciseProgress
from exercises.services import exercise_attempt_submit
from tests.races import Committed, at_once

pytestmark = pytest.mark.django_db
TABS = 6


def test_first_submits_of_an_exercise_in_several_tabs_count_every_attempt(committed: Committed):
    user = committed.keep(lambda: User.objects.create_user("race-exercise"))
    exercise = Exercise.objects.get(slug="nginx-deployment")
    # No progress row yet: every tab tries to create it at the same moment.
    at_once(
        TABS,
        lambda i: exercise_attempt_submit(
            user=user, exercise=exercise, manifest=exercise.solution if i % 2 else exercise.starter
        ),
    )
    progress = ExerciseProgress.objects.get(user=user, exercise=exercise)
    assert ExerciseAttempt.objects.filter(user=user, exercise=exercise).count() == TABS
    assert progress.attempts == TABS
    assert progress.solved_at is not None and progress.best_score > 0
