"""Reading exams (``content/exams/<slug>/exam.yaml``) and syncing them into the database.

An exam is a set of lab tasks, each the checks of one of the course's labs
(all of them, or those named) worth a weight, on one workspace against the
clock, and optionally some of the course's quiz questions. Reading checks everything that can be known without a cluster: the
schema, that each lab exists and has the checks named, that task ids are
unique; errors are ``file:line: message`` like every other kind. A task
copies its lab's checks and reference solution at sync, so an exam graded
later is graded by the checks it was taken with.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.content import SyncStats, sync_by_uuid
from engine.content.errors import ContentError, display_path
from engine.content.kind import KindRead, read_yaml_file
from engine.markdown import render_markdown
from exams.models import Exam

SCHEMA = Path(__file__).parent / "schemas" / "exam.schema.json"
EXAMS_FOLDER = "exams"
MAX_BYTES = 128 * 1024


@dataclass
class ExamSource:
    path: Path
    slug: str
    data: dict[str, Any]
    tasks: list[dict[str, Any]]  # as stored: the lab's checks and solution copied in
    questions: list[dict[str, Any]]  # {uuid, points} of each quiz question it asks
    content_hash: str


QUESTION_TYPES = ("single", "multiple", "true_false", "short_answer")


def read_exams(root: Path, labs: list[Any], quizzes: list[Any] | None = None) -> KindRead:
    result = KindRead()
    by_slug = {lab.slug: lab for lab in labs}
    questions = {q["uuid"].lower(): q for bank in quizzes or [] for q in bank.data["questions"]}
    seen: dict[str, Path] = {}
    folder = root / EXAMS_FOLDER
    for path in sorted(folder.glob("*/exam.yaml")) if folder.is_dir() else []:
        source, errors = read_exam(path, root, by_slug, questions)
        result.errors.extend(errors)
        if source is None:
            continue
        key = source.data["uuid"].lower()
        if key in seen:
            result.errors.append(
                ContentError(display_path(path, root), 1,
                             f"uuid is already used by {display_path(seen[key], root)}")
            )  # fmt: skip
            continue
        seen[key] = path
        result.sources.append(source)
    result.count = len(result.sources)
    return result


def read_exam(
    path: Path, root: Path, labs: Mapping[str, Any], questions: Mapping[str, Any] | None = None
) -> tuple[ExamSource | None, list[ContentError]]:
    shown = display_path(path, root)
    loaded, raw, errors = read_yaml_file(path, root, schema=SCHEMA, max_bytes=MAX_BYTES)
    if loaded is None:
        return None, errors
    data = loaded.data
    tasks = []
    ids: dict[str, int] = {}
    for index, task in enumerate(data["tasks"]):
        line = loaded.line_for(("tasks", index))
        if task["id"] in ids:
            errors.append(ContentError(shown, line, f"task id {task['id']!r} is already used on line {ids[task['id']]}"))  # fmt: skip
            continue
        ids[task["id"]] = line
        lab = labs.get(task["lab"])
        if lab is None:
            errors.append(ContentError(shown, loaded.line_for(("tasks", index, "lab")),
                                       f"no lab is named {task['lab']!r} (a lab's folder name)"))  # fmt: skip
            continue
        checks = lab.front["checks"]
        wanted = task.get("checks") or [c["id"] for c in checks]
        unknown = [c for c in wanted if c not in {c["id"] for c in checks}]
        if unknown:
            errors.append(ContentError(shown, loaded.line_for(("tasks", index, "checks")),
                                       f"the lab {task['lab']!r} has no checks named {unknown}"))  # fmt: skip
            continue
        tasks.append(
            {
                "id": task["id"],
                "title": task["title"],
                "weight": task["weight"],
                "lab": task["lab"],
                "lab_uuid": str(uuid.UUID(lab.front["uuid"])),
                "prompt": task["prompt"],
                "checks": [c for c in checks if c["id"] in wanted],
                "solution": lab.front["solution"].get("manifests") or "",
                # A troubleshooting lab's broken objects: created in the exam's namespace
                # when the attempt starts (exams.runs.prepare).
                "start_state": lab.start_state,
                "start_steps": lab.start_steps,
            }
        )
    asked = []
    for index, key in enumerate(data.get("questions") or []):
        question = (questions or {}).get(key.lower())
        line = loaded.line_for(("questions", index))
        if question is None:
            errors.append(ContentError(shown, line, f"no quiz question has the uuid {key}"))
        elif question["type"] not in QUESTION_TYPES:
            errors.append(ContentError(shown, line, f"question {key} is of type {question['type']}: an exam asks only {', '.join(QUESTION_TYPES)}"))  # fmt: skip
        else:
            asked.append({"uuid": str(uuid.UUID(key)), "points": int(question.get("points", 1))})
    if errors:
        return None, errors
    digest = hashlib.sha256(raw + json.dumps([tasks, asked], sort_keys=True).encode()).hexdigest()
    return ExamSource(path, path.parent.name, data, tasks, asked, digest), []


def sync_exams(sources: list[ExamSource]) -> SyncStats:
    def apply(exam: Exam, source: ExamSource, _: int) -> None:
        data = source.data
        exam.slug = source.slug
        exam.title = data["title"]
        exam.duration_minutes = data["duration_minutes"]
        exam.pass_mark = data["pass_mark"]
        exam.instructions_html = render_markdown(data["instructions"]).html
        exam.tasks = [{**t, "prompt_html": render_markdown(t["prompt"]).html} for t in source.tasks]
        exam.questions = source.questions
        exam.content_hash = source.content_hash

    return sync_by_uuid(
        Exam,
        sources,
        uuid_of=lambda source: source.data["uuid"],
        unchanged=lambda exam, source: exam.content_hash == source.content_hash,
        apply=apply,
    )


class ExamKind:
    name = count_key = "exams"

    def read(self, root: Path, earlier: Mapping[str, list[Any]]) -> KindRead:
        return read_exams(root, earlier["labs"], earlier["quizzes"])

    def sync(self, sources: list[ExamSource]) -> SyncStats:
        return sync_exams(sources)


EXAMS = ExamKind()
