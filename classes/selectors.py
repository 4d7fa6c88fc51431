"""Reads for classes. Every object an instructor asks for is fetched and checked in one call.

An instructor sees only the cohorts they teach (an operator, the superuser,
sees all); what belongs to a cohort (a student, a submission) is reached
through the cohort, so asking for anything outside it is a 404 that does not
say whether it exists.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import User
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from classes.models import (
    Cohort,
    ExamSchedule,
    InstructorInvitation,
    Membership,
    SubmissionRegrade,
)
from exams.models import ExamAttempt
from exercises.models import ExerciseAttempt
from labs.models import HintRung, HintStep, LabSubmission, SubmissionStatus
from quizzes.models import QuizAttempt
from workspaces.models import StudentNamespace


def cohorts_for_instructor(*, user: User) -> QuerySet[Cohort]:
    cohorts = Cohort.objects.all() if user.is_superuser else Cohort.objects.filter(instructors=user)
    return cohorts.annotate(member_count=Count("memberships", distinct=True)).order_by(
        "ended_at", "-created_at", "-id"
    )


def cohort_get_for_instructor(*, user: User, pk: int) -> Cohort:
    """The cohort if the user teaches it (or is the operator); otherwise 404."""
    cohort = cohorts_for_instructor(user=user).filter(pk=pk).first()
    if cohort is None:
        raise Http404("No such class")
    return cohort


def memberships(*, cohort: Cohort) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(cohort=cohort).select_related("user").order_by("user__username")
    )


def member_get(*, cohort: Cohort, user_id: int) -> Membership:
    """A student of this cohort; anyone else, 404."""
    membership = memberships(cohort=cohort).filter(user_id=user_id).first()
    if membership is None:
        raise Http404("No such student in this class")
    return membership


def submission_get_for_cohort(*, cohort: Cohort, pk: int) -> LabSubmission:
    """A lab submission by a student of this cohort; anything else, 404."""
    submission = (
        LabSubmission.objects.select_related("lab", "lab__chapter", "user")
        .filter(pk=pk, user__memberships__cohort=cohort)
        .first()
    )
    if submission is None:
        raise Http404("No such submission in this class")
    return submission


def student_cohorts(*, user: User) -> list[Membership]:
    """The student's own classes."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("cohort")
        .prefetch_related("cohort__instructors")
        .order_by("cohort__ended_at", "-joined_at")
    )


def membership_get_own(*, user: User, cohort_pk: int) -> Membership:
    membership = (
        Membership.objects.filter(user=user, cohort_id=cohort_pk).select_related("cohort").first()
    )
    if membership is None:
        raise Http404("You are not in this class")
    return membership


def student_quiz_attempts(*, user: User, limit: int = 100) -> list[QuizAttempt]:
    return list(
        QuizAttempt.objects.filter(user=user).select_related("quiz", "quiz__chapter")[:limit]
    )


def student_exercise_attempts(*, user: User, limit: int = 100) -> list[ExerciseAttempt]:
    return list(
        ExerciseAttempt.objects.filter(user=user)
        .select_related("exercise", "exercise__chapter")
        .defer("manifest")[:limit]
    )


def cohort_grading_failures(
    *, cohort: Cohort, days: int = 7, limit: int = 20
) -> tuple[int, list[LabSubmission]]:
    """Lab submissions of the class's students that ended "could not grade" lately.

    (how many, the latest ``limit``): the instructor sees at a glance when
    grading fails (a cluster down, a student's cluster that answers wrongly).
    """
    since = timezone.now() - timedelta(days=days)
    found = LabSubmission.objects.filter(
        user__memberships__cohort=cohort,
        status=SubmissionStatus.ERROR,
        created_at__gte=since,
    )
    latest = list(
        found.select_related("user", "lab").defer("results").order_by("-created_at")[:limit]
    )
    return found.count(), latest


def student_lab_submissions(*, user: User, limit: int = 100) -> list[LabSubmission]:
    return list(
        LabSubmission.objects.filter(user=user)
        .select_related("lab")
        .defer("results")
        .order_by("-created_at", "-id")[:limit]
    )


def submission_regrades(*, submission: LabSubmission) -> list[SubmissionRegrade]:
    return list(
        SubmissionRegrade.objects.filter(submission=submission).select_related("regraded_by")
    )


def cohort_namespaces(*, cohort: Cohort) -> list[tuple[Membership, StudentNamespace | None]]:
    """Each student of the cohort with their classroom namespace, if they have one."""
    members = list(memberships(cohort=cohort))
    rows = {
        ns.user_id: ns
        for ns in StudentNamespace.objects.filter(user_id__in=[m.user_id for m in members])
    }
    return [(m, rows.get(m.user_id)) for m in members]


def cohort_invitations(*, cohort: Cohort, limit: int = 20) -> list[InstructorInvitation]:
    return list(
        InstructorInvitation.objects.filter(cohort=cohort).select_related(
            "created_by", "accepted_by"
        )[:limit]
    )


def cohort_exam_schedules(*, cohort: Cohort) -> list[ExamSchedule]:
    return list(
        ExamSchedule.objects.filter(cohort=cohort)
        .select_related("exam")
        .prefetch_related("extensions__user")
    )


def exam_attempt_get_for_cohort(*, cohort: Cohort, pk: int) -> ExamAttempt:
    """An exam attempt by a student of this cohort; anything else, 404."""
    attempt = (
        ExamAttempt.objects.select_related("exam", "user")
        .filter(pk=pk, user__memberships__cohort=cohort)
        .first()
    )
    if attempt is None:
        raise Http404("No such exam attempt in this class")
    return attempt


def lab_solutions_refusal(user: User) -> str | None:
    """Why the student may not reveal lab solutions: one of their open classes turned them off."""
    cohort = (
        Cohort.objects.filter(
            memberships__user=user, ended_at__isnull=True, lab_solutions_hidden=True
        )
        .order_by("name")
        .first()
    )
    if cohort is None:
        return None
    return f"Your instructor turned off lab solutions for the class “{cohort.name}”."


def student_hint_steps(*, user: User, limit: int = 200) -> list[HintStep]:
    """The hints the student opened in labs, solutions first, newest first."""
    return list(
        HintStep.objects.filter(user=user)
        .select_related("lab", "lab__chapter")
        .order_by("-rung", "-created_at", "-id")[:limit]
    )


def student_solution_reveals(*, user: User) -> int:
    return HintStep.objects.filter(user=user, rung=HintRung.SOLUTION).count()
