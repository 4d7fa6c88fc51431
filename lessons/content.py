"""Reading chapters from the content root and syncing them into the database.

Reading never touches the database and collects every error it finds;
syncing writes only when a file's hash changed, and never deletes a chapter
(one that left the files is unpublished, so students' progress survives).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse

from core.content import SyncStats, sync_by_uuid
from engine.content.errors import ContentError, display_path
from engine.content.kind import KindRead
from engine.content.schema import schema_errors
from engine.markdown import RENDERER_VERSION, RenderedChapter, render_markdown, split_sections
from engine.yaml import YamlSourceError, load_yaml
from lessons.models import Chapter, ChapterSection

SCHEMA = Path(__file__).parent / "schemas" / "chapter.schema.json"
CHAPTER_FILE = "chapter.md"
MAX_CHAPTER_BYTES = 512 * 1024
ASSET_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg", ".webp"}
MAX_ASSET_BYTES = 1024 * 1024
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)


@dataclass
class ChapterSource:
    path: Path
    folder: str
    front: dict[str, Any]
    front_lines: dict[tuple[str | int, ...], int]
    body: str
    body_first_line: int
    content_hash: str
    rendered: RenderedChapter
    assets: dict[str, Path] = field(default_factory=dict)


@dataclass
class ChapterReadResult:
    chapters: list[ChapterSource] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)


def content_root() -> Path:
    """Where the course's files are (TUTOR_CONTENT_ROOT): ``chapters/`` and what they hold."""
    return Path(settings.CONTENT_ROOT)


def chapters_dir(root: Path) -> Path:
    return root / "chapters"


def asset_url(slug: str, name: str) -> str:
    return reverse("lessons:asset", kwargs={"slug": slug, "name": name})


def chapter_assets(folder: Path) -> dict[str, Path]:
    return {
        p.name: p
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix.lower() in ASSET_SUFFIXES
    }


def read_chapters(root: Path) -> ChapterReadResult:
    result = ChapterReadResult()
    base = chapters_dir(root)
    if not base.is_dir():
        result.errors.append(
            ContentError(str(base), 1, "no chapters folder: expected <content root>/chapters/")
        )
        return result
    for folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        path = folder / CHAPTER_FILE
        if not path.is_file():
            result.errors.append(
                ContentError(display_path(folder, root), 1, f"folder has no {CHAPTER_FILE}")
            )
            continue
        source, errors = read_chapter(path, root)
        result.errors.extend(errors)
        if source is not None and not errors:
            result.chapters.append(source)
    result.errors.extend(_cross_reference_errors(result.chapters, root))
    result.errors.sort()
    return result


