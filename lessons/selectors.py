"""Reads for the chapter pages."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.translation import get_language, gettext

from lessons.models import Chapter, ChapterProgress, ChapterSection, ChapterTranslation

AnyUser = User | AnonymousUser


@dataclass
class ChapterState:
    chapter: Chapter
    progress: ChapterProgress | None

    @property
    def is_done(self) -> bool:
        return bool(self.progress and self.progress.is_done)

    @property
    def is_visited(self) -> bool:
        return bool(self.progress and self.progress.last_visited_at)


def chapter_get_published(*, slug: str) -> Chapter:
    chapter = Chapter.objects.published().filter(slug=slug).first()
    if chapter is None:
        raise Http404("No such chapter")
    return chapter


def _active_language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def chapter_in_language(chapter: Chapter) -> Chapter:
    """The chapter in the active language where it has a translation (chapter.<lang>.md).

    Sets ``chapter.text_language`` to the language its text is in: the original's when
    there is no translation, so that the page can mark it and say so.
    """
    language = _active_language()
    chapter.text_language = settings.LANGUAGE_CODE
    if language == settings.LANGUAGE_CODE:
        return chapter
    translation = ChapterTranslation.objects.filter(chapter=chapter, language=language).first()
    if translation is not None:
        _apply_translation(chapter, translation)
        chapter.body_html = translation.body_html
        chapter.toc = translation.toc
        chapter.text_language = language
    return chapter


def _apply_translation(chapter: Chapter, translation: ChapterTranslation) -> None:
    """Put the translation's words in the chapter, noting which language each part is in.

    ``text_language`` (title, body), ``summary_language`` and ``objectives_language`` let the
    templates mark what is still English ({% content_lang %}); unset means the original's.
    """
    chapter.title = translation.title
    chapter.text_language = translation.language
    if translation.summary:
        chapter.summary = translation.summary
        chapter.summary_language = translation.language
    if translation.objectives:
        chapter.objectives = translation.objectives
        chapter.objectives_language = translation.language


def _translate_titles(chapters: list[Chapter]) -> None:
    """Titles and summaries of the chapters translated into the active language."""
    language = _active_language()
    if language == settings.LANGUAGE_CODE or not chapters:
        return
    by_id = {c.pk: c for c in chapters}
    translations = ChapterTranslation.objects.filter(chapter_id__in=by_id, language=language).only(
        "chapter_id", "title", "summary", "objectives"
    )
    for translation in translations:
        _apply_translation(by_id[translation.chapter_id], translation)


def course_outline(*, user: AnyUser) -> list[ChapterState]:
    """Every published chapter with this user's progress (none when anonymous).

    Titles and summaries are in the active language where a chapter is translated.
    """
    chapters = list(Chapter.objects.published().only(*_OUTLINE_FIELDS))
    _translate_titles(chapters)
    progress: dict[int, ChapterProgress] = {}
    if user.is_authenticated:
        progress = {p.chapter_id: p for p in ChapterProgress.objects.filter(user=user)}
    return [ChapterState(chapter=c, progress=progress.get(c.pk)) for c in chapters]


_OUTLINE_FIELDS = ("uuid", "number", "slug", "title", "summary", "estimated_minutes")


def continue_chapter(outline: list[ChapterState]) -> ChapterState | None:
    """Where to pick up: the last chapter visited if unfinished, else the first not done."""
    visited = [s for s in outline if s.progress and s.progress.last_visited_at]
    if visited:
        latest = max(visited, key=lambda s: s.progress.last_visited_at)  # type: ignore[union-attr,arg-type,return-value]
        if not latest.is_done:
            return latest
    return next((s for s in outline if not s.is_done), None)


def neighbours(
    outline: list[ChapterState], chapter: Chapter
) -> tuple[Chapter | None, Chapter | None]:
    numbers = [s.chapter.pk for s in outline]
    try:
        i = numbers.index(chapter.pk)
    except ValueError:
        return None, None
    prev = outline[i - 1].chapter if i > 0 else None
    nxt = outline[i + 1].chapter if i + 1 < len(outline) else None
    return prev, nxt


@dataclass
class SearchHit:
    section: ChapterSection
    snippet_html: str  # escaped text with <mark> around matches
    score: int


MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
SNIPPET_RADIUS = 90


def search_terms(query: str) -> list[str]:
    words = re.findall(r"[\w.\-/:]+", query[:MAX_QUERY_LENGTH].lower())
    unique = list(dict.fromkeys(w.strip(".-/:") for w in words))
    return [w for w in unique if len(w) >= 2][:MAX_TERMS]


def search_sections(*, query: str, limit: int = 30) -> list[SearchHit]:
    """Sections whose title or text contains every term, best first."""
    terms = search_terms(query)
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition &= Q(text__icontains=term) | Q(title__icontains=term)
    sections = ChapterSection.objects.filter(condition, chapter__is_published=True).select_related(
        "chapter"
    )
    hits = []
    for section in sections:
        lowered = section.text.lower()
        score = sum(lowered.count(t) for t in terms)
        score += sum(10 for t in terms if t in section.title.lower())
        hits.append(SearchHit(section, highlight_snippet(section.text, terms), score))
    hits.sort(key=lambda h: (-h.score, h.section.chapter.number, h.section.position))
    return hits[:limit]


def highlight_snippet(text: str, terms: list[str]) -> str:
    lowered = text.lower()
    first = min((i for i in (lowered.find(t) for t in terms) if i >= 0), default=0)
    start = max(0, first - SNIPPET_RADIUS)
    end = min(len(text), first + SNIPPET_RADIUS * 2)
    excerpt = text[start:end]
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.I)
    out, last = [], 0
    for match in pattern.finditer(excerpt):
        out.append(html.escape(excerpt[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
    out.append(html.escape(excerpt[last:]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + "".join(out) + suffix


@dataclass(frozen=True)
class NextStep:
    """Where to go after a success (see tutor/next_step.py for the whole order)."""

    kind: str  # exercise, lab, chapter, or end (of the course)
    title: str
    url: str
    number: int = 0  # the chapter's number, for a chapter
    language: str = ""  # the title's language where it is not the course's (a translated chapter)


def after_chapter(*, chapter: Chapter, user: AnyUser) -> NextStep:
    """The step once a chapter's practice is done: the next chapter, or the end of the course."""
    _, following = neighbours(course_outline(user=user), chapter)
    if following is None:
        return NextStep("end", "", reverse("home"))
    return NextStep(
        "chapter",
        following.title,
        following.get_absolute_url(),
        following.number,
        following.text_language,
    )


