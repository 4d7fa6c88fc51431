"""Reading YAML exercises from the chapter folders and syncing them into the database.

Like chapters, reading collects every error and never touches the database.
Each exercise checks itself: its solution must pass with no error findings,
and each recorded mistake must produce the findings and fail exactly the
rules it names.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from engine.assertions import Rule, RuleError, compile_rules
from engine.content.errors import ContentError, display_path
from engine.content.schema import schema_errors
from engine.content.sync import SyncStats, unpublish_missing
from engine.grading.exercise import grade_manifest
from engine.manifests import CODES, DEFAULT_VERSION, SUPPORTED_VERSIONS
from engine.markdown import render_markdown
from engine.yaml import LoadedYaml, YamlSourceError, load_yaml
from labs.models import Exercise
from lessons.content import ChapterSource

SCHEMA = Path(__file__).parent / "schemas" / "exercise.schema.json"
MAX_BYTES = 256 * 1024


@dataclass
class ExerciseSource:
    path: Path
    chapter_uuid: str
    slug: str
    front: dict[str, Any]
    rules: list[Rule]
    content_hash: str


@dataclass
class ExerciseReadResult:
    exercises: list[ExerciseSource] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)


def read_exercises(root: Path, chapters: list[ChapterSource]) -> ExerciseReadResult:
    result = ExerciseReadResult()
    seen: dict[str, Path] = {}
    for chapter in chapters:
        folder = chapter.path.parent / "exercises"
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            source, errors = read_exercise(path, root, chapter)
            result.errors.extend(errors)
            if source is None:
                continue
            key = source.front["uuid"].lower()
            if key in seen:
                result.errors.append(
                    ContentError(
                        display_path(path, root), 2,
                        f"uuid is already used by {display_path(seen[key], root)}",
                    )
                )  # fmt: skip
                continue
            seen[key] = path
            result.exercises.append(source)
    return result


def read_exercise(
    path: Path, root: Path, chapter: ChapterSource
) -> tuple[ExerciseSource | None, list[ContentError]]:
    shown = display_path(path, root)
    raw = path.read_bytes()
    if len(raw) > MAX_BYTES:
        return None, [ContentError(shown, 1, f"file is larger than {MAX_BYTES} bytes")]
    try:
        loaded = load_yaml(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, [ContentError(shown, 1, "file is not valid UTF-8")]
    except YamlSourceError as exc:
        return None, [ContentError(shown, exc.line, exc.message)]
    errors = [ContentError(shown, line, message) for line, message in schema_errors(loaded, SCHEMA)]
    if errors:
        return None, errors
    front = loaded.data
    version = front.get("kubernetes_version", DEFAULT_VERSION)
    if version not in SUPPORTED_VERSIONS:
        line = loaded.line_for(("kubernetes_version",))
        return None, [ContentError(shown, line, f"kubernetes_version {version} is not supported")]
    try:
        rules = compile_rules(front["rules"])
    except RuleError as exc:
        return None, [ContentError(shown, loaded.line_for(("rules",)), str(exc))]
    errors.extend(_self_check(shown, loaded, rules, version))
    digest = hashlib.sha256(raw + chapter.front["uuid"].encode()).hexdigest()
    source = ExerciseSource(
        path=path,
        chapter_uuid=chapter.front["uuid"],
        slug=path.stem,
        front=front,
        rules=rules,
        content_hash=digest,
    )
    return (None if errors else source), errors


def _self_check(
    shown: str, loaded: LoadedYaml, rules: list[Rule], version: str
) -> list[ContentError]:
    front = loaded.data
    errors = []
    rule_ids = {r.id for r in rules}
    solution = grade_manifest(front["solution"], rules=rules, kubernetes_version=version)
    line = loaded.line_for(("solution",))
    for finding in solution.findings:
        if finding.severity == "error":
            errors.append(
                ContentError(
                    shown,
                    line,
                    f"solution: line {finding.line}: {finding.message} [{finding.code}]",
                )
            )
    for result in solution.rule_results:
        if not result.passed:
            errors.append(
                ContentError(shown, line, f"solution fails rule {result.id}: {result.message}")
            )
    for index, mistake in enumerate(front["mistakes"]):
        line = loaded.line_for(("mistakes", index))
        unknown = [c for c in mistake["findings"] if c not in CODES]
        if unknown:
            errors.append(
                ContentError(
                    shown, line, f"mistake {mistake['name']!r}: unknown finding codes {unknown}"
                )
            )
        stray = [r for r in mistake["failed_rules"] if r not in rule_ids]
        if stray:
            errors.append(
                ContentError(shown, line, f"mistake {mistake['name']!r}: no rules named {stray}")
            )
        outcome = grade_manifest(mistake["manifest"], rules=rules, kubernetes_version=version)
        reported = {f.code for f in outcome.findings}
        missing = [c for c in mistake["findings"] if c not in reported]
        if missing:
            errors.append(
                ContentError(
                    shown, line,
                    f"mistake {mistake['name']!r}: expected findings {missing} were not reported "
                    f"(reported: {sorted(reported) or 'none'})",
                )
            )  # fmt: skip
        failed = sorted(r.id for r in outcome.rule_results if not r.passed)
        if failed != sorted(mistake["failed_rules"]):
            errors.append(
                ContentError(
                    shown, line,
                    f"mistake {mistake['name']!r}: rules that fail are {failed or 'none'}, "
                    f"recorded {sorted(mistake['failed_rules']) or 'none'}",
                )
            )  # fmt: skip
        if outcome.passed:
            errors.append(
                ContentError(shown, line, f"mistake {mistake['name']!r} passes the exercise")
            )
    return errors


@transaction.atomic
def sync_exercises(exercises: list[ExerciseSource]) -> SyncStats:
    from lessons.models import Chapter

    stats = SyncStats()
    chapters = {str(c.uuid): c for c in Chapter.objects.all()}
    existing = {str(e.uuid): e for e in Exercise.objects.select_for_update()}
    present = set()
    for position, source in enumerate(exercises):
        key = str(uuid.UUID(source.front["uuid"]))
        present.add(key)
        exercise = existing.get(key)
        if exercise and exercise.content_hash == source.content_hash and exercise.is_published:
            stats.unchanged += 1
            continue
        created = exercise is None
        exercise = exercise or Exercise(uuid=key)
        front = source.front
        exercise.chapter = chapters[str(uuid.UUID(source.chapter_uuid))]
        exercise.slug = source.slug
        exercise.position = position
        exercise.title = front["title"]
        exercise.difficulty = front["difficulty"]
        exercise.kubernetes_version = front.get("kubernetes_version", DEFAULT_VERSION)
        exercise.prompt_html = render_markdown(front["prompt"]).html
        exercise.starter = front["starter"]
        exercise.hints_html = [render_markdown(h).html for h in front["hints"]]
        exercise.rules = front["rules"]
        exercise.solution = front["solution"]
        exercise.content_hash = source.content_hash
        exercise.is_published = True
        exercise.save()
        stats.created += created
        stats.updated += not created
    stats.unpublished = unpublish_missing(existing, present)
    return stats
