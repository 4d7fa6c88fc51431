from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy

from engine.assertions import Rule, compile_rules


class Difficulty(models.TextChoices):
    EASY = "easy", gettext_lazy("Easy")
    MEDIUM = "medium", gettext_lazy("Medium")
    HARD = "hard", gettext_lazy("Hard")


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
    # The chapter's objectives it practises, by number (1: the first listed).
    objectives = models.JSONField(default=list, blank=True)
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
        # The rows moved here from the labs app; the table did not move.
        db_table = "labs_exercise"
        ordering = ["chapter__number", "position"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "exercises:exercise", kwargs={"chapter": self.chapter.slug, "slug": self.slug}
        )

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
        db_table = "labs_exerciseprogress"
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
        db_table = "labs_exerciseattempt"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "exercise", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} on {self.exercise}: {self.score}/{self.max_score}"
