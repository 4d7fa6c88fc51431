"""How an `expr` rule compares what it found with what it expects.

A comparison key (`equals`, `in`, `min`, `max`, `matches`, `exists`,
`items`, `image`, `fact`) says what must hold; `as:` says how both sides are
read first, so that values that mean the same compare equal:

| `as:`      | reads                                   | equal examples                          |
| ---------- | --------------------------------------- | --------------------------------------- |
| `text`     | a string, surrounding whitespace trimmed | `"  2\\n"` and `"2"`                    |
| `number`   | a number, or digits in a string          | `"3"` and `3`                           |
| `quantity` | a Kubernetes quantity                    | `2048Mi` and `2Gi`; `4000m` and `4`     |
| `version`  | a version, with or without a leading `v` | `v1.35.4` and `1.35.4`                  |
| `hostname` | a DNS name, lower case, trailing dot dropped | `db.example.com.` and `db.example.com` |
| `cron`     | a CronJob schedule, by when it fires     | `*/5 * * * *` and `0/5  * * * *`        |
| `base64`   | the text a base64 value decodes to        | `bXlzcWw=` and `mysql` (expected side)  |
| `set`      | a list, order and repeats ignored         | `[dev, qa]` and `[qa, dev]`             |
| `selector` | a label selector, by what it selects      | `matchLabels: {a: b}` and `matchExpressions: [{key: a, operator: In, values: [b]}]` |
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.assertions.cron import parse_schedule
from engine.assertions.images import ImageRule, compile_image_rule, parse_version
from engine.assertions.partial import same_items
from engine.assertions.partial import show as _show
from engine.assertions.quantity import parse_quantity
from engine.i18n import _

COMPARISONS = ("equals", "in", "min", "max", "matches", "exists", "items", "image", "fact")
# The cluster facts a lab check may compare with (and a lab solution may fill in).
FACTS = ("namespace", "serverVersion", "nodeCount")


class ComparisonError(ValueError):
    """A comparison in a content file is malformed; the message says how."""


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+(\.[0-9]+)?\s*", value):
        return Decimal(value.strip())
    return None


def _version(value: Any) -> Any:
    return parse_version(value)


def _hostname(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower().rstrip(".")


def _base64(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _set(value: Any) -> Any:
    if not isinstance(value, list):
        return None
    return frozenset(json.dumps(v, sort_keys=True) for v in value)


def _selector(value: Any) -> Any:
    if not isinstance(value, dict):
        return None
    if "matchLabels" not in value and "matchExpressions" not in value:
        value = {"matchLabels": value}  # a Service's selector is a plain map
    requirements: set[tuple[str, str, tuple[str, ...]]] = set()
    labels = value.get("matchLabels") or {}
    if not isinstance(labels, dict):
        return None
    for key, label in labels.items():
        requirements.add((str(key), "In", (str(label),)))
    for expression in value.get("matchExpressions") or []:
        if not isinstance(expression, dict):
            return None
        values = tuple(sorted({str(v) for v in expression.get("values") or []}))
        requirements.add((str(expression.get("key")), str(expression.get("operator")), values))
    return frozenset(requirements)


NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "text": _text,
    "number": _number,
    "quantity": parse_quantity,
    "version": _version,
    "hostname": _hostname,
    "cron": parse_schedule,
    "base64": _base64,
    "set": _set,
    "selector": _selector,
}
_ORDERED = ("number", "quantity", "version")


class Comparison:
    """One compiled comparison: `compare(found, facts)` -> (ok, what was wanted in words)."""

    def __init__(self, raw: dict[str, Any], *, lab: bool) -> None:
        present = [c for c in COMPARISONS if c in raw]
        if len(present) != 1:
            raise ComparisonError(f"`expr` needs exactly one of {', '.join(COMPARISONS)}")
        self.key = present[0]
        self.expected = raw[self.key]
        self.mode = raw.get("as")
        if self.mode is not None and self.mode not in NORMALISERS:
            raise ComparisonError(f"`as` must be one of {', '.join(NORMALISERS)}")
        self.image: ImageRule | None = None
        self._check(lab=lab)

    @property
    def facts(self) -> tuple[str, ...]:
        return (self.expected,) if self.key == "fact" else ()

    def _read(self, value: Any) -> Any:
        return value if self.mode is None else NORMALISERS[self.mode](value)

    def _expected(self, value: Any) -> Any:
        """The expected side, read the same way (a base64 rule states the decoded text)."""
        if self.mode == "base64":
            return value if isinstance(value, str) else None
        return self._read(value)

    def _check(self, *, lab: bool) -> None:
        key, expected = self.key, self.expected
        if key == "image":
            try:
                self.image = compile_image_rule(expected)
            except ValueError as exc:
                raise ComparisonError(str(exc)) from exc
            if self.mode is not None:
                raise ComparisonError("`image` compares image references itself: leave out `as`")
            return
        if key == "fact":
            if not lab:
                raise ComparisonError("`fact` compares with the cluster: it is only for labs")
            if expected not in FACTS:
                raise ComparisonError(f"`fact` must be one of {', '.join(FACTS)}")
            return
        if key == "matches":
            try:
                re.compile(str(expected))
            except re.error as exc:
                raise ComparisonError(
                    f"`matches` is not a valid regular expression ({exc})"
                ) from exc
        if key == "in" and not isinstance(expected, list):
            raise ComparisonError("`in` must be a list")
        if key == "items" and not isinstance(expected, list):
            raise ComparisonError("`items` must be a list of (partial) items")
        if key == "exists" and not isinstance(expected, bool):
            raise ComparisonError("`exists` must be true or false")
        if key in ("min", "max"):
            if self.mode is None and (
                isinstance(expected, bool) or not isinstance(expected, int | float)
            ):
                raise ComparisonError(
                    f"`{key}` must be a number (or use `as: quantity` / `as: version`)"
                )
            if self.mode is not None and self.mode not in _ORDERED:
                raise ComparisonError(f"`{key}` needs `as:` {', '.join(_ORDERED)}, or none")
        if self.mode is not None and key in ("equals", "in", "min", "max"):
            for value in expected if key == "in" else [expected]:
                if self._expected(value) is None:
                    raise ComparisonError(f"{value!r} cannot be read `as: {self.mode}`")

    def compare(self, found: Any, facts: dict[str, Any] | None = None) -> tuple[bool, str, str]:
        """(ok, what was expected, why it failed in a sentence of its own or "")."""
        key, expected = self.key, self.expected
        if key == "exists":
            return (found is not None) == expected, _("present") if expected else _("absent"), ""
        if key == "image":
            assert self.image is not None
            if found is None:
                return False, _("an image"), ""
            ok, why = self.image.judge(found)
            return ok, _("an image as described"), "" if ok else why
        if key == "items":
            items = _("exactly the items {items}").format(items=_show(expected))
            return same_items(found, expected), items, ""
        if key == "fact":
            fact = (facts or {}).get(expected)
            wanted = _("{value} (the cluster's {fact})").format(value=_show(fact), fact=expected)
            if fact is None:
                unread = _("the cluster's {fact} (which could not be read)").format(fact=expected)
                return False, unread, ""
            return _equal(self._read(found), self._expected(fact)), wanted, ""
        wanted = _want(key, expected, self.mode)
        value = self._read(found)
        if value is None:
            return False, wanted, ""
        if key == "equals":
            return _equal(value, self._expected(expected)), wanted, ""
        if key == "in":
            return any(_equal(value, self._expected(e)) for e in expected), wanted, ""
        if key in ("min", "max"):
            bound = self._expected(expected)
            if self.mode is None:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    return False, wanted, ""
            elif type(value) is not type(bound):
                return False, wanted, ""
            return (value >= bound if key == "min" else value <= bound), wanted, ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return False, wanted, ""
        return re.fullmatch(str(expected), str(value)) is not None, wanted, ""


def _want(key: str, expected: Any, mode: str | None) -> str:
    text = {
        "equals": _show(expected),
        "in": _("one of {values}").format(values=_show(expected)),
        "min": _("at least {n}").format(n=expected),
        "max": _("at most {n}").format(n=expected),
        "matches": _("text matching {pattern}").format(pattern=repr(expected)),
    }[key]
    return text + (_(" (read as {mode})").format(mode=mode) if mode else "")


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual is expected
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return actual == expected
    return bool(actual == expected)
