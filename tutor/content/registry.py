"""Every kind of course content, checked and loaded together.

``check_content`` and ``load_content`` (and the system check) go through
here. Each registered kind reads its files without touching the database,
seeing what the kinds before it read (the chapters everything belongs to);
loading syncs only when the whole course reads without errors, so an invalid
file never half-updates the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from engine.content.errors import ContentError
from engine.content.kind import ContentKind
from exams.content import EXAMS
from exercises.content import EXERCISES
from labs.content import LABS
from lessons.content import CHAPTERS, content_root
from quizzes.content import QUIZZES

# In order: chapters first, since every other kind belongs to a chapter; exams after
# the labs their tasks come from.
KINDS: tuple[ContentKind, ...] = (CHAPTERS, QUIZZES, EXERCISES, LABS, EXAMS)


def _zero_counts() -> dict[str, int]:
    """Every count key, so that the JSON always has them (INTERFACES.md), even when a read fails."""
    counts = {}
    for kind in KINDS:
        counts[kind.count_key] = 0
        counts.update(dict.fromkeys(getattr(kind, "extra_count_keys", ()), 0))
    return counts


@dataclass
class ContentReport:
    root: Path
    errors: list[ContentError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: _zero_counts())
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


def check_content(root: Path | None = None) -> ContentReport:
    root = root or content_root()
    report = ContentReport(root=root)
    if not root.is_dir():
        report.errors.append(ContentError(str(root), 1, "content root does not exist"))
        return report
    for kind in KINDS:
        read = kind.read(root, report.sources)
        report.errors.extend(read.errors)
        report.counts[kind.count_key] = read.count
        report.counts.update(read.counts)
        report.sources[kind.name] = read.sources
    report.errors.sort()
    return report


@dataclass
class LoadResult:
    report: ContentReport
    stats: dict[str, Any] = field(default_factory=dict)


def load_content(root: Path | None = None) -> LoadResult:
    report = check_content(root)
    result = LoadResult(report=report)
    if not report.ok:
        return result
    with transaction.atomic():
        for kind in KINDS:
            result.stats[kind.name] = kind.sync(report.sources[kind.name])
    return result
