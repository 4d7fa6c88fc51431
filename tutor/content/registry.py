"""Every kind of course content, checked and loaded together.

``check_content`` and ``load_content`` (and the system check) go through
here. Each kind reads its files without touching the database; loading
syncs only when the whole course reads without errors, so an invalid file
never half-updates the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from engine.content.errors import ContentError

COUNT_KEYS = ("chapters", "questions", "exercises", "labs")


@dataclass
class ContentReport:
    root: Path
    errors: list[ContentError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    # What each kind read, handed from check to sync.
    sources: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "errors": [e.as_dict() for e in self.errors],
            "counts": self.counts,
        }


def content_root() -> Path:
    return Path(settings.CONTENT_ROOT)


def check_content(root: Path | None = None) -> ContentReport:
    from labs.content import read_exercises
    from labs.lab_content import read_labs
    from lessons.content import read_chapters
    from quizzes.content import read_quizzes

    root = root or content_root()
    report = ContentReport(root=root)
    if not root.is_dir():
        report.errors.append(ContentError(str(root), 1, "content root does not exist"))
        return report
    chapters = read_chapters(root)
    report.errors.extend(chapters.errors)
    report.counts["chapters"] = len(chapters.chapters)
    report.sources["chapters"] = chapters.chapters
    quizzes = read_quizzes(root, chapters.chapters)
    report.errors.extend(quizzes.errors)
    report.counts["questions"] = quizzes.question_count
    report.sources["quizzes"] = quizzes.quizzes
    exercises = read_exercises(root, chapters.chapters)
    report.errors.extend(exercises.errors)
    report.counts["exercises"] = len(exercises.exercises)
    report.sources["exercises"] = exercises.exercises
    labs = read_labs(root, chapters.chapters)
    report.errors.extend(labs.errors)
    report.counts["labs"] = len(labs.labs)
    report.sources["labs"] = labs.labs
    report.errors.sort()
    return report


@dataclass
class LoadResult:
    report: ContentReport
    stats: dict[str, Any] = field(default_factory=dict)


def load_content(root: Path | None = None) -> LoadResult:
    from labs.content import sync_exercises
    from labs.lab_content import sync_labs
    from lessons.content import sync_chapters
    from quizzes.content import sync_quizzes

    report = check_content(root)
    result = LoadResult(report=report)
    if not report.ok:
        return result
    with transaction.atomic():
        result.stats["chapters"] = sync_chapters(report.sources["chapters"])
        result.stats["exercises"] = sync_exercises(report.sources["exercises"])
        result.stats["labs"] = sync_labs(report.sources["labs"])
        result.stats["quizzes"] = sync_quizzes(report.sources["quizzes"])
    return result
