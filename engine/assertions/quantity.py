"""Kubernetes resource quantities (`2Gi`, `2048Mi`, `500m`, `1e3`) as exact numbers.

The API server stores a quantity in its canonical form, so on a cluster
`2048Mi` reads back as `2Gi` and `1000m` as `1`. Grading compares the
numbers the strings stand for, which gives the same answer for what a
student wrote in a file and for what a cluster shows.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
)
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

# Where a Kubernetes object holds quantities: the values of these mappings
# (`resources.requests.memory`, `capacity.storage`, `hard.pods`) and these keys.
QUANTITY_PARENTS = frozenset({"requests", "limits", "capacity", "hard", "used", "allocatable"})
QUANTITY_KEYS = frozenset({"storage", "sizeLimit"})


def parse_quantity(value: Any) -> Decimal | None:
    """The number a quantity stands for; None for anything that is not a quantity."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if not isinstance(value, str):
        return None
    match = _QUANTITY.match(value.strip())
    if match is None:
        return None
    try:
        number = Decimal(match["number"])
    except InvalidOperation:
        return None
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * (Decimal(1024) ** _BINARY[suffix])
    if suffix in _DECIMAL:
        return number.scaleb(_DECIMAL[suffix])
    if suffix:
        return number.scaleb(int(suffix[1:]))
    return number


def is_quantity_path(path: str) -> bool:
    """Whether the dotted field path (`spec.resources.requests.storage`) holds a quantity."""
    parts = [p for p in re.split(r"[.\[\]]", path) if p and not p.isdigit()]
    if not parts:
        return False
    return parts[-1] in QUANTITY_KEYS or (len(parts) > 1 and parts[-2] in QUANTITY_PARENTS)


def same_quantity(actual: Any, expected: Any) -> bool:
    a, b = parse_quantity(actual), parse_quantity(expected)
    return a is not None and b is not None and a == b
