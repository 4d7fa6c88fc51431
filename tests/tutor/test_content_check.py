"""The content system check keeps its verdict until the content or the code that judges it changes."""

from __future__ import annotations

import os

from tests.lessons.factories import write_chapter
from tutor import checks


def test_the_verdict_is_kept_until_a_file_changes(settings, tmp_path, monkeypatch):
    settings.CONTENT_ROOT = str(tmp_path / "course")
    settings.DATA_DIR = tmp_path / "data"
    write_chapter(tmp_path / "course", "01-pods", number=1)
    reads = []
    real = checks.check_content
    monkeypatch.setattr(checks, "check_content", lambda root: reads.append(root) or real(root))

    assert checks.content_errors() == []
    assert checks.content_errors() == []
    assert len(reads) == 1, "an unchanged course was read again"
    assert (tmp_path / "data" / "cache" / "content-check.json").is_file()

    chapter = tmp_path / "course" / "chapters" / "01-pods" / "chapter.md"
    chapter.write_text(chapter.read_text().replace("number: 1", "number: one"))
    os.utime(chapter, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    [error] = checks.content_errors()
    assert "chapter.md" in error.file and len(reads) == 2
    # The system check says it too, and again from the cache.
    assert [e.id for e in checks.content_is_valid()] == ["tutor.E001"]
    assert len(reads) == 2


def test_an_unwritable_data_directory_still_checks(settings, tmp_path):
    settings.CONTENT_ROOT = str(tmp_path / "course")
    blocked = tmp_path / "data"
    blocked.write_text("a file where the data directory should be")
    settings.DATA_DIR = blocked
    write_chapter(tmp_path / "course", "01-pods", number=1)
    assert checks.content_errors() == []
