"""Classes: two cohorts taught by two instructors, and the people around them.

- carol teaches "Kubernetes 101"; alice is in it;
- dave teaches "Evening class"; bob is in it;
- root is the operator (superuser).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from classes import services
from classes.models import Cohort
from labs.models import Lab, LabSubmission, SubmissionStatus
from lessons.models import Chapter


@pytest.fixture
def dave(django_user_model):  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user("dave", password="correct-horse-4")
    user.groups.add(Group.objects.get(name="instructors"))
    return user


@pytest.fixture
def root(django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_superuser("root", password="correct-horse-5")


@pytest.fixture
def cohort(carol: User, alice: User) -> Cohort:
    cohort = services.cohort_create(name="Kubernetes 101", instructor=carol)
    services.cohort_join(user=alice, code=cohort.join_code)
    return cohort


@pytest.fixture
def other_cohort(dave: User, bob: User) -> Cohort:
    cohort = services.cohort_create(name="Evening class", instructor=dave)
    services.cohort_join(user=bob, code=cohort.join_code)
    return cohort


def make_lab(checks: list[dict[str, Any]], *, slug: str | None = None) -> Lab:
    """A lab row with these checks, in the first chapter of the loaded course."""
    return Lab.objects.create(
        uuid=uuid.uuid4(),
        chapter=Chapter.objects.order_by("number").first(),
        slug=slug or f"test-lab-{uuid.uuid4().hex[:8]}",
        title="Test lab",
        estimated_minutes=10,
        kubernetes_versions=["1.35"],
        instructions_html="<p>Do it.</p>",
        checks=checks,
        content_hash="old",
    )


def make_submission(
    *, user: User, lab: Lab, results: list[dict[str, Any]], status: str = SubmissionStatus.DONE
) -> LabSubmission:
    score = sum(int(r["points"]) for r in results)
    return LabSubmission.objects.create(
        user=user,
        lab=lab,
        namespace="default",
        status=status,
        results=results,
        score=score,
        max_score=sum(int(r["max_points"]) for r in results),
        passed=bool(results) and all(r["passed"] for r in results),
    )
