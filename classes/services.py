"""Writes for classes: cohorts, join codes, memberships, regrades, namespaces for a class."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.permissions import is_instructor
from accounts.services import AccountError, instructor_grant
from classes.codes import CodeFormatError, new_join_code, normalize_join_code
from classes.models import (
    Cohort,
    ExamExtension,
    ExamSchedule,
    InstructorInvitation,
    Membership,
    SubmissionRegrade,
    WorkPolicy,
)
from engine.assertions import RuleError
from engine.grading.regrade import LabRegrade, regrade_from_evidence
from exams.models import OPEN as OPEN_EXAM
from exams.models import Exam, ExamAttempt
from exams.services import exam_attempt_extend
from labs.models import Lab, LabSubmission, SubmissionStatus
from labs.signals import submission_scored
from quizzes.models import Quiz
from workspaces.models import NamespaceRun, StudentNamespace
from workspaces.services import namespace_run_start

log = logging.getLogger(__name__)

# Failed join attempts a student may make in a window before the form
# refuses for a while: enough for typos, far too few to guess a code.
JOIN_FAILURES_ALLOWED = 10
JOIN_FAILURE_WINDOW = 15 * 60


class ClassError(Exception):
    """A request the class cannot take; the message is for the person who made it."""


class JoinRefused(ClassError):
    pass


# --- cohorts ------------------------------------------------------------------------------


def cohort_create(*, name: str, instructor: User) -> Cohort:
    for _ in range(5):
        try:
            with transaction.atomic():
                cohort = Cohort.objects.create(name=name, join_code=new_join_code())
                cohort.instructors.add(instructor)
            return cohort
        except IntegrityError:
            continue  # a code collision (1 in 10^11): draw again
    raise ClassError(gettext("Could not draw an unused join code; try again."))


def join_code_rotate(*, cohort: Cohort, expires_at: datetime | None) -> Cohort:
    """A new code (the old one stops working at once) with its expiry, or none."""
    for _ in range(5):
        try:
            with transaction.atomic():
                cohort.join_code = new_join_code()
                cohort.join_code_expires_at = expires_at
                cohort.save(update_fields=["join_code", "join_code_expires_at"])
            return cohort
        except IntegrityError:
            continue
    raise ClassError(gettext("Could not draw an unused join code; try again."))


def join_code_set_expiry(*, cohort: Cohort, expires_at: datetime | None) -> Cohort:
    cohort.join_code_expires_at = expires_at
    cohort.save(update_fields=["join_code_expires_at"])
    return cohort


def cohort_end(*, cohort: Cohort) -> Cohort:
    """No more joining; the gradebook stays. Ending twice keeps the first date."""
    if cohort.ended_at is None:
        cohort.ended_at = timezone.now()
        cohort.save(update_fields=["ended_at"])
    return cohort


def cohort_reopen(*, cohort: Cohort) -> Cohort:
    cohort.ended_at = None
    cohort.save(update_fields=["ended_at"])
    return cohort


def cohort_quota_set(*, cohort: Cohort, pods: int | None, cpu: str, memory: str) -> Cohort:
    cohort.quota_pods, cohort.quota_cpu, cohort.quota_memory = pods, cpu, memory
    cohort.save(update_fields=["quota_pods", "quota_cpu", "quota_memory"])
    return cohort


def cohort_lab_solutions_set(*, cohort: Cohort, hidden: bool) -> Cohort:
    """Turn "reveal the solution" in lab hints off (or on again) for the class."""
    cohort.lab_solutions_hidden = hidden
    cohort.save(update_fields=["lab_solutions_hidden"])
    return cohort


def cohort_instructor_add(*, cohort: Cohort, username: str) -> User:
    """Another instructor teaches the class too (same rights as its creator)."""
    user = User.objects.filter(username=username.strip(), is_active=True).first()
    # The same answer for "no such account" and "not an instructor": the form
    # is not a way to find out who has an account.
    if user is None or not is_instructor(user):
        raise ClassError(
            gettext("No instructor has the username “{username}”.").format(
                username=username.strip()[:150]
            )
        )
    cohort.instructors.add(user)
    return user


def cohort_member_remove(*, cohort: Cohort, membership: Membership) -> None:
    """The instructor takes a student out of the class (their work stays theirs)."""
    if membership.cohort_id != cohort.pk:
        raise ClassError(gettext("That student is not in this class."))
    membership.delete()
    log.info("user %s removed from cohort %s", membership.user_id, cohort.pk)


# --- invitations to teach a class ---------------------------------------------------------

INVITATION_DAYS = 7


class InvitationRefused(ClassError):
    pass


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(*, cohort: Cohort, by: User) -> tuple[InstructorInvitation, str]:
    """A new invitation and its token (shown once: only its hash is kept)."""
    if cohort.is_ended:
        raise ClassError(gettext("The class has ended: nobody new can join it, not even to teach."))
    token = secrets.token_urlsafe(24)
    invitation = InstructorInvitation.objects.create(
        cohort=cohort,
        created_by=by,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    log.info("user %s invited a co-instructor to cohort %s", by.pk, cohort.pk)
    return invitation, token


def invitation_for_token(token: str) -> InstructorInvitation:
    """The usable invitation of this token; InvitationRefused says why not."""
    invitation = (
        InstructorInvitation.objects.select_related("cohort", "created_by")
        .filter(token_hash=_token_hash(token[:100]))
        .first()
    )
    if invitation is None:
        raise InvitationRefused(
            gettext("This invitation link is not valid: check that you copied all of it.")
        )
    if invitation.accepted_at is not None:
        raise InvitationRefused(
            gettext("This invitation has been used already: each link works once.")
        )
    if invitation.revoked_at is not None:
        raise InvitationRefused(gettext("This invitation was withdrawn by the class's instructor."))
    if invitation.expires_at <= timezone.now():
        raise InvitationRefused(gettext("This invitation has expired: ask for a new link."))
    if invitation.cohort.is_ended:
        raise InvitationRefused(
            gettext("The class “{name}” has ended.").format(name=invitation.cohort.name)
        )
    return invitation


def invitation_accept(*, token: str, user: User) -> Cohort:
    """The user teaches the class (and becomes an instructor); the link is used up."""
    with transaction.atomic():
        found = invitation_for_token(token)
        invitation = InstructorInvitation.objects.select_for_update().get(pk=found.pk)
        if not invitation.is_usable:  # another tab took it between the read and the lock
            raise InvitationRefused(
                gettext("This invitation has been used already: each link works once.")
            )
        try:
            instructor_grant(user=user, by=invitation.created_by)
        except AccountError as exc:
            raise InvitationRefused(str(exc)) from exc
        invitation.cohort.instructors.add(user)
        # A co-teacher is not a student of the class.
        Membership.objects.filter(cohort=invitation.cohort, user=user).delete()
        invitation.accepted_by = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
    log.info("user %s accepted an invitation to teach cohort %s", user.pk, invitation.cohort_id)
    return invitation.cohort


def invitation_revoke(*, cohort: Cohort, invitation_id: int) -> InstructorInvitation:
    invitation = InstructorInvitation.objects.filter(cohort=cohort, pk=invitation_id).first()
    if invitation is None:
        raise ClassError(gettext("No such invitation in this class."))
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


# --- students -----------------------------------------------------------------------------


def cohort_join(*, user: User, code: str) -> Membership:
    """Join the class whose current code this is. JoinRefused says why not."""
    # Shared by every web process (Redis in production), so the limit holds across them.
    cache = caches["shared"]
    failures_key = f"classes:join-failures:{user.pk}"
    if cache.get(failures_key, 0) >= JOIN_FAILURES_ALLOWED:
        raise JoinRefused(
            gettext(
                "Too many join codes that did not work: wait a few minutes, then try again "
                "with the code your instructor shows."
            )
        )
    try:
        membership = _join(user=user, code=code)
    except JoinRefused:
        try:
            cache.incr(failures_key)
        except ValueError:
            cache.set(failures_key, 1, JOIN_FAILURE_WINDOW)
        raise
    return membership


def _join(*, user: User, code: str) -> Membership:
    try:
        normalized = normalize_join_code(code)
    except CodeFormatError as exc:
        raise JoinRefused(str(exc)) from None
    cohort = Cohort.objects.filter(join_code=normalized).first()
    if cohort is None:
        raise JoinRefused(
            gettext(
                "No class has this join code. Check it with your instructor: "
                "codes change when they are renewed."
            )
        )
    if cohort.is_ended:
        raise JoinRefused(
            gettext("The class “{name}” has ended: it takes no new students.").format(
                name=cohort.name
            )
        )
    if cohort.join_code_expired:
        raise JoinRefused(
            gettext("This join code has expired. Ask your instructor for the current one.")
        )
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(cohort=cohort, user=user)
    if not created:
        raise JoinRefused(
            gettext("You are already in the class “{name}”.").format(name=cohort.name)
        )
    log.info("user %s joined cohort %s", user.pk, cohort.pk)
    return membership


def cohort_leave(*, membership: Membership) -> None:
    if membership.cohort.is_ended:
        raise ClassError(
            gettext(
                "This class has ended: its record stays with your instructor, "
                "so you cannot leave it."
            )
        )
    membership.delete()


# --- regrading ----------------------------------------------------------------------------


def submission_regrade_preview(*, submission: LabSubmission) -> LabRegrade:
    """What a regrade with the lab's current checks would give; changes nothing."""
    if submission.status != SubmissionStatus.DONE:
        raise ClassError(
            gettext("Only a checked submission can be regraded: this one has no results.")
        )
    try:
        checks = submission.lab.compiled_checks()
    except RuleError as exc:
        raise ClassError(
            gettext("The lab's current checks do not compile: {problem}").format(problem=exc)
        ) from exc
    return regrade_from_evidence(checks=checks, stored=submission.results)


