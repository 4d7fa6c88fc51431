"""Reads for exam pages. A student reaches only their own attempts: anyone else's is a 404."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from exams.models import AttemptStatus, Exam, ExamAttempt
from kube import BadKubeconfig
from workspaces.resolve import Workspace, exam_workspace_of


def exams_published() -> list[Exam]:
    return list(Exam.objects.filter(is_published=True))


def exam_get_published(*, slug: str) -> Exam:
    exam = Exam.objects.filter(slug=slug, is_published=True).first()
    if exam is None:
        raise Http404("No such exam")
    return exam


def attempts_for(*, user: User | AnonymousUser, exam: Exam | None = None) -> list[ExamAttempt]:
    if not user.is_authenticated:
        return []
    rows = ExamAttempt.objects.filter(user=user).select_related("exam")
    if exam is not None:
        rows = rows.filter(exam=exam)
    return list(rows[:50])


def attempt_get_own(*, user: User, pk: int) -> ExamAttempt:
    attempt = ExamAttempt.objects.select_related("exam").filter(pk=pk, user=user).first()
    if attempt is None:
        raise Http404("No such exam attempt")
    return attempt


def active_exam_workspace(user_id: int) -> Workspace | None:
    """The workspace of the user's exam in progress, if there is one."""
    attempt = (
        ExamAttempt.objects.filter(user_id=user_id, status=AttemptStatus.IN_PROGRESS)
        .order_by("-started_at")
        .first()
    )
    if attempt is None:
        return None
    try:
        return exam_workspace_of(attempt)
    except BadKubeconfig:
        return None
