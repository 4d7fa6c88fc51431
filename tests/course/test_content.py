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
    assert set(report["counts"]) == {
        "chapters",
        "questions",
        "exercises",
        "labs",
        "labs_with_start_state",
        "exams",
    }
    assert report["counts"]["exams"] == 1
    # 10 labs written with the course and 14 more for practice: 11 of them start from
    # objects the tutor creates (the 6 troubleshooting labs start broken).
    assert report["counts"]["labs"] == 24
    assert report["counts"]["labs_with_start_state"] == 11


def test_the_real_course_is_valid_and_complete(settings):
    report = check_content(REAL_COURSE)
    assert report.errors == []
    assert report.counts["chapters"] == 16
    numbers = sorted(c.front["number"] for c in report.sources["chapters"])
    assert numbers == list(range(1, 17))
