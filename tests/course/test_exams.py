"""The real course's exams: the shipped LFS158 practical reads without errors, from the course's labs."""

from __future__ import annotations

from tests.conftest import REAL_COURSE
from tutor.content.registry import check_content


def test_the_shipped_practical_reads_without_errors():
    report = check_content(REAL_COURSE)
    assert report.ok, [str(e) for e in report.errors]
    practical = next(s for s in report.sources["exams"] if s.slug == "lfs158-practical")
    assert practical.data["duration_minutes"] == 45
    assert {t["lab"] for t in practical.tasks} == {
        "rbac-pod-reader", "services", "config-and-secrets", "webserver",
    }  # fmt: skip
    assert sum(t["weight"] for t in practical.tasks) == 100
    assert len(practical.questions) == 3
