from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy


class ChapterQuerySet(models.QuerySet["Chapter"]):
    def published(self) -> ChapterQuerySet:
        return self.filter(is_published=True)


class Chapter(models.Model):
    """One chapter of the course, synced from its folder by ``load_content``.

    The ``uuid`` from the file's front matter is the identity: a renamed
    folder or slug keeps every student's progress. Chapters that disappear
    from disk are unpublished, never deleted.
    """

    uuid = models.UUIDField(unique=True)
    number = models.PositiveSmallIntegerField(db_index=True)
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=120)
    summary = models.TextField()
    objectives = models.JSONField(default=list)
    estimated_minutes = models.PositiveSmallIntegerField()
    folder = models.CharField(
        max_length=200, help_text=gettext_lazy("Folder under the content root")
    )
    content_hash = models.CharField(max_length=64)
    body_html = models.TextField()
    toc = models.JSONField(default=list)
    word_count = models.PositiveIntegerField(default=0)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not stored: the language each part is shown in, set by lessons.selectors where a
    # translation replaced it; "" is the course's own (English). Templates mark the rest.
    text_language: str = ""  # the title, the body and its table of contents
    summary_language: str = ""
    objectives_language: str = ""

    objects = ChapterQuerySet.as_manager()

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("chapter", kwargs={"slug": self.slug})


class ChapterSection(models.Model):
    """A level-2 section's plain text, which is what search looks through."""

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField()
    anchor = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300)
    text = models.TextField()

    class Meta:
        ordering = ["chapter__number", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "position"], name="unique_section_position")
        ]

    def __str__(self) -> str:
        return f"{self.chapter.number}. {self.title}"

    def get_absolute_url(self) -> str:
        url = self.chapter.get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url


class ChapterProgress(models.Model):
    """A student's state in one chapter: last visit and, once marked, completion."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chapter_progress"
    )
    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="progress")
    last_visited_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "chapter"], name="unique_progress_per_chapter")
        ]
        verbose_name_plural = "chapter progress"

    def __str__(self) -> str:
        return f"{self.user} in {self.chapter}"

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None


class ChapterTranslation(models.Model):
    """A chapter in another language, from ``chapter.<language>.md`` beside ``chapter.md``.

    Synced with its chapter by ``load_content``. What it leaves out (the summary, the
    objectives) is shown from the original; a language without a translation shows the
    original chapter.
    """

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=10)
    title = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    objectives = models.JSONField(default=list)
    body_html = models.TextField()
    toc = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chapter", "language"], name="unique_chapter_translation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.chapter.number}. {self.title} ({self.language})"
