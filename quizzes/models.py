from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    """Where the current version of a quiz or question came from.

    ``load_content`` only overwrites rows that came from a file: what an
    instructor edited or imported in the browser stays theirs until a file
    holds exactly the same thing again.
    """

    FILE = "file", _("Content file")
    BROWSER = "browser", _("Edited in the browser")


class Layout(models.TextChoices):
    ONE_AT_A_TIME = "one-at-a-time", _("One question at a time")
    ALL_ON_ONE_PAGE = "all-on-one-page", _("All questions on one page")


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    SHORT_ANSWER = "short_answer", _("Short answer")
    ORDERING = "ordering", _("Ordering")
    MANIFEST = "manifest", _("Manifest")
    COMMAND = "command", _("Build a command")


class Difficulty(models.TextChoices):
    EASY = "easy", _("Easy")
    MEDIUM = "medium", _("Medium")
    HARD = "hard", _("Hard")


class QuizQuerySet(models.QuerySet["Quiz"]):
    def published(self) -> QuizQuerySet:
        return self.filter(is_published=True, chapter__is_published=True)


class Quiz(models.Model):
    """A chapter's bank of questions, synced from ``quiz.yaml`` or edited in the browser."""

    uuid = models.UUIDField(unique=True)
    chapter = models.ForeignKey("lessons.Chapter", on_delete=models.PROTECT, related_name="quizzes")
    title = models.CharField(max_length=120)
    pass_mark = models.PositiveSmallIntegerField(help_text=_("Percent needed to pass"))
    questions_per_attempt = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Each attempt draws this many; empty: all of them")
    )
    layout = models.CharField(max_length=20, choices=Layout.choices, default=Layout.ONE_AT_A_TIME)
    is_published = models.BooleanField(default=True)
    content_hash = models.CharField(max_length=64, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.FILE)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["chapter__number", "title"]
        verbose_name_plural = "quizzes"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quizzes:quiz", kwargs={"quiz_id": self.pk})


class QuestionQuerySet(models.QuerySet["Question"]):
    def published(self) -> QuestionQuerySet:
        return self.filter(is_published=True)


class Question(models.Model):
    """One question of a bank.

    ``data`` is the question as the file has it (prompt Markdown, options with
    their ``correct`` flags and explanations, accepted answers, rules...) plus
    a random ``id`` per option and ordering item, which is what forms send.
    ``rendered`` holds the HTML of every Markdown piece, made once at sync.
    Neither is ever sent to the browser before the question is answered.
    """

    uuid = models.UUIDField(unique=True)
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="questions")
    type = models.CharField(max_length=20, choices=QuestionType.choices)
    prompt_html = models.TextField()
    data = models.JSONField(default=dict)
    rendered = models.JSONField(default=dict)
    explanation_html = models.TextField(blank=True)
    difficulty = models.CharField(max_length=10, choices=Difficulty.choices)
    tags = models.JSONField(default=list, blank=True)
    section = models.CharField(max_length=200, blank=True)
    # The chapter's objectives it practises, by number (1: the first listed).
    objectives = models.JSONField(default=list, blank=True)
    points = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.FILE)
    source_hash = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["quiz", "position", "id"]

    def __str__(self) -> str:
        return f"{self.quiz}: question {self.position + 1}"

    @property
    def options(self) -> list[dict[str, Any]]:
        return list(self.data.get("options", []))

    @property
    def item_ids(self) -> list[str]:
        return list(self.data.get("item_ids", []))


class QuizAttempt(models.Model):
    """One sitting of a quiz: the questions drawn, in the order shown, and the result."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    # Question ids in the order shown, and per question (key: str(id)) the
    # option or item ids in the order shown: the draw is fixed at the start.
    question_ids = models.JSONField(default=list)
    option_orders = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(default=0)
    max_score = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["user", "quiz", "-started_at"])]
        constraints = [
            # At most one unfinished attempt per student and quiz, even with two tabs.
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=models.Q(finished_at__isnull=True),
                name="one_open_attempt_per_quiz",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.quiz}"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:take", kwargs={"attempt_id": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.max_score) if self.max_score else 0


class Response(models.Model):
    """A student's answer to one question of an attempt. Recorded once, never changed."""

    attempt = models.ForeignKey(QuizAttempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="responses")
    response = models.JSONField(default=dict)
    correct = models.BooleanField()
    points = models.FloatField()
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "question"], name="one_response_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt}: {self.question}"


class ReviewReason(models.TextChoices):
    """Why a question is in a student's review deck."""

    MISSED = "missed", _("Missed in a quiz")
    REFRESH = "refresh", _("From a chapter finished a while ago")


class ReviewSource(models.TextChoices):
    REVIEW = "review", _("The review page")
    QUIZ = "quiz", _("A quiz attempt")


class ReviewCard(models.Model):
    """One quiz question in one student's review deck, with its spaced repetition schedule.

    The schedule is FSRS's card state (``quizzes.spacing`` reads and writes
    it): when the question is due again, and how well the student knows it.
    ``reviews`` counts the answers given so far; the review page's form sends
    it back, so a second submission of the same form is recognised.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_cards"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="review_cards")
    reason = models.CharField(max_length=10, choices=ReviewReason.choices)
    state = models.PositiveSmallIntegerField()
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    reviews = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["user", "due"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "question"], name="one_review_card_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} reviews {self.question}"


class Review(models.Model):
    """One answer to a card of the deck, from the review page or a quiz. Never changed."""

    card = models.ForeignKey(ReviewCard, on_delete=models.CASCADE, related_name="log")
    # The card's review count before this answer: at most one answer per number.
    number = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=ReviewSource.choices)
    quiz_response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    response = models.JSONField(default=dict)
    correct = models.BooleanField()
    points = models.FloatField()
    rating = models.PositiveSmallIntegerField()
    reviewed_at = models.DateTimeField()
    due_after = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["card", "number"], name="one_review_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.card}: review {self.number + 1}"
