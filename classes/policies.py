"""The rules a student's classes set for their work, as ``core.policy`` asks for them.

A student in several open classes that set rules for the same work gets the
most lenient of them: the latest due date (none at all is the latest).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User

from classes.models import WorkPolicy
from core.policy import WorkRules


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
