from __future__ import annotations

import yaml
from django.conf import settings
from django.db import models
from django.urls import reverse

from engine.assertions import Rule, compile_rules


class Lab(models.Model):
    """A lab on a real cluster, synced from ``labs/<slug>/`` in a chapter folder."""

    uuid = models.UUIDField(unique=True)
    chapter = models.ForeignKey("lessons.Chapter", on_delete=models.PROTECT, related_name="labs")
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    estimated_minutes = models.PositiveSmallIntegerField()
    kubernetes_versions = models.JSONField(default=list)
    instructions_html = models.TextField()
    checks = models.JSONField(default=list)
    objectives = models.JSONField(default=list)
    # The lab starts broken: the student finds and fixes the fault.
    troubleshooting = models.BooleanField(default=False)
    # Manifests the tutor creates in the workspace when the lab starts and on Reset.
    start_state = models.TextField(blank=True)
    start_steps = models.JSONField(default=list)
    # What belongs to the lab in a workspace (labs.footprint): what Reset deletes.
    footprint = models.JSONField(default=list)
    content_hash = models.CharField(max_length=64)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = models.Manager()

    class Meta:
        ordering = ["chapter__number", "slug"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("labs:lab", kwargs={"slug": self.slug})

    def compiled_checks(self) -> list[Rule]:
        return compile_rules(self.checks, lab=True)

    @property
    def start_state_summary(self) -> list[str]:
        """The objects of the start state in words ("Deployment web"), for the lab page."""
        return [
            f"{doc.get('kind')} {(doc.get('metadata') or {}).get('name')}"
            for doc in yaml.safe_load_all(self.start_state or "")
            if isinstance(doc, dict)
        ]

    @property
    def max_score(self) -> int:
        return sum(int(c.get("points", 1)) for c in self.checks)


class SubmissionStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Checking"
    DONE = "done", "Checked"
    ERROR = "error", "Could not check"


class LabSubmission(models.Model):
    """One "Check my work": the database row is the truth, the queue only a nudge.

    A worker claims a queued row with a conditional update, so a redelivered
    task never grades twice; a periodic reaper puts rows stuck in queued or
    running back in the queue, so a lost message or a killed worker loses
    nothing.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_submissions"
    )
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="submissions")
    namespace = models.CharField(max_length=63)
    # Graded on the student's own cluster (their kubeconfig) rather than the
    # tutor's: an instructor reads such a score knowing the student controls
    # that cluster. The server is kept for the record.
    on_student_cluster = models.BooleanField(default=False)
    cluster_server = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.QUEUED
    )
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    results = models.JSONField(default=list)  # one entry per check, filled in as they finish
    score = models.PositiveIntegerField(default=0)
    max_score = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "lab", "-created_at"]),
            models.Index(fields=["status", "claimed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.lab} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("labs:submission", kwargs={"slug": self.lab.slug, "pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status in (SubmissionStatus.DONE, SubmissionStatus.ERROR)

    @property
    def progress_percent(self) -> int:
        total = len(self.lab.checks) or 1
        return round(100 * len(self.results) / total)
