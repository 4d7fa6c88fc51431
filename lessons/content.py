"""Reading chapters from the content root and syncing them into the database.

Reading never touches the database and collects every error it finds;
syncing writes only when a file's hash changed, and never deletes a chapter
(one that left the files is unpublished, so students' progress survives).
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.content import SyncStats, sync_by_uuid
from engine.content.errors import ContentError, display_path
from engine.content.kind import KindRead
from engine.content.schema import schema_errors
from engine.markdown import (
    CALLOUTS,
    RENDERER_VERSION,
    Heading,
    RenderedChapter,
    render_markdown,
    split_sections,
)
from engine.yaml import YamlSourceError, load_yaml
from lessons.models import Chapter, ChapterSection, ChapterTranslation

SCHEMA = Path(__file__).parent / "schemas" / "chapter.schema.json"
CHAPTER_FILE = "chapter.md"
MAX_CHAPTER_BYTES = 512 * 1024
ASSET_SUFFIXES = {".svg", ".png", ".jpg", ".jpeg", ".webp"}
MAX_ASSET_BYTES = 1024 * 1024
# chapter.es.md beside chapter.md: a translation, for each language of the interface.
_TRANSLATION_FILE = re.compile(r"^chapter\.(?P<language>[^.]+)\.md$")
TRANSLATION_KEYS = {"title", "summary", "objectives"}
# The labels engine.markdown gives to ::: boxes (CALLOUTS), in the interface's languages.
CALLOUT_LABELS = {
    "outdated": gettext_lazy("Outdated in the notes"),
    "try": gettext_lazy("Try it"),
    "note": gettext_lazy("Note"),
    "warning": gettext_lazy("Watch out"),
}
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)


@dataclass
class TranslatedChapter:
    """``chapter.<language>.md``: the title and text in another language, and optionally
    the summary and objectives (the objectives in the same order and number)."""

    language: str
    title: str
    summary: str
    objectives: list[str]
    rendered: RenderedChapter


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
    translations: list[TranslatedChapter] = field(default_factory=list)


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
    errors.extend(_image_errors(rendered, assets, shown, body_first_line))
    for name, asset in assets.items():
        if asset.stat().st_size > MAX_ASSET_BYTES:
            errors.append(ContentError(display_path(asset, root), 1, "asset is larger than 1 MiB"))
        elif asset.suffix.lower() == ".svg" and re.search(
            rb"<script|\son\w+\s*=|javascript:", asset.read_bytes(), re.IGNORECASE
        ):
            errors.append(
                ContentError(display_path(asset, root), 1, f"{name}: SVG must not contain scripts")
            )
    translations: list[TranslatedChapter] = []
    digest = hashlib.sha256(RENDERER_VERSION.encode() + raw)
    for translation_path in sorted(path.parent.glob("chapter.*.md")):
        translation, translation_errors = read_translation(
            translation_path, root, front, assets, original_toc=rendered.toc
        )
        errors.extend(translation_errors)
        if translation is not None:
            translations.append(translation)
            # Its HTML, not only its bytes: a new label from the .po re-renders it too.
            digest.update(translation_path.name.encode() + translation.rendered.html.encode())
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
        translations=translations,
    )
    return source, errors


def _image_errors(
    rendered: RenderedChapter, assets: dict[str, Path], shown: str, body_first_line: int
) -> list[ContentError]:
    errors = []
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
    return errors


def translation_languages() -> list[str]:
    """The languages a chapter may be translated into: the interface's, but the original's."""
    return [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _translate_callout_labels(page: str, language: str) -> str:
    """The ::: boxes of a translated chapter, labelled in its language ("Try it" -> "Pruébalo")."""
    with translation.override(language):
        for kind, english in CALLOUTS.items():
            label = html.escape(str(CALLOUT_LABELS.get(kind, english)))
            page = re.sub(
                rf'(<aside class="callout callout-{kind}">\s*<p class="callout-title">)'
                + re.escape(html.escape(english)),
                lambda match, label=label: match.group(1) + label,  # type: ignore[misc]
                page,
            )
    return page


def _split_front_matter(
    path: Path, shown: str
) -> tuple[dict[str, Any], dict[tuple[str | int, ...], int], str, int] | ContentError:
    raw = path.read_bytes()
    if len(raw) > MAX_CHAPTER_BYTES:
        return ContentError(shown, 1, f"file is larger than {MAX_CHAPTER_BYTES} bytes")
    try:
        text = raw.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        return ContentError(shown, raw[: exc.start].count(b"\n") + 1, "file is not valid UTF-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        return ContentError(shown, 1, "missing front matter: the file must start with a '---' line")
    try:
        loaded = load_yaml(match.group(1), first_line=2)
    except YamlSourceError as exc:
        return ContentError(shown, exc.line, exc.message)
    if not isinstance(loaded.data, dict):
        return ContentError(shown, 2, "front matter must be a mapping of keys to values")
    return loaded.data, loaded.lines, text[match.end() :], text[: match.end()].count("\n") + 1


def read_translation(
    path: Path,
    root: Path,
    original: dict[str, Any],
    assets: dict[str, Path],
    *,
    original_toc: list[Heading],
) -> tuple[TranslatedChapter | None, list[ContentError]]:
    """``chapter.<language>.md``: front matter with ``title`` (and optionally ``summary`` and
    ``objectives``, as many as the original's), then the translated Markdown body, with
    the original's ``##``/``###`` headings in the same order (they keep its anchors)."""
    shown = display_path(path, root)
    language = _TRANSLATION_FILE.match(path.name)
    known = translation_languages()
    if language is None or language["language"] not in known:
        return None, [
            ContentError(
                shown,
                1,
                f"{path.name}: not a translation the tutor can show; "
                f"name it chapter.<language>.md with a language among: {', '.join(known)}",
            )
        ]
    split = _split_front_matter(path, shown)
    if isinstance(split, ContentError):
        return None, [split]
    front, lines, body, body_first_line = split
    errors = [
        ContentError(shown, lines.get((key,), 2), f"unknown key {key!r}: a translation has "
                     "only title, summary and objectives (the rest comes from chapter.md)")
        for key in front
        if key not in TRANSLATION_KEYS
    ]  # fmt: skip
    title = front.get("title")
    if not isinstance(title, str) or not 3 <= len(title.strip()) <= 120:
        errors.append(ContentError(shown, lines.get(("title",), 2), "title: 3-120 characters"))
    summary = front.get("summary", "")
    if not isinstance(summary, str) or (summary and not 20 <= len(summary.strip()) <= 400):
        errors.append(ContentError(shown, lines.get(("summary",), 2), "summary: 20-400 characters"))
    objectives = front.get("objectives", [])
    expected = len(original["objectives"])
    if (
        not isinstance(objectives, list)
        or not all(isinstance(o, str) and o.strip() for o in objectives)
        or (objectives and len(objectives) != expected)
    ):
        errors.append(
            ContentError(
                shown,
                lines.get(("objectives",), 2),
                f"objectives: a list of {expected} texts, in the order of chapter.md's",
            )
        )
    if not body.strip():
        errors.append(ContentError(shown, body_first_line, "the translation has no text"))
    if errors:
        return None, errors
    slug = original["slug"]
    rendered = render_markdown(
        body,
        asset_url=lambda name: asset_url(slug, name),
        anchors=[heading.anchor for heading in original_toc],
    )
    errors = _image_errors(rendered, assets, shown, body_first_line)
    if [h.level for h in rendered.toc] != [h.level for h in original_toc]:
        errors.append(_heading_mismatch(shown, body_first_line, rendered.toc, original_toc))
    if errors:
        return None, errors
    rendered.html = _translate_callout_labels(rendered.html, language["language"])
    translation = TranslatedChapter(
        language=language["language"],
        title=str(title).strip(),
        summary=str(summary).strip(),
        objectives=[str(o).strip() for o in objectives],
        rendered=rendered,
    )
    return translation, []


def _heading_mismatch(
    shown: str, body_first_line: int, translated: list[Heading], original: list[Heading]
) -> ContentError:
    """Where the translation's headings part from the original's (links use their anchors)."""
    marks = {2: "##", 3: "###"}
    for index, (mine, theirs) in enumerate(zip(translated, original, strict=False)):
        if mine.level != theirs.level:
            return ContentError(
                shown, body_first_line,
                f"heading {index + 1} ({mine.title!r}) is {marks[mine.level]}, but chapter.md's "
                f"heading {index + 1} ({theirs.title!r}) is {marks[theirs.level]}: keep the "
                "original's ## and ### headings in the same order (links to a section use them)",
            )  # fmt: skip
    return ContentError(
        shown, body_first_line,
        f"the translation has {len(translated)} ## and ### headings, chapter.md has "
        f"{len(original)}: keep the original's headings in the same order (links to a "
        "section use them)",
    )  # fmt: skip


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
    chapter.translations.all().delete()
    ChapterTranslation.objects.bulk_create(
        ChapterTranslation(
            chapter=chapter,
            language=t.language,
            title=t.title,
            summary=t.summary,
            objectives=t.objectives,
            body_html=t.rendered.html,
            toc=[{"level": h.level, "anchor": h.anchor, "title": h.title} for h in t.rendered.toc],
        )
        for t in source.translations
    )
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
