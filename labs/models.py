from __future__ import annotations

import uuid

import yaml
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engine.assertions import Rule, compile_rules


class Lab(models.Model):
    """A lab on a real cluster, synced from ``labs/<slug>/`` in a chapter folder."""

    uuid = models.UUIDField(unique=True)
    chapter = models.ForeignKey("lessons.Chapter", on_delete=models.PROTECT, related_name="labs")
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    # The chapter's objectives it practises, by number (1: the first listed).
    objectives = models.JSONField(default=list, blank=True)
    estimated_minutes = models.PositiveSmallIntegerField()
    kubernetes_versions = models.JSONField(default=list)
    instructions_html = models.TextField()
    checks = models.JSONField(default=list)
    # The lab starts broken: the student finds and fixes the fault.
    troubleshooting = models.BooleanField(default=False)
    # Manifests the tutor creates in the workspace when the lab starts and on Reset.
    start_state = models.TextField(blank=True)
    start_steps = models.JSONField(default=list)
    # What belongs to the lab in a workspace (labs.footprint): what Reset deletes.
    footprint = models.JSONField(default=list)
    # Per check id, the hint ladder's rungs as safe HTML: nudge, concept, solution.
    hints = models.JSONField(default=dict)
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
    def objective_texts(self) -> list[str]:
        """The chapter's objectives this lab practises, in the chapter's words."""
        listed = list(self.chapter.objectives or [])
        return [
            str(listed[n - 1])
            for n in self.objectives
            if isinstance(n, int) and 1 <= n <= len(listed)
        ]

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
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Checking")
    DONE = "done", _("Checked")
    ERROR = "error", _("Could not check")


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
    error = models.TextField(blank=True)  # in the student's words
    error_detail = models.TextField(blank=True)  # what the operator needs (the cluster's answer)
    # The language of the request that asked for the check: the worker writes the
    # results' messages in it ("" for the site's default language).
    language = models.CharField(max_length=16, blank=True)
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
    def checks_passed(self) -> int:
        return sum(1 for r in self.results if isinstance(r, dict) and r.get("passed"))

    @property
    def progress_percent(self) -> int:
        """The share of the lab's checks that passed (not of those that finished)."""
        total = len(self.lab.checks) or 1
        return round(100 * self.checks_passed / total)


class LiveStatus(models.TextChoices):
    QUEUED = "queued", _("Starting")
    WATCHING = "watching", _("Watching")
    STOPPED = "stopped", _("Paused")
    FAILED = "failed", _("Stopped")


class LiveStop(models.TextChoices):
    """Why a live run ended: what the page tells the student."""

    CLOSED = "closed", _("The page was closed")
    TIME = "time", _("Time is up")
    OTHER_LAB = "other_lab", _("Another lab page took over")
    UNREACHABLE = "unreachable", _("The cluster stopped answering")
    NOT_READY = "not_ready", _("The namespace is not ready")
    LOST = "lost", _("The checker stopped")
    BUSY = "busy", _("No checker was free")


class LiveCheck(models.Model):
    """A student's live checks on one lab page, re-run as their namespace changes.

    Not a submission: never graded, never kept as an attempt. One row per
    student and lab, overwritten by each run. A worker (``labs.live_runs``)
    owns the row while ``run_id`` is the one it was given; the page's polls
    keep ``seen_at`` fresh, and the run ends when the page has gone quiet,
    when its time is up, or when a newer run took over.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_checks"
    )
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="live_checks")
    namespace = models.CharField(max_length=63)
    on_student_cluster = models.BooleanField(default=False)
    run_id = models.UUIDField(default=uuid.uuid4)
    status = models.CharField(max_length=10, choices=LiveStatus.choices, default=LiveStatus.QUEUED)
    # "watch": the API server tells the worker about changes; "poll": it looks every few seconds.
    mode = models.CharField(max_length=10, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    results = models.JSONField(default=list)  # one entry per check, as a submission's
    revision = models.PositiveIntegerField(default=0)  # bumped whenever the page should change
    checked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)  # the page's last poll
    beat_at = models.DateTimeField(null=True, blank=True)  # the worker's last sign of life
    deadline = models.DateTimeField(default=timezone.now)
    stop_reason = models.CharField(max_length=12, choices=LiveStop.choices, blank=True)
    problem_detail = models.TextField(blank=True)  # for the instructor's eyes
    language = models.CharField(max_length=16, blank=True)  # of the page that started the run

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "lab"], name="one_live_check_per_student_lab")
        ]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"live checks of {self.user} on {self.lab} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (LiveStatus.QUEUED, LiveStatus.WATCHING)


class HintRung(models.IntegerChoices):
    NUDGE = 1, _("A nudge")
    CONCEPT = 2, _("The idea behind it")
    COMPARE = 3, _("Your namespace against the lab")
    SOLUTION = 4, _("The solution")


class HintStep(models.Model):
    """A rung of a check's hint ladder that a student climbed; a SOLUTION row is a reveal."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hint_steps"
    )
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="hint_steps")
    check_id = models.CharField(max_length=80)
    rung = models.PositiveSmallIntegerField(choices=HintRung.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lab", "check_id", "rung"], name="one_hint_step_per_rung"
            )
        ]
        indexes = [models.Index(fields=["lab", "rung"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.lab}/{self.check_id}: {self.get_rung_display()}"
