"""Exams for tests: written to a content root next to the small lab course of tests/labs."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

from exams.content import read_exams, sync_exams
from exams.models import Exam
from tests.labs.lab_fixtures import lab_root
from tutor.content.registry import check_content


def exam_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "title": "Demo practical",
        "duration_minutes": 30,
        "pass_mark": 60,
        "instructions": "Do the tasks.",
        "tasks": [
            {"id": "web", "lab": "demo", "title": "Run and expose web", "weight": 60,
             "checks": ["deployment", "ready", "selects"], "prompt": "Run `web`."},
            {"id": "rbac", "lab": "demo", "title": "Let bob read Pods", "weight": 40,
             "checks": ["bob-lists", "bob-no-secrets"], "prompt": "Bind bob."},
        ],
    }  # fmt: skip
    data.update(extra)
    return data


def write_exam(root: Path, data: dict[str, Any] | str, slug: str = "demo-practical") -> Path:
    path = root / "exams" / slug / "exam.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def course_with_exam(tmp_path: Path, **extra: Any) -> Path:
    root = lab_root(tmp_path)
    write_exam(root, exam_data(**extra))
    return root


def course_single_question() -> dict[str, Any]:
    """A single-choice question of the course in the database (its bank read from the files)."""
    banks = check_content().sources["quizzes"]
    return next(q for bank in banks for q in bank.data["questions"] if q["type"] == "single")


def make_exam(tmp_path: Path, **extra: Any) -> Exam:
    """The demo exam in the database, synced by the exam loader from its file.

    Its questions (``questions=[uuid]``) are the course's, as loaded for the test run.
    """
    root = course_with_exam(tmp_path, **extra)
    read = read_exams(root, check_content(root).sources["labs"], check_content().sources["quizzes"])
    assert not read.errors, [str(e) for e in read.errors]
    sync_exams(read.sources)
    return Exam.objects.get(uuid=read.sources[0].data["uuid"])