# A field name as the chapters write it in their manifests and prose: `replicas:`.
_FIELD_IN_TEXT = re.compile(r"\b([a-z][A-Za-z]{2,}):")
FIELD_LINKS_CACHE_KEY = "lessons:field-links:v2"  # v2: (url, number, title), no interface words


def field_links() -> dict[str, tuple[str, str]]:
    """Field name -> (URL, title) of the first chapter section that writes it.

    What the editor's hover links to ("taught in ..."). Cached for a few minutes:
    the chapters change only when content is loaded. The cache holds no words of the
    interface (it is shared by every language): "Chapter" is added in the reader's.
    """
    cached = cache.get(FIELD_LINKS_CACHE_KEY)
    if cached is None:
        cached = {}
        sections = (
            ChapterSection.objects.filter(chapter__is_published=True)
            .select_related("chapter")
            .order_by("chapter__number", "position")
        )
        for section in sections:
            for name in _FIELD_IN_TEXT.findall(section.text):
                if name not in cached:
                    cached[name] = (
                        section.get_absolute_url(),
                        section.chapter.number,
                        section.title,
                    )
        cache.set(FIELD_LINKS_CACHE_KEY, cached, 300)
    return {
        name: (url, gettext("Chapter %(number)s: %(title)s") % {"number": number, "title": title})
        for name, (url, number, title) in cached.items()
    }
