"""The real course asks for a command or a manifest in each of its first chapters
(every real question, command ones too, is answered through the views in test_quizzes.py)."""

from __future__ import annotations

import pytest

from lessons.models import Chapter
from quizzes.models import Question

pytestmark = pytest.mark.django_db


def test_the_course_has_a_practice_item_beyond_multiple_choice_in_chapters_1_to_5(real_course):
    for number in range(1, 6):
        kinds = set(
            Question.objects.filter(
                quiz__chapter=Chapter.objects.get(number=number), is_published=True
            ).values_list("type", flat=True)
        )
        assert kinds & {"command", "manifest"}, f"chapter {number} has only {sorted(kinds)}"
