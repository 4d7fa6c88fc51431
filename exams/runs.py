"""Exam attempts, the worker side: prepare the workspace, time out, claim, grade, reap.

The grade is read from the cluster as it stands when the worker reads it,
straight after the attempt is handed in: no check waits for anything to
become ready (a lab's ``eventually``), since the state at the end of the
exam is the answer. A worker that dies while grading leaves the attempt
claimed; the reaper gives it back and another worker grades it again from
the same namespace, which is only deleted once the grade is stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from engine.assertions import compile_rules
from exams.models import AttemptStatus, ExamAttempt
from exams.signals import exam_graded
from kube import KubeError
from labs.grader import grade
from quizzes.models import Question
from quizzes.scoring import score as score_answer
from workspaces import lab_state, resolve

log = logging.getLogger(__name__)
# Preparing a namespace takes seconds: a PREPARING row this much older than a queued
# message may wait (TUTOR_LAB_QUEUED_STALE_SECONDS) lost its message. Preparing twice is
# harmless (the namespace is applied, the clock started by one conditional update).
PREPARE_GRACE = timedelta(seconds=30)


def queued_stale() -> timedelta:
    """A handed-in attempt no worker took within this is enqueued again (as lab submissions)."""
    return timedelta(seconds=int(settings.LAB_QUEUED_STALE_SECONDS))


def grading_seconds() -> int:
    return int(settings.LAB_GRADE_HARD_SECONDS)


def prepare(attempt_id: int) -> ExamAttempt | None:
    """Make the workspace, then start the clock. Raises KubeError for the task to retry."""
    attempt = ExamAttempt.objects.select_related("exam").filter(pk=attempt_id).first()
    if attempt is None or attempt.status != AttemptStatus.PREPARING:
        return None
    workspace = resolve.exam_workspace_of(attempt)
    resolve.exam_prepare(workspace)
    start_tasks(workspace, attempt)
    now = timezone.now()
    started = ExamAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.PREPARING).update(
        status=AttemptStatus.IN_PROGRESS,
        started_at=now,
        deadline=now + timedelta(minutes=attempt.duration_minutes),
    )
    return ExamAttempt.objects.get(pk=attempt.pk) if started else None


@dataclass(frozen=True)
class _TaskStart:
    """A task's start state as ``workspaces.lab_state`` reads a lab's."""

    slug: str
    start_state: str
    start_steps: list[dict[str, Any]] = field(default_factory=list)
    footprint: list[dict[str, Any]] = field(default_factory=list)


def start_tasks(workspace: resolve.Workspace, attempt: ExamAttempt) -> list[str]:
    """Create the start state of every task taken from a lab that starts broken, in the
    exam's namespace, before the clock starts (what exists already is left as it is)."""
    starts = [
        _TaskStart(task["lab"], task["start_state"], list(task.get("start_steps") or []))
        for task in attempt.exam.tasks
        if task.get("start_state")
    ]
    if not starts:
        return []
    created: list[str] = []
    cluster = resolve.connect(workspace)
    try:
        for start in starts:
            created += lab_state.lab_start(cluster, attempt.namespace, start).created
    finally:
        cluster.close()
    return created


def fail_preparing(attempt_id: int, message: str) -> None:
    ExamAttempt.objects.filter(pk=attempt_id, status=AttemptStatus.PREPARING).update(
        status=AttemptStatus.ERROR, error=message
    )


def time_out(attempt_id: int) -> bool:
    """Hand in an attempt whose time is up; True when this did it."""
    now = timezone.now()
    return bool(
        ExamAttempt.objects.filter(
            pk=attempt_id, status=AttemptStatus.IN_PROGRESS, deadline__lte=now
        ).update(status=AttemptStatus.SUBMITTED, submitted_at=F("deadline"), timed_out=True)
    )


def claim(attempt_id: int, *, worker: str) -> ExamAttempt | None:
    claimed = ExamAttempt.objects.filter(pk=attempt_id, status=AttemptStatus.SUBMITTED).update(
        status=AttemptStatus.GRADING,
        claimed_by=worker,
        claimed_at=timezone.now(),
        tries=F("tries") + 1,
    )
    if not claimed:
        return None
    return ExamAttempt.objects.select_related("exam").get(pk=attempt_id)


def release(attempt: ExamAttempt) -> None:
    """Back to the queue (the cluster did not answer): another try later."""
    ExamAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADING).update(
        status=AttemptStatus.SUBMITTED, claimed_by="", claimed_at=None
    )