def submission_regrade(
    *, submission: LabSubmission, by: User, cohort: Cohort | None
) -> SubmissionRegrade:
    """Regrade from evidence and record it; the submission then shows the new results."""
    with transaction.atomic():
        locked = (
            LabSubmission.objects.select_for_update().select_related("lab").get(pk=submission.pk)
        )
        # The new results are the student's: in the language their check was graded in.
        with translation.override(locked.language or None):
            regrade = submission_regrade_preview(submission=locked)
        record = SubmissionRegrade.objects.create(
            submission=locked,
            cohort=cohort,
            regraded_by=by,
            lab_content_hash=locked.lab.content_hash,
            old_score=locked.score,
            old_max_score=locked.max_score,
            old_passed=locked.passed,
            old_results=locked.results,
            new_score=regrade.score,
            new_max_score=regrade.max_score,
            new_passed=regrade.passed,
            checks=[
                {"id": c.id, "title": c.title, "outcome": c.outcome, "reason": c.reason,
                 "old_passed": None if c.old is None else bool(c.old.get("passed")),
                 "new_passed": None if c.new is None else bool(c.new.get("passed"))}
                for c in regrade.checks
            ],
        )  # fmt: skip
        locked.results = regrade.results
        locked.score = regrade.score
        locked.max_score = regrade.max_score
        locked.passed = regrade.passed
        locked.save(update_fields=["results", "score", "max_score", "passed"])
        submission_scored.send(
            sender=LabSubmission, user_id=locked.user_id, lab_uuid=str(locked.lab.uuid),
            language=locked.language,
        )  # fmt: skip
    log.info(
        "submission %s regraded by user %s: %s -> %s",
        locked.pk, by.pk, record.old_score, record.new_score,
    )  # fmt: skip
    return record


