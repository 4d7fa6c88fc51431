"""Tying practice to a chapter's objectives.

A chapter's front matter lists its objectives; a quiz question, an exercise or
a lab may name the ones it practises by number (``objectives: [1, 3]``, 1 for
the first objective listed). The schemas check the shape; this module checks
that each number names an objective the chapter has.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def objective_errors(numbers: Any, *, available: int) -> Iterator[tuple[int, str]]:
    """Yield ``(position in the list, message)`` for each number the chapter has no objective for."""
    if not isinstance(numbers, list):
        return
    for position, number in enumerate(numbers):
        if isinstance(number, int) and not 1 <= number <= available:
            if available == 1:
                message = (
                    f"objective {number} does not exist: the chapter has one objective, number 1"
                )
            else:
                message = (
                    f"objective {number} does not exist: the chapter has {available} objectives, "
                    f"numbered 1 to {available}"
                )
            yield position, message
