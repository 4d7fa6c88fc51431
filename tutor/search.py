"""Search across the course: chapter sections, exercises and labs (the search page composes them)."""

from __future__ import annotations

from dataclasses import dataclass, field

from exercises.selectors import search_exercises
from labs.selectors import search_labs
from lessons.models import Chapter
from lessons.selectors import SearchHit, highlight_snippet, search_sections, search_terms


@dataclass
class PracticeHit:
    """An exercise or a lab whose title or text holds every term."""

    title: str
    url: str
    chapter: Chapter
    snippet_html: str  # escaped text with <mark> around matches
    score: int


@dataclass
class SearchResults:
    sections: list[SearchHit] = field(default_factory=list)
    exercises: list[PracticeHit] = field(default_factory=list)
    labs: list[PracticeHit] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sections) + len(self.exercises) + len(self.labs)


def _hit(title: str, url: str, chapter: Chapter, text: str, terms: list[str]) -> PracticeHit:
    lowered = text.lower()
    score = sum(lowered.count(t) for t in terms) + sum(10 for t in terms if t in title.lower())
    return PracticeHit(title, url, chapter, highlight_snippet(text, terms), score)


def _best_first(hits: list[PracticeHit]) -> list[PracticeHit]:
    return sorted(hits, key=lambda h: (-h.score, h.chapter.number, h.title))


def search_course(*, query: str) -> SearchResults:
    terms = search_terms(query)
    if not terms:
        return SearchResults()
    return SearchResults(
        sections=search_sections(query=query),
        exercises=_best_first(
            [
                _hit(e.title, e.get_absolute_url(), e.chapter, text, terms)
                for e, text in search_exercises(terms=terms)
            ]
        ),
        labs=_best_first(
            [
                _hit(lab.title, lab.get_absolute_url(), lab.chapter, text, terms)
                for lab, text in search_labs(terms=terms)
            ]
        ),
    )