def read_chapter(path: Path, root: Path) -> tuple[ChapterSource | None, list[ContentError]]:
    shown = display_path(path, root)
    errors: list[ContentError] = []
    raw = path.read_bytes()
    if len(raw) > MAX_CHAPTER_BYTES:
        return None, [ContentError(shown, 1, f"file is larger than {MAX_CHAPTER_BYTES} bytes")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [ContentError(shown, line, "file is not valid UTF-8")]
    text = text.replace("\r\n", "\n")
    match = _FRONT_MATTER.match(text)
    if not match:
        return None, [
            ContentError(shown, 1, "missing front matter: the file must start with a '---' line")
        ]
    try:
        loaded = load_yaml(match.group(1), first_line=2)
    except YamlSourceError as exc:
        return None, [ContentError(shown, exc.line, exc.message)]
    if not isinstance(loaded.data, dict):
        return None, [ContentError(shown, 2, "front matter must be a mapping of keys to values")]
    for line, message in schema_errors(loaded, SCHEMA):
        errors.append(ContentError(shown, line, message))
    body = text[match.end() :]
    body_first_line = text[: match.end()].count("\n") + 1
    if not body.strip():
        errors.append(ContentError(shown, body_first_line, "the chapter has no text"))
    if errors:
        return None, errors

    front = loaded.data
    assets = chapter_assets(path.parent)
    slug = front["slug"]
    rendered = render_markdown(body, asset_url=lambda name: asset_url(slug, name))
    for src, line in rendered.images:
        if "://" in src or src.startswith("/"):
            errors.append(
                ContentError(shown, body_first_line + line - 1, f"image {src!r} is not local")
            )
        elif src not in assets:
            errors.append(
                ContentError(
                    shown,
                    body_first_line + line - 1,
                    f"image {src!r} not found beside {CHAPTER_FILE}",
                )
            )
    for name, asset in assets.items():
        if asset.stat().st_size > MAX_ASSET_BYTES:
            errors.append(ContentError(display_path(asset, root), 1, "asset is larger than 1 MiB"))
        elif asset.suffix.lower() == ".svg" and re.search(
            rb"<script|\son\w+\s*=|javascript:", asset.read_bytes(), re.IGNORECASE
        ):
            errors.append(
                ContentError(display_path(asset, root), 1, f"{name}: SVG must not contain scripts")
            )
    digest = hashlib.sha256(RENDERER_VERSION.encode() + raw)
    for name, asset in assets.items():
        digest.update(name.encode() + asset.read_bytes())
    source = ChapterSource(
        path=path,
        folder=path.parent.name,
        front=front,
        front_lines=loaded.lines,
        body=body,
        body_first_line=body_first_line,
        content_hash=digest.hexdigest(),
        rendered=rendered,
        assets=assets,
    )
    return source, errors


def _cross_reference_errors(chapters: list[ChapterSource], root: Path) -> list[ContentError]:
    errors = []
    for key in ("uuid", "number", "slug"):
        seen: dict[Any, ChapterSource] = {}
        for chapter in chapters:
            value = chapter.front[key]
            if key == "uuid":
                value = str(value).lower()
            if value in seen:
                errors.append(
                    ContentError(
                        display_path(chapter.path, root),
                        chapter.front_lines.get((key,), 2),
                        f"{key} {chapter.front[key]!r} is already used by "
                        f"{display_path(seen[value].path, root)}",
                    )
                )
            else:
                seen[value] = chapter
    return errors


def sync_chapters(chapters: list[ChapterSource]) -> SyncStats:
    """Bring the Chapter rows in line with the files read without errors."""
    return sync_by_uuid(
        Chapter,
        chapters,
        uuid_of=lambda source: source.front["uuid"],
        unchanged=lambda chapter, source: (
            chapter.content_hash == source.content_hash and chapter.folder == source.folder
        ),
        apply=lambda chapter, source, _: _apply(chapter, source),
        after_save=_write_sections,
    )


def _write_sections(chapter: Chapter, source: ChapterSource) -> None:
    chapter.sections.all().delete()
    ChapterSection.objects.bulk_create(
        ChapterSection(chapter=chapter, position=i, anchor=anchor, title=title, text=text)
        for i, (anchor, title, text) in enumerate(split_sections(chapter.body_html))
    )


def _apply(chapter: Chapter, source: ChapterSource) -> None:
    front = source.front
    chapter.number = front["number"]
    chapter.slug = front["slug"]
    chapter.title = front["title"]
    chapter.summary = front["summary"]
    chapter.objectives = front["objectives"]
    chapter.estimated_minutes = front["estimated_minutes"]
    chapter.folder = source.folder
    chapter.content_hash = source.content_hash
    chapter.body_html = source.rendered.html
    chapter.toc = [
        {"level": h.level, "anchor": h.anchor, "title": h.title} for h in source.rendered.toc
    ]
    chapter.word_count = len(source.body.split())


class ChapterKind:
    """Chapters come first: every other kind of content belongs to one."""

    name = count_key = "chapters"

    def read(self, root: Path, earlier: object) -> KindRead:
        result = read_chapters(root)
        return KindRead(sources=result.chapters, errors=result.errors, count=len(result.chapters))

    def sync(self, sources: list[ChapterSource]) -> SyncStats:
        return sync_chapters(sources)


CHAPTERS = ChapterKind()
