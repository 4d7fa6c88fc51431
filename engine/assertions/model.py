"""The shapes every part of the assertion language shares: rules, results, context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.assertions.selection import Selector
from engine.i18n import _


class RuleError(ValueError):
    """A rule in a content file is malformed; the message says how."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    select: Selector
    assertion: str  # one of ASSERTIONS
    argument: Any  # the assertion's value from the file
    points: int = 1
    hint: str = ""
    compiled: Any = field(default=None, compare=False)  # what the assertion compiled to
    eventually: float = 0  # seconds a lab may wait for this rule to pass
    # Other objects the rule looks at besides those it selects (a lab lists them too).
    reads: tuple[Selector, ...] = ()
    facts: tuple[str, ...] = ()  # cluster facts the rule compares with (labs)
    # API discovery documents (/version, /apis/batch) the rule compares with (labs).
    discovery: tuple[str, ...] = ()


@dataclass
class RuleResult:
    id: str
    title: str
    passed: bool
    points: int  # earned
    max_points: int
    message: str
    hint: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "passed": self.passed,
            "points": self.points,
            "max_points": self.max_points,
            "message": self.message,
            "hint": self.hint,
            "evidence": self.evidence,
        }


@dataclass
class Context:
    """What a rule is judged against: the objects (defaults applied) and the cluster's facts."""

    objects: list[dict[str, Any]]
    facts: dict[str, Any] = field(default_factory=dict)


# (passed, message, evidence)
Verdict = tuple[bool, str, dict[str, Any]]


def none_selected(rule: Rule) -> Verdict:
    return (
        False,
        _("Expected a {what}, found none.").format(what=rule.select.describe()),
        {"selected": 0},
    )


def quoted(obj: dict[str, Any]) -> str:
    meta: dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
    name = meta.get("name")
    return f'"{name}"' if name else _("(unnamed)")
