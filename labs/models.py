from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from engine.assertions import Rule, compile_rules


class Difficulty(models.TextChoices):
    EASY = "easy", "Easy"
    MEDIUM = "medium", "Medium"
    HARD = "hard", "Hard"


class ExerciseQuerySet(models.QuerySet["Exercise"]):
    def published(self) -> ExerciseQuerySet:
        return self.filter(is_published=True, chapter__is_published=True)


class Exercise(models.Model):
    """A YAML exercise, synced from ``exercises/<slug>.yaml`` in a chapter folder."""

    uuid = models.UUIDField(unique=True)
    chapter = models.ForeignKey(
        "lessons.Chapter", on_delete=models.PROTECT, related_name="exercises"
    )
    slug = models.SlugField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=120)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    kubernetes_version = models.CharField(max_length=8)
    prompt_html = models.TextField()
    starter = models.TextField(blank=True)
    hints_html = models.JSONField(default=list)
    rules = models.JSONField(default=list)
    solution = models.TextField()
    content_hash = models.CharField(max_length=64)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExerciseQuerySet.as_manager()

    class Meta:
        ordering = ["chapter__number", "position"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("labs:exercise", kwargs={"chapter": self.chapter.slug, "slug": self.slug})

    def compiled_rules(self) -> list[Rule]:
        return compile_rules(self.rules)

    @property
    def max_score(self) -> int:
        return sum(int(r.get("points", 1)) for r in self.rules)


class ExerciseProgress(models.Model):
    """One student's state in one exercise: hints revealed, best score, when solved."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_progress"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="progress")
    hints_revealed = models.PositiveSmallIntegerField(default=0)
    best_score = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    solved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "exercise"], name="unique_exercise_progress")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.exercise}"


class ExerciseAttempt(models.Model):
    """A submitted manifest with what the validator and the rules said about it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_attempts"
    )
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="attempts")
    manifest = models.TextField()
    valid = models.BooleanField()
    passed = models.BooleanField()
    score = models.PositiveIntegerField()
    max_score = models.PositiveIntegerField()
    findings = models.JSONField(default=list)
    rule_results = models.JSONField(default=list)
    hints_used = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "exercise", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.exercise}: {self.score}/{self.max_score}"


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


class StudentNamespace(models.Model):
    """A student's own namespace on the classroom cluster, and their kubeconfig for it.

    The kubeconfig holds a bearer token, so it is stored encrypted
    (``tutor.crypto``); the row outlives the namespace (``cleaned_at``), so
    submissions keep saying where they were graded.
    """

    encrypted_fields = ("kubeconfig_encrypted",)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_namespace"
    )
    cluster_server = models.CharField(max_length=300)
    namespace = models.CharField(max_length=63, unique=True)
    kubeconfig_encrypted = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    cleaned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["namespace"]

    def __str__(self) -> str:
        return f"{self.namespace} ({self.user})"

    def get_absolute_url(self) -> str:
        return reverse("labs:kubeconfig", kwargs={"namespace": self.namespace})

    @property
    def is_active(self) -> bool:
        return self.provisioned_at is not None and self.cleaned_at is None


class StudentCluster(models.Model):
    """A student's own cluster for labs, from a kubeconfig they uploaded.

    Only when the operator enables it (``TUTOR_STUDENT_CLUSTERS``). The
    kubeconfig is untrusted and secret: stored encrypted, checked against the
    allow-list when saved and again each time a worker connects, and never
    shown back (only its server, context and namespace are).
    """

    encrypted_fields = ("kubeconfig_encrypted",)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="student_cluster"
    )
    kubeconfig_encrypted = models.TextField()
    context = models.CharField(max_length=253)
    server = models.CharField(max_length=300)
    namespace = models.CharField(max_length=63)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The last connection test: when, and what the server said (empty: it answered).
    checked_at = models.DateTimeField(null=True, blank=True)
    kubernetes_version = models.CharField(max_length=40, blank=True)
    problem = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.server} for {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("labs:my_cluster")
