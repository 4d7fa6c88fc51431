from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from labs.models import Lab
from quizzes.models import Quiz

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Cohort(models.Model):
    """A class: its instructors, its students (through ``Membership``) and a join code.

    Students join with the code; rotating it (``classes.services``) makes the
    old one stop working at once, since only the current code is stored.
    """

    name = models.CharField(max_length=120)
    instructors = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="cohorts_taught")
    members: models.ManyToManyField[User, Membership] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="cohorts"
    )
    join_code = models.CharField(max_length=16, unique=True)
    join_code_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Classroom mode: this class's students' namespace quota, where it differs
    # from the operator's defaults (TUTOR_STUDENT_QUOTA_*). Empty: the default.
    quota_pods = models.PositiveSmallIntegerField(null=True, blank=True)
    quota_cpu = models.CharField(max_length=20, blank=True)
    quota_memory = models.CharField(max_length=20, blank=True)
    # The instructor turned off "reveal the solution" in lab hints for this class. A
    # student in several open classes may reveal only if none of them turned it off.
    lab_solutions_hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("classes_instructor:cohort", kwargs={"pk": self.pk})

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None

    @property
    def join_code_expired(self) -> bool:
        return self.join_code_expires_at is not None and self.join_code_expires_at <= timezone.now()

    @property
    def join_code_display(self) -> str:
        """ABCD-EFGH: easier to read out and type; the dash is optional when joining."""
        half = len(self.join_code) // 2
        return f"{self.join_code[:half]}-{self.join_code[half:]}"

    def quota_overrides(self) -> dict[str, str]:
        overrides = {}
        if self.quota_pods is not None:
            overrides["pods"] = str(self.quota_pods)
        if self.quota_cpu:
            overrides["cpu"] = self.quota_cpu
        if self.quota_memory:
            overrides["memory"] = self.quota_memory
        return overrides


class Membership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"


class SubmissionRegrade(models.Model):
    """One regrade of a lab submission from its evidence: what it was, what it became, who did it.

    The submission row then carries the new results; this row keeps the old
    ones, so history is never silently overwritten.
    """

    submission = models.ForeignKey(
        "labs.LabSubmission", on_delete=models.CASCADE, related_name="regrades"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.SET_NULL, null=True, blank=True, related_name="regrades"
    )
    regraded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lab_content_hash = models.CharField(max_length=64, blank=True)
    old_score = models.PositiveIntegerField()
    old_max_score = models.PositiveIntegerField()
    old_passed = models.BooleanField()
    old_results = models.JSONField(default=list)
    new_score = models.PositiveIntegerField()
    new_max_score = models.PositiveIntegerField()
    new_passed = models.BooleanField()
    # Per check: id, title, outcome (regraded, kept, unanswered, removed), reason.
    checks = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.submission}: {self.old_score} → {self.new_score}"


class InstructorInvitation(models.Model):
    """A link that makes whoever opens it (logged in) an instructor of one class.

    Only a hash of the token is stored: the link is shown once, to the
    instructor who made it. It works once, until it expires or is revoked.
    """

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invitations")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invitation to teach {self.cohort}"

    @property
    def is_usable(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def state(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "open"


class WorkPolicy(models.Model):
    """A class's rules for one quiz, lab or exam: due date, late work, attempts, feedback."""

    class Kind(models.TextChoices):
        QUIZ = "quiz", _("Quiz")
        LAB = "lab", _("Lab")
        EXAM = "exam", _("Exam")

    class Late(models.TextChoices):
        ACCEPT = "accept", _("Accept late work")
        PENALTY = "penalty", _("Accept it with a penalty")
        REFUSE = "refuse", _("Refuse late work")

    class Feedback(models.TextChoices):
        SCORE = "score", _("The score only")
        CHECKS = "checks", _("Right or wrong per question or check")
        SOLUTIONS = "solutions", _("Everything: explanations, right answers, hints")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="policies")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    item_uuid = models.UUIDField()
    title = models.CharField(max_length=200)  # the item's title when set, for the lists
    due_at = models.DateTimeField(null=True, blank=True)
    late = models.CharField(max_length=10, choices=Late.choices, default=Late.ACCEPT)
    penalty_percent = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback_before_due = models.CharField(
        max_length=10, choices=Feedback.choices, default=Feedback.SOLUTIONS
    )
    feedback_after_due = models.CharField(
        max_length=10, choices=Feedback.choices, default=Feedback.SOLUTIONS
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "kind", "item_uuid"], name="one_policy_per_item_and_class"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} in {self.cohort}"

    def item_url(self) -> str:
        """The quiz's or lab's page; empty when it is gone."""
        model = {self.Kind.QUIZ: Quiz, self.Kind.LAB: Lab}.get(self.kind)  # type: ignore[call-overload]
        item = model.objects.filter(uuid=self.item_uuid).first() if model else None
        return str(item.get_absolute_url()) if item else ""


class ExamSchedule(models.Model):
    """An exam scheduled for a class: its window, its length, how many attempts, the review."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="exam_schedules")
    exam = models.ForeignKey("exams.Exam", on_delete=models.CASCADE, related_name="schedules")
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    max_attempts = models.PositiveSmallIntegerField(null=True, blank=True)
    show_solutions = models.BooleanField(default=False)

    class Meta:
        ordering = ["opens_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "exam"], name="one_schedule_per_exam_and_class"
            )
        ]

    def __str__(self) -> str:
        return f"{self.exam} for {self.cohort}"


class ExamExtension(models.Model):
    """More time for one student in one scheduled exam (an accommodation)."""

    schedule = models.ForeignKey(ExamSchedule, on_delete=models.CASCADE, related_name="extensions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    extra_minutes = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["schedule", "user"], name="one_extension_per_student")
        ]

    def __str__(self) -> str:
        return f"+{self.extra_minutes} min for {self.user} in {self.schedule}"
