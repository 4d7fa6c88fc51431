"""Scoring one answer, one function per question type.

Pure functions over a question's ``data`` (the file's mapping, with option and
item ids) and an answer already parsed into its normal form (see
``quizzes.answers``). Manifest questions go through the exercises' engine,
``grade_manifest``, so a manifest is judged the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine import commands
from engine.assertions import compile_rules
from engine.grading.exercise import grade_manifest
from engine.manifests import DEFAULT_VERSION
from quizzes.patterns import pattern_fullmatch

Data = dict[str, Any]
Answer = dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    correct: bool
    points: float
    # What the feedback shows beyond right/wrong (a manifest's findings and rules).
    details: dict[str, Any] = field(default_factory=dict)


def _full(correct: bool, points: int) -> Outcome:
    return Outcome(correct=correct, points=float(points) if correct else 0.0)


def correct_option_ids(data: Data) -> set[str]:
    return {o["id"] for o in data.get("options", []) if o.get("correct")}


def score_single(data: Data, points: int, answer: Answer) -> Outcome:
    return _full(answer["option"] in correct_option_ids(data), points)


def score_multiple(data: Data, points: int, answer: Answer) -> Outcome:
    """All or nothing by default; ``partial``: each right choice earns, each wrong one costs.

    A right choice is a correct option that was chosen, a wrong one an
    incorrect option that was chosen; each is worth ``points / n_correct``.
    Missing a correct option earns nothing for it. The total never drops below 0.
    """
    right = correct_option_ids(data)
    chosen = set(answer["options"])
    correct = chosen == right
    if data.get("scoring", "all_or_nothing") != "partial":
        return _full(correct, points)
    share = points / len(right)
    earned = share * len(chosen & right) - share * len(chosen - right)
    return Outcome(correct=correct, points=round(max(0.0, earned), 4))


def score_true_false(data: Data, points: int, answer: Answer) -> Outcome:
    return _full(answer["answer"] is data["answer"], points)


_SPACES = re.compile(r"\s+")


def normalize_text(text: str, *, case_sensitive: bool = False) -> str:
    """Trimmed, runs of white space collapsed to one space, case folded unless asked not to."""
    collapsed = _SPACES.sub(" ", text.strip())
    return collapsed if case_sensitive else collapsed.casefold()


def score_short_answer(data: Data, points: int, answer: Answer) -> Outcome:
    case_sensitive = bool(data.get("case_sensitive", False))
    given = normalize_text(answer["text"], case_sensitive=case_sensitive)
    accepted = {normalize_text(a, case_sensitive=case_sensitive) for a in data["accept"]}
    correct = given in accepted
    if not correct and data.get("pattern"):
        # The pattern sees the trimmed, collapsed answer in its original case; it runs
        # on RE2, in time linear in the answer (quizzes.patterns).
        correct = pattern_fullmatch(
            data["pattern"],
            normalize_text(answer["text"], case_sensitive=True),
            case_sensitive=case_sensitive,
        )
    return _full(correct, points)


def score_ordering(data: Data, points: int, answer: Answer) -> Outcome:
    return _full(list(answer["order"]) == list(data["item_ids"]), points)


def score_manifest(data: Data, points: int, answer: Answer) -> Outcome:
    outcome = grade_manifest(
        answer["manifest"],
        rules=compile_rules(data["rules"]),
        kubernetes_version=data.get("kubernetes_version", DEFAULT_VERSION),
    )
    details = {
        "valid": outcome.valid,
        "findings": [f.as_dict() for f in outcome.findings],
        "rules": [{"id": r.id, "title": r.title, "passed": r.passed, "message": r.message, "hint": r.hint}
                  for r in outcome.rule_results],
    }  # fmt: skip
    return Outcome(
        correct=outcome.passed, points=float(points) if outcome.passed else 0.0, details=details
    )


def score_command(data: Data, points: int, answer: Answer) -> Outcome:
    """Right when the command means what one accepted command means (``engine.commands``)."""
    verdict = commands.judge(answer["text"], list(data["accept"]))
    details = {"problem": verdict.problem, "closest": verdict.closest}
    return Outcome(
        correct=verdict.correct, points=float(points) if verdict.correct else 0.0, details=details
    )


SCORERS: dict[str, Callable[[Data, int, Answer], Outcome]] = {
    "single": score_single,
    "multiple": score_multiple,
    "true_false": score_true_false,
    "short_answer": score_short_answer,
    "ordering": score_ordering,
    "manifest": score_manifest,
    "command": score_command,
}


def score(question_type: str, data: Data, points: int, answer: Answer) -> Outcome:
    return SCORERS[question_type](data, points, answer)
