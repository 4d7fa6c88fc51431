"""Item statistics: how each question of a quiz behaves across finished attempts.

Definitions (classical test theory, kept simple enough to check by hand):

- *attempts* of a question: responses to it in finished attempts;
- *facility*: the percentage of those responses that were correct;
- *discrimination*: facility among the upper group minus facility among the
  lower group, as a fraction from -1 to 1. The groups are the top and the
  bottom 27% of finished attempts ranked by percentage score (at least one
  attempt each; ties broken by the earlier attempt ranking lower). Only
  attempts in a group that answered the question count for it; a question
  nobody in a group answered has no discrimination.

Flags: too easy (facility above 95%), too hard (below 20%), negative
discrimination (strong students get it wrong more often than weak ones:
usually a wrong answer key or an ambiguous prompt).

A percentage of three answers says nothing about a question: facility,
discrimination and flags are given only once a question has MIN_ANSWERS
answers (the page and the CSV still give the count, so the instructor sees
how far there is to go).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from core.spreadsheet import csv_writer
from quizzes.models import Question, Quiz, QuizAttempt, Response

GROUP_SHARE = 0.27
TOO_EASY = 95.0
TOO_HARD = 20.0
# Below this many answers a question gets no facility, discrimination or flag.
MIN_ANSWERS = 10
# The flags as the page shows them; the CSV keeps the English names as identifiers.
FLAG_LABELS = {
    "too easy": _("too easy"),
    "too hard": _("too hard"),
    "negative discrimination": _("negative discrimination"),
}


@dataclass
class ItemStats:
    question: Question
    attempts: int
    correct: int
    facility: float | None  # percent
    discrimination: float | None  # -1..1
    # (label, count) per option, or per true/false value
    choices: list[tuple[str, int]] = field(default_factory=list)

    @property
    def enough(self) -> bool:
        return self.attempts >= MIN_ANSWERS

    @property
    def answers_missing(self) -> int:
        return max(0, MIN_ANSWERS - self.attempts)

    @property
    def shown_facility(self) -> float | None:
        return self.facility if self.enough else None

    @property
    def shown_discrimination(self) -> float | None:
        return self.discrimination if self.enough else None

    @property
    def flags(self) -> list[str]:
        if not self.enough:
            return []
        flags = []
        if self.facility is not None and self.facility > TOO_EASY:
            flags.append("too easy")
        if self.facility is not None and self.facility < TOO_HARD:
            flags.append("too hard")
        if self.discrimination is not None and self.discrimination < 0:
            flags.append("negative discrimination")
        return flags

    @property
    def flag_labels(self) -> list[tuple[str, str]]:
        """``(flag, label)`` per flag: the flag names the CSS class, the label is for people."""
        return [(flag, str(FLAG_LABELS[flag])) for flag in self.flags]


@dataclass
class QuizStats:
    quiz: Quiz
    finished: int
    group_size: int
    items: list[ItemStats]


def _percent(attempt: QuizAttempt) -> float:
    return attempt.score / attempt.max_score if attempt.max_score else 0.0


def _facility(responses: list[Response]) -> float | None:
    if not responses:
        return None
    return 100 * sum(1 for r in responses if r.correct) / len(responses)


def quiz_stats(quiz: Quiz) -> QuizStats:
    attempts = list(
        QuizAttempt.objects.filter(quiz=quiz, finished_at__isnull=False).order_by(
            "started_at", "id"
        )
    )
    ranked = sorted(attempts, key=_percent)  # stable: earlier attempts rank lower on ties
    size = max(1, round(GROUP_SHARE * len(ranked))) if ranked else 0
    lower = {a.pk for a in ranked[:size]}
    upper = {a.pk for a in ranked[-size:]} if size else set()
    by_question: dict[int, list[Response]] = {}
    for response in Response.objects.filter(attempt__in=attempts):
        by_question.setdefault(response.question_id, []).append(response)
    items = []
    for question in quiz.questions.order_by("-is_published", "position", "id"):
        responses = by_question.get(question.pk, [])
        high = _facility([r for r in responses if r.attempt_id in upper])
        low = _facility([r for r in responses if r.attempt_id in lower])
        items.append(
            ItemStats(
                question=question,
                attempts=len(responses),
                correct=sum(1 for r in responses if r.correct),
                facility=_facility(responses),
                discrimination=None if high is None or low is None else (high - low) / 100,
                choices=_choice_counts(question, responses),
            )
        )
    return QuizStats(quiz=quiz, finished=len(attempts), group_size=size, items=items)


def _choice_counts(question: Question, responses: list[Response]) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    if question.type in ("single", "multiple"):
        for r in responses:
            chosen = (
                [r.response["option"]] if "option" in r.response else r.response.get("options", [])
            )
            counts.update(chosen)
        return [(o["text"], counts[o["id"]]) for o in question.options]
    if question.type == "true_false":
        counts.update(str(r.response.get("answer")).lower() for r in responses)
        return [("True", counts["true"]), ("False", counts["false"])]
    return []


def stats_csv(stats: QuizStats) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(
        ["position", "uuid", "type", "difficulty", "section", "published", "attempts", "correct",
         "facility_percent", "discrimination", "flags", "choices", "enough_answers"]
    )  # fmt: skip
    for item in stats.items:
        q = item.question
        writer.writerow(
            [
                q.position + 1,
                q.uuid,
                q.type,
                q.difficulty,
                q.section,
                "yes" if q.is_published else "no",
                item.attempts,
                item.correct,
                # Numbers as numbers (Decimal keeps the digits shown): only text is escaped.
                "" if item.shown_facility is None else Decimal(f"{item.shown_facility:.1f}"),
                ""
                if item.shown_discrimination is None
                else Decimal(f"{item.shown_discrimination:.2f}"),
                "; ".join(item.flags),
                "; ".join(f"{label} = {count}" for label, count in item.choices),
                "yes" if item.enough else f"no (needs {MIN_ANSWERS})",
            ]
        )
    return out.getvalue()
