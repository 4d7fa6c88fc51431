"""Writes for chapter progress."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from lessons.models import Chapter, ChapterProgress

# Reading a page again within this time does not write: a reader scrolling
# and reloading should not cost a database write per request.
VISIT_RESOLUTION = timedelta(seconds=30)


def chapter_visit(
    *, user: User, chapter: Chapter, progress: ChapterProgress | None = None
) -> ChapterProgress:
    """Record that the user is reading the chapter now (``progress``: the row, if already read)."""
    now = timezone.now()
    recent = progress and progress.last_visited_at and now - progress.last_visited_at
    if progress is not None and recent and recent < VISIT_RESOLUTION:
        return progress
    progress, _ = ChapterProgress.objects.update_or_create(
        user=user, chapter=chapter, defaults={"last_visited_at": now}
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


def chapter_visit_by_slug(*, user_id: int, slug: str) -> None:
    """Record a visit when the page came from the cache (no view ran)."""
    chapter = Chapter.objects.published().filter(slug=slug).only("pk").first()
    user = User.objects.filter(pk=user_id, is_active=True).only("pk").first()
    if chapter is None or user is None:
        return
    progress = ChapterProgress.objects.filter(user=user, chapter=chapter).first()
    chapter_visit(user=user, chapter=chapter, progress=progress)