@dataclass
class LabRegradeRun:
    """A lab regraded for a whole class: how many submissions, how many changed."""

    checked: int = 0
    changed: int = 0
    problems: list[str] = field(default_factory=list)


def cohort_lab_regrade(*, cohort: Cohort, lab_id: int, by: User) -> LabRegradeRun:
    """Regrade every checked submission of one lab by the class's students.

    Only submissions whose result would change get a new result (and a
    regrade record); the others are left exactly as they are.
    """
    run = LabRegradeRun()
    rows = LabSubmission.objects.filter(
        lab_id=lab_id, status=SubmissionStatus.DONE, user__memberships__cohort=cohort
    ).select_related("lab")
    for submission in rows.order_by("pk"):
        run.checked += 1
        try:
            if not submission_regrade_preview(submission=submission).changed:
                continue
            submission_regrade(submission=submission, by=by, cohort=cohort)
        except ClassError as exc:
            run.problems.append(str(exc))
            break  # the lab's checks do not compile: the same for every submission
        run.changed += 1
    return run


# --- namespaces for a class (classroom mode) ----------------------------------------------


def cohort_scope(cohort: Cohort) -> str:
    return f"cohort:{cohort.pk}"


def cohort_namespaces_provision(*, cohort: Cohort, by: User) -> NamespaceRun:
    """Every student of the cohort gets (or keeps) their namespace, with the cohort's quota.

    A worker does it, one student after another; one student's failure does
    not stop the others, and each says why. Safe to run again: provisioning
    is idempotent.
    """
    members = [m.user for m in cohort.memberships.select_related("user").order_by("user__username")]
    return namespace_run_start(
        action=NamespaceRun.Action.PROVISION,
        scope=cohort_scope(cohort),
        users=members,
        quota=cohort.quota_overrides(),
        requested_by=by,
    )


