"""Writes for exams, the request side: start, flag a task, submit (by hand or at time-out).

Every change of state is a conditional update on the attempt's row, so two
tabs, a double click or a timer firing as the student clicks "Submit" make
one submission; the worker side is ``exams.runs``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import policy
from exams.models import OPEN, AttemptStatus, Exam, ExamAttempt
from exams.tasks import grade_attempt, prepare_attempt, time_out
from quizzes.answers import AnswerError, RawAnswer, parse_answer
from quizzes.models import Question
from workspaces.resolve import exam_workspace


class ExamError(Exception):
    """A request an exam cannot take; ``status`` is the HTTP status a view answers with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ExamRefused(ExamError):
    status = 403


class ExamClosed(ExamError):
    status = 409


def exam_attempt_start(*, user: User, exam: Exam) -> tuple[ExamAttempt, bool]:
    """The open attempt (resumed: True), else a new one whose workspace a worker prepares."""
    with transaction.atomic():
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        current = ExamAttempt.objects.filter(user=user, exam=exam, status__in=OPEN).first()
        if current is not None:
            return current, True
        rules = policy.exam_rules_for(user, str(exam.uuid))
        minutes = exam.duration_minutes
        if rules is not None:
            used = ExamAttempt.objects.filter(user=user, exam=exam).count()
            refusal = rules.refusal(attempts_used=used)
            if refusal:
                raise ExamRefused(refusal)
            minutes = rules.minutes(exam.duration_minutes)
        workspace = exam_workspace(user, key=secrets.token_hex(8))
        try:
            with transaction.atomic():
                attempt = ExamAttempt.objects.create(
                    user=user, exam=exam, where=workspace.where, namespace=workspace.namespace,
                    duration_minutes=minutes, max_score=exam.max_score,
                    language=translation.get_language() or "",
                )  # fmt: skip
        except IntegrityError:
            return ExamAttempt.objects.get(user=user, exam=exam, status__in=OPEN), True
        prepare_attempt.delay_on_commit(attempt.pk)
    return attempt, False


def exam_flag(*, attempt: ExamAttempt, task_id: str, flagged: bool) -> ExamAttempt:
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise ExamClosed(_("This exam is not in progress."))
    if attempt.exam.task(task_id) is None:
        raise ExamError(_("This exam has no such task."))
    with transaction.atomic():
        locked = ExamAttempt.objects.select_for_update().get(pk=attempt.pk)
        marks = [t for t in locked.flagged if t != task_id] + ([task_id] if flagged else [])
        locked.flagged = marks
        locked.save(update_fields=["flagged"])
    return locked


def exam_attempt_submit(*, attempt: ExamAttempt, timed_out: bool = False) -> bool:
    """Hand the exam in; True when this call did it (False: it was already handed in).

    Handed in after the deadline (a slow click, the timer's task), it counts
    as handed in at the deadline: the clock is the server's.
    """
    now = timezone.now()
    deadline = attempt.deadline
    late = deadline is not None and now >= deadline
    submitted = ExamAttempt.objects.filter(pk=attempt.pk, status__in=OPEN).update(
        status=AttemptStatus.SUBMITTED,
        submitted_at=deadline if late and deadline else now,
        timed_out=timed_out or late,
    )
    if submitted:
        transaction.on_commit(lambda: grade_attempt.delay(attempt.pk))
    return bool(submitted)


def exam_attempt_extend(*, attempt: ExamAttempt, minutes: int) -> ExamAttempt:
    """More time for an attempt in progress (an instructor's extension for this student)."""
    with transaction.atomic():
        locked = ExamAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status not in OPEN:
            return locked
        locked.duration_minutes += minutes
        if locked.deadline is not None:
            locked.deadline += timedelta(minutes=minutes)
        locked.save(update_fields=["duration_minutes", "deadline"])
    if locked.deadline is not None:
        deadline = locked.deadline
        transaction.on_commit(lambda: time_out.apply_async(args=[locked.pk], eta=deadline))
    return locked


def exam_answer(*, attempt: ExamAttempt, question_uuid: str, raw: RawAnswer) -> ExamAttempt:
    """Keep the student's answer to one of the exam's quiz questions (they may change it
    until they hand in; it is scored with the rest, no feedback before)."""
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise ExamClosed(_("This exam is not in progress: answers can no longer change."))
    if question_uuid not in {q["uuid"] for q in attempt.exam.questions}:
        raise ExamError(_("This exam has no such question."))
    question = Question.objects.filter(uuid=question_uuid).first()
    if question is None:
        raise ExamError(_("This question is no longer in the course."))
    try:
        answer = parse_answer(question.type, question.data, raw)
    except AnswerError as exc:
        raise ExamError(str(exc)) from None
    with transaction.atomic():
        locked = ExamAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.status != AttemptStatus.IN_PROGRESS:
            raise ExamClosed(_("This exam is not in progress: answers can no longer change."))
        locked.answers = {**locked.answers, question_uuid: answer}
        locked.save(update_fields=["answers"])
    return locked
