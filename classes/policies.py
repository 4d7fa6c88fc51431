"""The rules a student's classes set for their work, as ``core.policy`` asks for them.

A student in several open classes that set rules for the same work gets the
most lenient of them: the latest due date (none at all is the latest).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User

from classes.models import ExamExtension, ExamSchedule, WorkPolicy
from core.policy import ExamRules, WorkRules


def _rules(policy: WorkPolicy) -> WorkRules:
    return WorkRules(
        cohort_name=policy.cohort.name,
        due_at=policy.due_at,
        late=policy.late,
        penalty_percent=policy.penalty_percent,
        max_attempts=policy.max_attempts,
        feedback_before_due=policy.feedback_before_due,
        feedback_after_due=policy.feedback_after_due,
    )


def _leniency(policy: WorkPolicy) -> tuple[int, datetime]:
    return (1, datetime.max) if policy.due_at is None else (0, policy.due_at.replace(tzinfo=None))


def rules_for_student(user: User, kind: str, item_uuid: str) -> WorkRules | None:
    policies = list(
        WorkPolicy.objects.filter(
            kind=kind, item_uuid=item_uuid, cohort__ended_at__isnull=True,
            cohort__memberships__user=user,
        ).select_related("cohort")
    )  # fmt: skip
    if not policies:
        return None
    return _rules(max(policies, key=_leniency))


def rules_for_cohort(cohort_id: int) -> dict[tuple[str, str], WorkRules]:
    """Every rule of one class, by (kind, item uuid): what its gradebook applies."""
    return {
        (p.kind, str(p.item_uuid)): _rules(p)
        for p in WorkPolicy.objects.filter(cohort_id=cohort_id).select_related("cohort")
    }


def _closing(schedule: ExamSchedule) -> tuple[int, datetime]:
    if schedule.closes_at is None:
        return (1, datetime.max)
    return (0, schedule.closes_at.replace(tzinfo=None))


def exam_rules_for_student(user: User, exam_uuid: str) -> ExamRules | None:
    """The schedule of the student's open classes for this exam (the latest-closing one)."""
    schedules = list(
        ExamSchedule.objects.filter(
            exam__uuid=exam_uuid, cohort__ended_at__isnull=True, cohort__memberships__user=user
        ).select_related("cohort")
    )
    if not schedules:
        return None
    schedule = max(schedules, key=_closing)
    extension = ExamExtension.objects.filter(schedule=schedule, user=user).first()
    return ExamRules(
        cohort_name=schedule.cohort.name,
        opens_at=schedule.opens_at,
        closes_at=schedule.closes_at,
        duration_minutes=schedule.duration_minutes,
        extra_minutes=extension.extra_minutes if extension else 0,
        max_attempts=schedule.max_attempts,
        show_solutions=schedule.show_solutions,
    )