def cohort_namespaces_cleanup(*, cohort: Cohort, by: User) -> NamespaceRun:
    """Delete the namespaces of the cohort's students, except those still in another open class.

    Submissions are kept; a student who is still in another class keeps the
    namespace that class needs.
    """
    members = list(cohort.memberships.select_related("user").order_by("user__username"))
    busy = dict(
        Membership.objects.filter(
            user_id__in=[m.user_id for m in members], cohort__ended_at__isnull=True
        )
        .exclude(cohort=cohort)
        .values_list("user_id", "cohort__name")
    )
    with_namespace = set(
        StudentNamespace.objects.filter(
            user_id__in=[m.user_id for m in members], cleaned_at__isnull=True
        ).values_list("user_id", flat=True)
    )
    users, skipped = [], []
    for membership in members:
        user = membership.user
        if user.pk not in with_namespace:
            skipped.append((user.username, gettext("no namespace to clean up")))
        elif user.pk in busy:
            reason = gettext("still in the open class “{name}”").format(name=busy[user.pk])
            skipped.append((user.username, reason))
        else:
            users.append(user)
    return namespace_run_start(
        action=NamespaceRun.Action.CLEANUP,
        scope=cohort_scope(cohort),
        users=users,
        skipped=skipped,
        requested_by=by,
    )


# --- deadlines and rules ------------------------------------------------------------------


def policy_items() -> list[tuple[str, str, str]]:
    """(kind, uuid, title) of every published quiz and lab a class can set rules for."""
    quizzes = Quiz.objects.published().select_related("chapter").order_by("chapter__number")
    labs = Lab.objects.filter(is_published=True, chapter__is_published=True).select_related(
        "chapter"
    )
    quiz_title = gettext("Quiz, chapter {number}: {title}")
    lab_title = gettext("Lab, chapter {number}: {title}")
    return [
        *(
            ("quiz", str(q.uuid), quiz_title.format(number=q.chapter.number, title=q.title))
            for q in quizzes
        ),
        *(
            ("lab", str(lab.uuid), lab_title.format(number=lab.chapter.number, title=lab.title))
            for lab in labs
        ),
    ]


def policy_set(
    *, cohort: Cohort, kind: str, item_uuid: str, title: str, due_at: datetime | None,
    late: str, penalty_percent: int, max_attempts: int | None, feedback_before_due: str,
    feedback_after_due: str,
) -> WorkPolicy:  # fmt: skip
    policy, _ = WorkPolicy.objects.update_or_create(
        cohort=cohort, kind=kind, item_uuid=item_uuid,
        defaults={
            "title": title[:200], "due_at": due_at, "late": late,
            "penalty_percent": penalty_percent if late == WorkPolicy.Late.PENALTY else 0,
            "max_attempts": max_attempts, "feedback_before_due": feedback_before_due,
            "feedback_after_due": feedback_after_due,
        },
    )  # fmt: skip
    return policy


def policy_delete(*, cohort: Cohort, policy_id: int) -> None:
    deleted, _ = WorkPolicy.objects.filter(cohort=cohort, pk=policy_id).delete()
    if not deleted:
        raise ClassError(gettext("No such rule in this class."))


# --- exams for a class --------------------------------------------------------------------


def exam_schedule_set(
    *, cohort: Cohort, exam: Exam, opens_at: datetime | None, closes_at: datetime | None,
    duration_minutes: int | None, max_attempts: int | None, show_solutions: bool,
) -> ExamSchedule:  # fmt: skip
    if opens_at and closes_at and closes_at <= opens_at:
        raise ClassError(gettext("The exam must close after it opens."))
    schedule, _ = ExamSchedule.objects.update_or_create(
        cohort=cohort, exam=exam,
        defaults={"opens_at": opens_at, "closes_at": closes_at,
                  "duration_minutes": duration_minutes, "max_attempts": max_attempts,
                  "show_solutions": show_solutions},
    )  # fmt: skip
    return schedule


def exam_schedule_delete(*, cohort: Cohort, schedule_id: int) -> None:
    deleted, _ = ExamSchedule.objects.filter(cohort=cohort, pk=schedule_id).delete()
    if not deleted:
        raise ClassError(gettext("No such exam in this class."))


def exam_extension_set(
    *, cohort: Cohort, schedule_id: int, user_id: int, extra_minutes: int
) -> ExamExtension | None:
    """Extra time for one student; an attempt in progress gets the difference at once."""
    schedule = ExamSchedule.objects.filter(cohort=cohort, pk=schedule_id).first()
    membership = Membership.objects.filter(cohort=cohort, user_id=user_id).first()
    if schedule is None or membership is None:
        raise ClassError(gettext("No such exam or student in this class."))
    before = ExamExtension.objects.filter(schedule=schedule, user_id=user_id).first()
    delta = extra_minutes - (before.extra_minutes if before else 0)
    extension = None
    if extra_minutes:
        extension, _ = ExamExtension.objects.update_or_create(
            schedule=schedule, user_id=user_id, defaults={"extra_minutes": extra_minutes}
        )
    elif before is not None:
        before.delete()
    if delta > 0:
        for attempt in ExamAttempt.objects.filter(
            user_id=user_id, exam=schedule.exam, status__in=OPEN_EXAM
        ):
            exam_attempt_extend(attempt=attempt, minutes=delta)
    return extension
