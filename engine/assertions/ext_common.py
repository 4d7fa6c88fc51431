"""Small helpers the extension assertions share (they use only the rule module's public names)."""

from __future__ import annotations

import json
import re
from typing import Any

COMPARISONS = ("equals", "in", "min", "max", "matches", "exists")


def name_of(obj: dict[str, Any]) -> str:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return f'"{name}"' if name else "(unnamed)"


def show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual is expected
    return bool(actual == expected)


def compare(comparison: str, expected: Any, found: Any) -> bool:
    """``found`` against ``expected`` the way ``expr`` compares (equals, in, min, ...)."""
    if comparison == "exists":
        return (found is not None) == bool(expected)
    if found is None:
        return False
    if comparison == "equals":
        return _equal(found, expected)
    if comparison == "in":
        return any(_equal(found, e) for e in expected)
    if comparison in ("min", "max"):
        if isinstance(found, bool) or not isinstance(found, int | float):
            return False
        return found >= expected if comparison == "min" else found <= expected
    return (
        isinstance(found, str | int | float) and re.fullmatch(str(expected), str(found)) is not None
    )
