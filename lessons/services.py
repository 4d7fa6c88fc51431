"""Writes for chapter progress."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone

from lessons.models import Chapter, ChapterProgress


def chapter_visit(*, user: User, chapter: Chapter) -> ChapterProgress:
    progress, _ = ChapterProgress.objects.update_or_create(
        user=user, chapter=chapter, defaults={"last_visited_at": timezone.now()}
    )
    return progress


def chapter_set_done(*, user: User, chapter: Chapter, done: bool) -> ChapterProgress:
    """Mark a chapter done or not done. Marking twice keeps the first completion time."""
    progress, _ = ChapterProgress.objects.get_or_create(user=user, chapter=chapter)
    if done and progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
    elif not done and progress.completed_at is not None:
        progress.completed_at = None
        progress.save(update_fields=["completed_at"])
    return progress
