"""The order a question's choices are shown in: shuffled, and an ordering question never solved."""

from __future__ import annotations

import random

from quizzes.models import Question


def choice_order(question: Question, rng: random.Random) -> list[str] | None:
    """Option or item ids in a shuffled order; None for a question without choices."""
    if question.type in ("single", "multiple"):
        ids = [o["id"] for o in question.options]
        rng.shuffle(ids)
        return ids
    if question.type == "ordering":
        ids = question.item_ids
        shuffled = list(ids)
        # Never show the items already in the right order.
        while shuffled == ids:
            rng.shuffle(shuffled)
        return shuffled
    return None
