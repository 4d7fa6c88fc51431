"""What to do after a success: the next exercise, the chapter's lab, the next chapter.

A chapter's practice runs in one order: its quiz, its exercises (in their
order), its labs; then the next chapter. After a success the student is
sent to the next item of that order they have not done yet (an exercise not
solved, a lab whose checks have not all passed); past the chapter's last
item, to the next chapter; past the last chapter, to the end of the course
(where the review waits).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from exercises.selectors import exercise_results, published_exercises
from labs.selectors import lab_next_step, lab_results, published_labs
from lessons.models import Chapter
from lessons.selectors import NextStep, after_chapter

AnyUser = User | AnonymousUser
KINDS = ("quiz", "exercise", "lab")


class UnknownStep(ValueError):
    """The ``after`` parameter names no kind of practice."""


def parse_after(value: str) -> tuple[str, str]:
    """``quiz``, ``exercise:<slug>`` or ``lab:<slug>`` into (kind, slug)."""
    kind, _, slug = value.partition(":")
    if kind not in KINDS or (kind == "quiz") != (slug == ""):
        raise UnknownStep(value)
    return kind, slug


def next_step(*, chapter: Chapter, after: str, user: AnyUser) -> NextStep:
    """The step after ``after`` (see ``parse_after``) in ``chapter``, for this user."""
    kind, slug = parse_after(after)
    exercises = exercise_results(
        user=user, exercises=list(published_exercises().filter(chapter=chapter))
    )
    # The chapter's own labs first, then its troubleshooting labs (they start broken).
    labs = sorted(
        lab_results(user=user, labs=list(published_labs().filter(chapter=chapter))),
        key=lambda result: result.lab.troubleshooting,
    )
    exercise_slugs = [exercise.slug for exercise, _ in exercises]
    lab_slugs = [result.lab.slug for result in labs]
    if (kind == "exercise" and slug not in exercise_slugs) or (
        kind == "lab" and slug not in lab_slugs
    ):
        raise Http404("No such practice in this chapter")
    if kind in ("quiz", "exercise"):
        start = exercise_slugs.index(slug) + 1 if kind == "exercise" else 0
        for exercise, progress in exercises[start:]:
            if not (progress and progress.solved_at):
                return NextStep("exercise", exercise.title, exercise.get_absolute_url())
    if kind == "lab":
        return lab_next_step(lab=labs[lab_slugs.index(slug)].lab, user=user)
    for result in labs:
        if not result.passed:
            return NextStep("lab", result.lab.title, result.lab.get_absolute_url())
    return after_chapter(chapter=chapter, user=user)
