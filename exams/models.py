from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Exam(models.Model):
    """A timed practice exam, synced from ``content/exams/<slug>/exam.yaml``.

    ``tasks``: per task its id, title, weight, prompt (HTML), the lab it comes
    from, and that lab's checks and reference solution as they were at sync.
    """

    uuid = models.UUIDField(unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    duration_minutes = models.PositiveSmallIntegerField()
    pass_mark = models.PositiveSmallIntegerField()
    instructions_html = models.TextField()
    tasks = models.JSONField(default=list)
    # The quiz questions it asks too: [{uuid, points}].
    questions = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exams:exam", kwargs={"slug": self.slug})

    @property
    def max_score(self) -> int:
        return sum(int(t["weight"]) for t in self.tasks) + sum(
            int(q["points"]) for q in self.questions
        )

    def task(self, task_id: str) -> dict[str, Any] | None:
        return next((t for t in self.tasks if t["id"] == task_id), None)


class AttemptStatus(models.TextChoices):
    PREPARING = "preparing", _("Preparing the workspace")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted, waiting to be graded")
    GRADING = "grading", _("Being graded")
    GRADED = "graded", _("Graded")
    ERROR = "error", _("Could not be graded")


OPEN = (AttemptStatus.PREPARING, AttemptStatus.IN_PROGRESS)


class ExamAttempt(models.Model):
    """One sitting of an exam. The row is the truth: queues only nudge workers.

    A submitted attempt is graded by a worker that claims it with a
    conditional update; the reaper puts back an attempt whose worker died,
    submits one whose time ran out, and prepares one whose workspace was
    never made: nothing is lost.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_attempts"
    )
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    status = models.CharField(
        max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.PREPARING
    )
    # Where the work happens (workspaces.resolve.exam_workspace): a namespace of its own.
    where = models.CharField(max_length=10)
    namespace = models.CharField(max_length=63)
    duration_minutes = models.PositiveSmallIntegerField()  # with any extension
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)  # the workspace was ready
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    timed_out = models.BooleanField(default=False)
    flagged = models.JSONField(default=list)  # task ids the student flagged to come back to
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    results = models.JSONField(default=dict)  # task id -> {score, max_score, checks: [...]}
    # The quiz questions: the answer given (question uuid -> answer), then its result.
    answers = models.JSONField(default=dict)
    question_results = models.JSONField(default=dict)
    score = models.FloatField(default=0)
    max_score = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(default=False)
    graded_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The language of the request that started the attempt: its grading speaks it.
    language = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["user", "exam"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "exam"],
                condition=models.Q(status__in=["preparing", "in_progress"]),
                name="one_open_exam_attempt",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.exam} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("exams:attempt", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.max_score) if self.max_score else 0
