"""Reading YAML exercises from the chapter folders and syncing them into the database.

Like chapters, reading collects every error and never touches the database.
Each exercise checks itself: its solution and every alternative (the other
correct answers students write) must pass with no error findings, and each
recorded mistake must produce the findings and fail exactly the rules it
names.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.content import SyncStats, sync_by_uuid
from engine.assertions import Rule
from engine.content.errors import ContentError, display_path
from engine.content.kind import KindRead, read_each, read_yaml_file
from engine.content.objectives import objective_errors
from engine.content.rules import compile_each
from engine.grading.exercise import grade_manifest
from engine.manifests import CODES, DEFAULT_VERSION, SUPPORTED_VERSIONS
from engine.markdown import render_markdown
from engine.yaml import LoadedYaml
from exercises.models import Exercise
from lessons.content import ChapterSource
from lessons.models import Chapter

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


def read_exercises(root: Path, chapters: list[ChapterSource]) -> KindRead:
    return read_each(
        chapters,
        root,
        files=lambda chapter: sorted((chapter.path.parent / "exercises").glob("*.yaml")),
        read_one=lambda path, chapter: read_exercise(path, root, chapter),
        identity=lambda source: (source.front["uuid"].lower(),),
    )


def read_exercise(
    path: Path, root: Path, chapter: ChapterSource
) -> tuple[ExerciseSource | None, list[ContentError]]:
    shown = display_path(path, root)
    loaded, raw, errors = read_yaml_file(path, root, schema=SCHEMA, max_bytes=MAX_BYTES)
    if loaded is None:
        return None, errors
    front = loaded.data
    version = front.get("kubernetes_version", DEFAULT_VERSION)
    if version not in SUPPORTED_VERSIONS:
        line = loaded.line_for(("kubernetes_version",))
        return None, [ContentError(shown, line, f"kubernetes_version {version} is not supported")]
    rules, rule_errors = compile_each(
        front["rules"], lambda i: loaded.line_for(("rules", i)), shown
    )
    if rule_errors:
        return None, rule_errors
    errors.extend(
        ContentError(shown, loaded.line_for(("objectives", index)), message)
        for index, message in objective_errors(
            front.get("objectives"), available=len(chapter.front["objectives"])
        )
    )
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


def _must_pass(
    shown: str, line: int, what: str, text: str, rules: list[Rule], version: str
) -> list[ContentError]:
    """A correct answer (the solution, an alternative): no error findings, every rule passes."""
    outcome = grade_manifest(text, rules=rules, kubernetes_version=version)
    errors = [
        ContentError(shown, line, f"{what}: line {f.line}: {f.message} [{f.code}]")
        for f in outcome.findings
        if f.severity == "error"
    ]
    errors += [
        ContentError(shown, line, f"{what} fails rule {r.id}: {r.message}")
        for r in outcome.rule_results
        if not r.passed
    ]
    return errors


def _self_check(
    shown: str, loaded: LoadedYaml, rules: list[Rule], version: str
) -> list[ContentError]:
    front = loaded.data
    rule_ids = {r.id for r in rules}
    errors = _must_pass(
        shown, loaded.line_for(("solution",)), "solution", front["solution"], rules, version
    )
    for index, alternative in enumerate(front["alternatives"]):
        errors += _must_pass(
            shown, loaded.line_for(("alternatives", index)),
            f"alternative {alternative['name']!r}", alternative["manifest"], rules, version,
        )  # fmt: skip
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


def sync_exercises(exercises: list[ExerciseSource]) -> SyncStats:
    chapters = {str(c.uuid): c for c in Chapter.objects.all()}

    def apply(exercise: Exercise, source: ExerciseSource, position: int) -> None:
        front = source.front
        exercise.chapter = chapters[str(uuid.UUID(source.chapter_uuid))]
        exercise.slug = source.slug
        exercise.position = position
        exercise.title = front["title"]
        exercise.objectives = list(front.get("objectives", []))
        exercise.difficulty = front["difficulty"]
        exercise.kubernetes_version = front.get("kubernetes_version", DEFAULT_VERSION)
        exercise.prompt_html = render_markdown(front["prompt"]).html
        exercise.starter = front["starter"]
        exercise.hints_html = [render_markdown(h).html for h in front["hints"]]
        exercise.rules = front["rules"]
        exercise.solution = front["solution"]
        exercise.content_hash = source.content_hash

    return sync_by_uuid(
        Exercise,
        exercises,
        uuid_of=lambda source: source.front["uuid"],
        unchanged=lambda exercise, source: exercise.content_hash == source.content_hash,
        apply=apply,
    )


class ExerciseKind:
    name = count_key = "exercises"

    def read(self, root: Path, earlier: Mapping[str, list[Any]]) -> KindRead:
        return read_exercises(root, earlier["chapters"])

    def sync(self, sources: list[ExerciseSource]) -> SyncStats:
        return sync_exercises(sources)


EXERCISES = ExerciseKind()
