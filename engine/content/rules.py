"""Compiling the rules of a content file, each error on the line of its rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.assertions import Rule, RuleError, compile_rule
from engine.content.errors import ContentError


def compile_each(
    raw_rules: list[dict[str, Any]], line_of: Callable[[int], int], shown: str, *, lab: bool = False
) -> tuple[list[Rule], list[ContentError]]:
    """Every rule compiled, each error on the line of its rule; ids must be unique."""
    rules: list[Rule] = []
    errors: list[ContentError] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        try:
            rule = compile_rule(raw, lab=lab)
        except RuleError as exc:
            errors.append(ContentError(shown, line_of(index), str(exc)))
            continue
        if rule.id in seen:
            errors.append(ContentError(shown, line_of(index), f"rule id {rule.id!r} is used twice"))
        seen.add(rule.id)
        rules.append(rule)
    return rules, errors
