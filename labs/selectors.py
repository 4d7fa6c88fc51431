"""Reads for lab pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet
from django.http import Http404

from engine.markdown import plain_text as html_to_text
from labs.models import Lab, LabSubmission, LiveCheck, SubmissionStatus
from lessons.selectors import NextStep, after_chapter


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


@dataclass
class LabResult:
    """A student's standing in one lab: their best finished check, and whether all checks passed."""

    lab: Lab
    best: LabSubmission | None
    tried: bool

    @property
    def passed(self) -> bool:
        return bool(self.best and self.best.passed)


def published_labs() -> QuerySet[Lab]:
    return (
        Lab.objects.filter(is_published=True, chapter__is_published=True)
        .select_related("chapter")
        .defer("chapter__body_html", "chapter__toc", "instructions_html")
        .order_by("chapter__number", "slug")
    )


def lab_results(*, user: User | AnonymousUser, labs: list[Lab]) -> list[LabResult]:
    """Each lab with the user's best finished check (a pass first, then the highest score)."""
    best: dict[int, LabSubmission] = {}
    tried: set[int] = set()
    if user.is_authenticated:
        submissions = LabSubmission.objects.filter(user=user, lab__in=labs).only(
            "lab_id", "status", "score", "max_score", "passed", "created_at", "finished_at"
        )
        for submission in submissions.order_by("created_at"):
            tried.add(submission.lab_id)
            if submission.status != SubmissionStatus.DONE:
                continue
            current = best.get(submission.lab_id)
            if current is None or (submission.passed, submission.score) > (
                current.passed,
                current.score,
            ):
                best[submission.lab_id] = submission
    for lab in labs:
        if lab.pk in best:
            best[lab.pk].lab = lab  # its URL names the lab: no query per row
    return [LabResult(lab=lab, best=best.get(lab.pk), tried=lab.pk in tried) for lab in labs]


def lab_next_step(*, lab: Lab, user: User | AnonymousUser) -> NextStep:
    """After this lab: the chapter's next lab the user has not passed, else the next chapter."""
    labs = list(published_labs().filter(chapter_id=lab.chapter_id))
    later = [other for other in labs if other.slug > lab.slug]
    for result in lab_results(user=user, labs=later):
        if not result.passed:
            return NextStep("lab", result.lab.title, result.lab.get_absolute_url())
    return after_chapter(chapter=lab.chapter, user=user)


def search_labs(*, terms: list[str], limit: int = 20) -> list[tuple[Lab, str]]:
    """Published labs whose title or instructions contain every term, with the instructions as text."""
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition &= Q(title__icontains=term) | Q(instructions_html__icontains=term)
    found = []
    labs = Lab.objects.filter(condition, is_published=True, chapter__is_published=True)
    for lab in labs.select_related("chapter").order_by("chapter__number", "slug"):
        text = html_to_text(lab.instructions_html)
        if all(term in f"{lab.title}\n{text}".lower() for term in terms):
            found.append((lab, text))
    return found[:limit]
