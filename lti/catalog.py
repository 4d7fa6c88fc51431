"""What an instructor can place in an LMS course, and where each item opens in the tutor."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext

from exams.models import Exam
from exercises.models import Exercise
from labs.models import Lab
from lessons.models import Chapter
from lti.models import ItemKind
from quizzes.models import Quiz

# Quizzes, labs and exams send a score to the LMS gradebook; chapters and exercises do not.
GRADED = {ItemKind.QUIZ, ItemKind.LAB, ItemKind.EXAM}


@dataclass(frozen=True)
class Item:
    kind: str
    uuid: str
    title: str
    chapter: int
    url: str

    @property
    def key(self) -> str:
        """What a placed link carries (its custom parameter ``item``)."""
        return f"{self.kind}:{self.uuid}"

    @property
    def graded(self) -> bool:
        return self.kind in GRADED


def items() -> list[Item]:
    """Every published item, chapter by chapter (titles in the active language)."""
    found: list[Item] = []
    for c in Chapter.objects.published().order_by("number"):
        found.append(
            Item(
                ItemKind.CHAPTER,
                str(c.uuid),
                gettext("Chapter %(number)s: %(title)s") % {"number": c.number, "title": c.title},
                c.number,
                c.get_absolute_url(),
            )
        )
    for q in Quiz.objects.published().select_related("chapter"):
        found.append(
            Item(
                ItemKind.QUIZ,
                str(q.uuid),
                gettext("Quiz: {title}").format(title=q.title),
                q.chapter.number,
                q.get_absolute_url(),
            )
        )
    for e in Exercise.objects.published().select_related("chapter"):
        found.append(
            Item(
                ItemKind.EXERCISE,
                str(e.uuid),
                gettext("Exercise: {title}").format(title=e.title),
                e.chapter.number,
                e.get_absolute_url(),
            )
        )
    for lab in Lab.objects.filter(is_published=True, chapter__is_published=True).select_related(
        "chapter"
    ):
        found.append(
            Item(
                ItemKind.LAB,
                str(lab.uuid),
                gettext("Lab: {title}").format(title=lab.title),
                lab.chapter.number,
                lab.get_absolute_url(),
            )
        )
    for exam in Exam.objects.filter(is_published=True):
        title = gettext("Exam: {title}").format(title=exam.title)
        found.append(Item(ItemKind.EXAM, str(exam.uuid), title, 99, exam.get_absolute_url()))
    return sorted(found, key=lambda i: (i.chapter, list(ItemKind.values).index(i.kind), i.title))  # fmt: skip


def item_for(key: str) -> Item | None:
    """The published item a placed link names (``kind:uuid``), or None."""
    kind, _, raw = (key or "").partition(":")
    try:
        wanted = str(uuid.UUID(raw))
    except ValueError:
        return None
    return next((i for i in items() if i.kind == kind and i.uuid == wanted), None)


def item_url(kind: str, item_uuid: str) -> str:
    found = item_for(f"{kind}:{item_uuid}")
    return found.url if found else reverse("home")
