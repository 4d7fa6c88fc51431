"""Reads for lab pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404

from labs.models import Lab, LabSubmission, LiveCheck, SubmissionStatus


def lab_get_published(*, slug: str) -> Lab:
    lab = (
        Lab.objects.select_related("chapter")
        .filter(slug=slug, is_published=True, chapter__is_published=True)
        .first()
    )
    if lab is None:
        raise Http404("No such lab")
    return lab


def chapter_labs(*, chapter_id: int) -> QuerySet[Lab]:
    return Lab.objects.filter(chapter_id=chapter_id, is_published=True)


def submissions_for(
    *, user: User | AnonymousUser, lab: Lab, limit: int = 20
) -> list[LabSubmission]:
    if not user.is_authenticated:
        return []
    return list(LabSubmission.objects.filter(user=user, lab=lab).select_related("lab")[:limit])


def submission_get_own(*, user: User, lab: Lab, pk: int) -> LabSubmission:
    """The user's own submission; anyone else's is a 404, never a 403 that confirms it exists."""
    submission = (
        LabSubmission.objects.select_related("lab").filter(pk=pk, lab=lab, user=user).first()
    )
    if submission is None:
        raise Http404("No such submission")
    return submission


def live_get_own(*, user: User, lab: Lab) -> LiveCheck | None:
    """The user's own live checks on this lab; nobody else's can be asked for."""
    return LiveCheck.objects.filter(user=user, lab=lab).first()


def live_get_own_by_slug(*, user: User, slug: str) -> LiveCheck | None:
    """The same, with its (published) lab, in one query: what every poll of the page asks."""
    return (
        LiveCheck.objects.select_related("lab", "lab__chapter")
        .filter(user=user, lab__slug=slug, lab__is_published=True, lab__chapter__is_published=True)
        .first()
    )


def latest_results(*, user: User | AnonymousUser, lab: Lab) -> list[Any]:
    """What the student's checks last showed: the live checks, else the newest graded run."""
    if not user.is_authenticated:
        return []
    live = LiveCheck.objects.filter(user=user, lab=lab).only("results").first()
    if live is not None and live.results:
        return list(live.results)
    submission = (
        LabSubmission.objects.filter(user=user, lab=lab, status=SubmissionStatus.DONE)
        .only("results")
        .first()
    )
    return list(submission.results) if submission else []
