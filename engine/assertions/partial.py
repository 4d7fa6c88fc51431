"""Partial objects: does an object contain this (smaller) object?

`match`, `absent` and the `items` comparison share this reading. Mappings
match as subsets; a list matches when every expected item matches some item
of the actual list, in any order (so a list in a partial object never says
"nothing more": that needs `length()` or `items`). Scalars compare as
literals, except quantities, which compare by the number they stand for
wherever an object holds one (`resources.requests.memory`,
`capacity.storage`, `hard.pods`...): `2048Mi` matches `2Gi`.
"""

from __future__ import annotations

import json
from typing import Any

from engine.assertions.quantity import is_quantity_path, same_quantity
from engine.i18n import _


def show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual is expected
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return actual == expected
    return bool(actual == expected)


def mismatches(actual: Any, expected: Any, path: str) -> list[str]:
    """How ``actual`` fails to contain ``expected`` (empty when it does)."""
    where = path or _("the object")
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [
                _("`{where}` should be a mapping, found {found}").format(
                    where=where, found=show(actual)
                )
            ]
        problems: list[str] = []
        for key, value in expected.items():
            child = f"{path}.{key}" if path else str(key)
            if key not in actual:
                problems.append(
                    _("`{path}` is missing (expected {expected})").format(
                        path=child, expected=show(value)
                    )
                )
            else:
                problems.extend(mismatches(actual[key], value, child))
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [
                _("`{where}` should be a list, found {found}").format(
                    where=where, found=show(actual)
                )
            ]
        problems = []
        for item in expected:
            if not any(not mismatches(candidate, item, path) for candidate in actual):
                problems.append(
                    _("`{where}` has no item like {item}").format(where=where, item=show(item))
                )
        return problems
    if equal(actual, expected):
        return []
    if is_quantity_path(path) and same_quantity(actual, expected):
        return []
    return [
        _("`{where}` should be {expected}, found {found}").format(
            where=where, expected=show(expected), found=show(actual)
        )
    ]


def same_items(found: Any, expected: list[Any]) -> bool:
    """Exactly these items in any order: each expected item matches its own actual item."""
    if not isinstance(found, list) or len(found) != len(expected):
        return False

    def assign(index: int, used: frozenset[int]) -> bool:
        if index == len(expected):
            return True
        for position, candidate in enumerate(found):
            fits = position not in used and not mismatches(candidate, expected[index], "")
            if fits and assign(index + 1, used | {position}):
                return True
        return False

    return assign(0, frozenset())
