"""``some``: at least one selected object has the value, where ``expr`` demands it of all.

A rollout keeps its old ReplicaSets: "one ReplicaSet of web still holds the
image nginx:1.28, scaled to zero" is a statement about some of them, not
every one. The comparison keys are those of ``expr`` (equals, in, min, max,
matches, exists)::

    select: {kind: ReplicaSet, labels: {app: web}}
    some:
      expr: "spec.template.spec.containers[0].image == 'nginx:1.28' && spec.replicas == `0`"
      equals: true
"""

from __future__ import annotations

import re
from typing import Any

import jmespath
import jmespath.exceptions

from engine.assertions import extensions
from engine.assertions.ext_common import COMPARISONS as _COMPARISONS
from engine.assertions.ext_common import compare as _compare
from engine.assertions.ext_common import name_of as _name
from engine.assertions.ext_common import show as _show
from engine.assertions.model import none_selected
from engine.assertions.rules import RuleError
from engine.i18n import _


def _compile(rule_id: str, raw: dict[str, Any]) -> Any:
    argument = raw["some"]
    if not isinstance(argument, dict) or not isinstance(argument.get("expr"), str):
        raise RuleError(f"rule {rule_id}: `some` needs an `expr` and one comparison")
    comparisons = [c for c in _COMPARISONS if c in argument]
    unknown = set(argument) - {"expr", *_COMPARISONS}
    if len(comparisons) != 1 or unknown:
        raise RuleError(
            f"rule {rule_id}: `some` takes `expr` and exactly one of {', '.join(_COMPARISONS)}"
        )
    if comparisons[0] == "matches":
        try:
            re.compile(str(argument["matches"]))
        except re.error as exc:
            raise RuleError(
                f"rule {rule_id}: `matches` is not a valid regular expression ({exc})"
            ) from exc
    if comparisons[0] == "in" and not isinstance(argument["in"], list):
        raise RuleError(f"rule {rule_id}: `in` must be a list")
    try:
        return jmespath.compile(argument["expr"])
    except jmespath.exceptions.JMESPathError as exc:
        raise RuleError(f"rule {rule_id}: `expr` is not valid JMESPath ({exc})") from exc


def _evaluate(
    rule: Any, selected: list[dict[str, Any]], _unused: list[dict[str, Any]]
) -> tuple[bool, str, dict[str, Any]]:
    if not selected:
        return none_selected(rule)
    comparison = next(c for c in _COMPARISONS if c in rule.argument)
    expected = rule.argument[comparison]
    found: list[Any] = []
    for obj in selected:
        try:
            value = rule.compiled.search(obj)
        except jmespath.exceptions.JMESPathError:
            value = None
        if _compare(comparison, expected, value):
            return (
                True,
                _("{kind} {name} has `{expr}` as expected.").format(
                    kind=rule.select.kind, name=_name(obj), expr=rule.compiled.expression
                ),
                {"expr": rule.compiled.expression, "matched": _name(obj)},
            )
        found.append(value)
    shown = ", ".join(f"{_name(o)}: {_show(v)}" for o, v in zip(selected, found, strict=True))
    return (
        False,
        _("No {what} has `{expr}` as expected ({expected}); found {found}.").format(
            what=rule.select.describe(),
            expr=rule.compiled.expression,
            found=shown,
            expected=_show(expected)
            if comparison == "equals"
            else comparison + " " + _show(expected),
        ),
        {"expr": rule.compiled.expression, "found": found[:10]},
    )


extensions.register(
    extensions.Extension(name="some", compile=_compile, evaluate=_evaluate, regradable=True)
)
