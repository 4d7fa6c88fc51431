"""The real course (content/) checks without an error, and holds all sixteen chapters."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REAL_COURSE, REPO
from tutor.content.registry import check_content


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_content_passes_on_the_course():
    result = manage("check_content", "--root", str(REAL_COURSE), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["errors"] == []
    assert report["counts"]["chapters"] == 16
    # INTERFACES.md names these keys; the classroom issue added exams beside them.
    assert {"chapters", "questions", "exercises", "labs"} <= set(report["counts"])
    assert report["counts"]["exams"] == 1


def test_the_real_course_is_valid_and_complete(settings):
    report = check_content(REAL_COURSE)
    assert report.errors == []
    assert report.counts["chapters"] == 16
    numbers = sorted(c.front["number"] for c in report.sources["chapters"])
    assert numbers == list(range(1, 17))
