"""The real course's YAML exercises: enough of them, every page renders, every solution passes."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from engine.assertions import compile_rules
from exercises.models import Exercise

pytestmark = pytest.mark.django_db


def test_the_course_has_enough_exercises_across_chapters_7_to_15(real_course):
    exercises = Exercise.objects.published()
    assert exercises.count() >= 24
    assert {e.chapter.number for e in exercises} >= set(range(7, 16)) - {16}


def test_every_exercise_page_renders(real_course, client):
    for exercise in Exercise.objects.published():
        response = client.get(exercise.get_absolute_url())
        assert response.status_code == 200, exercise.slug
        body = response.content.decode()
        assert escape(exercise.title) in body
        assert 'data-editor="yaml"' in body


def test_rules_of_every_exercise_compile_and_the_solution_passes(real_course):
    from engine.grading.exercise import grade_manifest

    for exercise in Exercise.objects.published():
        outcome = grade_manifest(
            exercise.solution,
            rules=compile_rules(exercise.rules),
            kubernetes_version=exercise.kubernetes_version,
        )
        assert outcome.passed, (exercise.slug, outcome.as_dict())