def grade_tasks(attempt: ExamAttempt) -> dict[str, Any]:
    """Each task's checks over the attempt's namespace, with partial credit by points."""
    workspace = resolve.exam_workspace_of(attempt)
    cluster = resolve.connect(workspace)
    results: dict[str, Any] = {}
    try:
        for task in attempt.exam.tasks:
            raw = [{k: v for k, v in c.items() if k != "eventually"} for c in task["checks"]]
            graded = grade(cluster, compile_rules(raw, lab=True), attempt.namespace)
            checks = [r.as_dict() for r in graded.results]
            points = sum(int(c["points"]) for c in checks)
            max_points = sum(int(c["max_points"]) for c in checks)
            weight = int(task["weight"])
            results[task["id"]] = {
                "score": round(weight * points / max_points, 2) if max_points else 0.0,
                "max_score": weight,
                "points": points,
                "max_points": max_points,
                "checks": checks,
            }
    finally:
        cluster.close()
    return results


def score_questions(attempt: ExamAttempt) -> dict[str, Any]:
    """The exam's quiz questions, scored as the quizzes score them (unanswered: 0)."""
    rows = {
        str(q.uuid): q
        for q in Question.objects.filter(uuid__in=[q["uuid"] for q in attempt.exam.questions])
    }
    results: dict[str, Any] = {}
    for asked in attempt.exam.questions:
        question = rows.get(asked["uuid"])
        answer = attempt.answers.get(asked["uuid"])
        if question is None or answer is None:
            results[asked["uuid"]] = {"points": 0, "max_points": asked["points"], "correct": False,
                                      "answered": answer is not None}  # fmt: skip
            continue
        outcome = score_answer(question.type, question.data, int(asked["points"]), answer)
        results[asked["uuid"]] = {"points": round(outcome.points, 2), "max_points": asked["points"],
                                  "correct": outcome.correct, "answered": True}  # fmt: skip
    return results


def finish(attempt: ExamAttempt, results: dict[str, Any]) -> None:
    questions = score_questions(attempt)
    earned = sum(r["score"] for r in results.values()) + sum(
        q["points"] for q in questions.values()
    )
    score = round(earned, 2)
    max_score = attempt.exam.max_score
    ExamAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.GRADING).update(
        status=AttemptStatus.GRADED,
        results=results,
        question_results=questions,
        score=score,
        max_score=max_score,
        passed=max_score > 0 and 100 * score >= attempt.exam.pass_mark * max_score,
        graded_at=timezone.now(),
        error="",
    )
    exam_graded.send(
        sender=ExamAttempt, user_id=attempt.user_id, exam_uuid=str(attempt.exam.uuid),
        language=attempt.language,
    )  # fmt: skip


def fail(attempt: ExamAttempt, message: str) -> None:
    ExamAttempt.objects.filter(pk=attempt.pk).update(
        status=AttemptStatus.ERROR, error=message, graded_at=timezone.now()
    )


def clean_up(attempt: ExamAttempt) -> None:
    """Delete the graded attempt's namespace; a failure here loses nothing (the grade is stored)."""
    try:
        resolve.exam_release(resolve.exam_workspace_of(attempt))
    except KubeError as exc:
        log.warning(
            "exam attempt %s: namespace %s not deleted: %s", attempt.pk, attempt.namespace, exc
        )


def stuck() -> dict[str, list[int]]:
    """What the reaper must do again: time-outs, lost gradings, lost preparations."""
    now = timezone.now()
    timed_out = list(
        ExamAttempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lte=now).values_list(
            "pk", flat=True
        )
    )
    dead = list(
        ExamAttempt.objects.filter(
            status=AttemptStatus.GRADING,
            claimed_at__lt=now - timedelta(seconds=grading_seconds() + 5),
        ).values_list("pk", flat=True)
    )
    ExamAttempt.objects.filter(pk__in=dead, status=AttemptStatus.GRADING).update(
        status=AttemptStatus.SUBMITTED, claimed_by="", claimed_at=None
    )
    waiting = list(
        ExamAttempt.objects.filter(
            status=AttemptStatus.SUBMITTED, submitted_at__lt=now - queued_stale()
        ).values_list("pk", flat=True)
    )
    preparing = list(
        ExamAttempt.objects.filter(
            status=AttemptStatus.PREPARING, created_at__lt=now - queued_stale() - PREPARE_GRACE
        ).values_list("pk", flat=True)
    )
    return {
        "time_out": timed_out,
        "grade": sorted(set(dead) | set(waiting)),
        "prepare": preparing,
    }
