"""What the LMS integration keeps on top of django-lti's models (``lti_tool``).

django-lti has the registrations (one per platform client, with their
deployments), the tool's keys (JWKS, rotation), the LMS's users, courses
(contexts), memberships and resource links. Here:

- ``UsedLaunchNonce``: every accepted id_token's nonce, once. PyLTI1p3 checks
  that the tool issued a nonce but never marks it used, so the same launch
  POST would be accepted again; the unique constraint, written in the
  launch's transaction, makes every id_token single-use.
- ``CourseClass``: an LMS course (context) and the tutor class it became.
- ``PlacedItem``: what a resource link opens (a chapter, quiz, exercise, lab or
  exam) and, when the LMS gave one, its line item (the gradebook column).
- ``ScoreOutbox``: one score per student and line item, sent by a Celery task
  and retried; a regrade updates the row with a later timestamp.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy
from lti_tool.models import LtiContext, LtiRegistration, LtiResourceLink, LtiUser

from classes.models import Cohort


class UsedLaunchNonce(models.Model):
    registration = models.ForeignKey(LtiRegistration, on_delete=models.CASCADE)
    nonce = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "nonce"], name="lti_nonce_once_per_registration"
            )
        ]

    def __str__(self) -> str:
        return f"nonce {self.nonce[:8]}… of {self.registration}"


class CourseClass(models.Model):
    context = models.OneToOneField(LtiContext, on_delete=models.CASCADE, related_name="tutor_class")
    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="lms_course")
    roster_synced_at = models.DateTimeField(null=True, blank=True)
    roster_problem = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.context} = {self.cohort}"


class ItemKind(models.TextChoices):
    CHAPTER = "chapter", gettext_lazy("Chapter")
    QUIZ = "quiz", gettext_lazy("Quiz")
    EXERCISE = "exercise", gettext_lazy("Exercise")
    LAB = "lab", gettext_lazy("Lab")
    EXAM = "exam", gettext_lazy("Exam")


class PlacedItem(models.Model):
    resource_link = models.OneToOneField(
        LtiResourceLink, on_delete=models.CASCADE, related_name="placed_item"
    )
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    item_uuid = models.UUIDField()
    # The line item of this link (from the AGS claim of its launches): where scores go.
    line_item_url = models.URLField(max_length=500, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "item_uuid"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_uuid} at {self.resource_link}"


class ScoreOutbox(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Waiting to be sent")
        SENT = "sent", gettext_lazy("Sent")
        FAILED = "failed", gettext_lazy("Refused by the LMS")

    placed_item = models.ForeignKey(PlacedItem, on_delete=models.CASCADE, related_name="scores")
    lti_user = models.ForeignKey(LtiUser, on_delete=models.CASCADE, related_name="+")
    fraction = models.FloatField()  # 0..1: the LMS scales it to its own maximum
    # The score's AGS timestamp: a regrade gets a later one, so the LMS takes it.
    graded_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    # The language ``last_error`` is written in: the instructor's when they sent it again,
    # else that of the result that queued it ("" for the site's default).
    language = models.CharField(max_length=16, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_try_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["placed_item", "lti_user"], name="lti_one_score_per_user_and_item"
            )
        ]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self) -> str:
        return f"{self.fraction:.3f} for {self.lti_user} ({self.status})"
