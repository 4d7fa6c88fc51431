"""Reading labs (``labs/<slug>/lab.yaml`` + ``instructions.md`` in a chapter folder).

Reading validates everything that can be known without a cluster: the
schema, the checks (compiled), that every manifest of the solution and the
mistakes is valid for the lab's newest Kubernetes version, and that each
mistake names checks that exist. ``verify_labs`` does the rest on a cluster.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.assertions import Rule, RuleError, compile_rules
from engine.content.errors import ContentError, display_path
from engine.content.schema import schema_errors
from engine.content.sync import SyncStats, unpublish_missing
from engine.manifests import SUPPORTED_VERSIONS, validate_text
from engine.yaml import YamlSourceError, load_yaml
from lessons.content import ChapterSource

SCHEMA = Path(__file__).parent / "schemas" / "lab.schema.json"
MAX_BYTES = 256 * 1024


@dataclass
class LabSource:
    path: Path
    chapter_uuid: str
    chapter_number: int
    slug: str
    front: dict[str, Any]
    checks: list[Rule]
    instructions: str
    content_hash: str

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.front["solution"].get("steps") or [])


@dataclass
class LabReadResult:
    labs: list[LabSource] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)


def read_labs(root: Path, chapters: list[ChapterSource]) -> LabReadResult:
    result = LabReadResult()
    seen: dict[str, Path] = {}
    for chapter in chapters:
        base = chapter.path.parent / "labs"
        if not base.is_dir():
            continue
        for folder in sorted(p for p in base.iterdir() if p.is_dir()):
            source, errors = read_lab(folder, root, chapter)
            result.errors.extend(errors)
            if source is None:
                continue
            key = source.front["uuid"].lower()
            if key in seen or any(lab.slug == source.slug for lab in result.labs):
                result.errors.append(
                    ContentError(
                        display_path(source.path, root), 1, "uuid or lab folder name is used twice"
                    )
                )
                continue
            seen[key] = source.path
            result.labs.append(source)
    return result


def read_lab(
    folder: Path, root: Path, chapter: ChapterSource
) -> tuple[LabSource | None, list[ContentError]]:
    path = folder / "lab.yaml"
    shown = display_path(path, root)
    if not path.is_file():
        return None, [ContentError(display_path(folder, root), 1, "lab folder has no lab.yaml")]
    instructions_path = folder / "instructions.md"
    if not instructions_path.is_file():
        return None, [
            ContentError(display_path(folder, root), 1, "lab folder has no instructions.md")
        ]
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
    try:
        checks = compile_rules(front["checks"], lab=True)
    except RuleError as exc:
        return None, [ContentError(shown, loaded.line_for(("checks",)), str(exc))]
    versions = [v for v in front["kubernetes_versions"] if v in SUPPORTED_VERSIONS]
    if not versions:
        return None, [
            ContentError(
                shown,
                loaded.line_for(("kubernetes_versions",)),
                "no supported Kubernetes version listed",
            )
        ]
    newest = max(versions, key=lambda v: int(v.split(".")[1]))
    check_ids = {c.id for c in checks}
    manifests: list[tuple[tuple[str | int, ...], str]] = [
        (("solution", "manifests"), front["solution"]["manifests"])
    ]
    for index, mistake in enumerate(front["mistakes"]):
        if "manifests" in mistake:
            manifests.append((("mistakes", index, "manifests"), mistake["manifests"]))
        stray = [c for c in mistake["failed_checks"] if c not in check_ids]
        if stray:
            errors.append(
                ContentError(
                    shown,
                    loaded.line_for(("mistakes", index)),
                    f"mistake {mistake['name']!r}: no checks named {stray}",
                )
            )
    for where, text in manifests:
        result = validate_text(text, kubernetes_version=newest)
        line = loaded.line_for(where)
        for finding in result.all_findings:
            if finding.severity == "error":
                errors.append(
                    ContentError(
                        shown,
                        line,
                        f"{'.'.join(map(str, where))}: line {finding.line}: {finding.message} [{finding.code}]",
                    )
                )
        for document in result.documents:
            meta = (document.data or {}).get("metadata") or {}
            if meta.get("namespace"):
                errors.append(
                    ContentError(
                        shown,
                        line,
                        f"{'.'.join(map(str, where))}: {document.kind} sets metadata.namespace; the grader's namespace is used",
                    )
                )
    instructions = instructions_path.read_text()
    digest = hashlib.sha256(raw + instructions.encode()).hexdigest()
    source = LabSource(
        path=path,
        chapter_uuid=chapter.front["uuid"],
        chapter_number=chapter.front["number"],
        slug=folder.name,
        front=front,
        checks=checks,
        instructions=instructions,
        content_hash=digest,
    )
    return (None if errors else source), errors


def sync_labs(labs: list[LabSource]) -> SyncStats:
    """Lab rows in line with the files; removed labs are unpublished (submissions stay)."""
    from engine.markdown import render_markdown
    from labs.models import Lab
    from lessons.models import Chapter

    stats = SyncStats()
    chapters = {str(c.uuid): c for c in Chapter.objects.all()}
    existing = {str(lab.uuid): lab for lab in Lab.objects.select_for_update()}
    present = set()
    for source in labs:
        key = str(uuid.UUID(source.front["uuid"]))
        present.add(key)
        lab = existing.get(key)
        if lab and lab.content_hash == source.content_hash and lab.is_published:
            stats.unchanged += 1
            continue
        created = lab is None
        lab = lab or Lab(uuid=key)
        lab.chapter = chapters[str(uuid.UUID(source.chapter_uuid))]
        lab.slug = source.slug
        lab.title = source.front["title"]
        lab.estimated_minutes = source.front["estimated_minutes"]
        lab.kubernetes_versions = source.front["kubernetes_versions"]
        lab.instructions_html = render_markdown(source.instructions).html
        lab.checks = source.front["checks"]
        lab.content_hash = source.content_hash
        lab.is_published = True
        lab.save()
        stats.created += created
        stats.updated += not created
    stats.unpublished = unpublish_missing(existing, present)
    return stats
