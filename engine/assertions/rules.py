from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import jmespath
import jmespath.exceptions

from engine.assertions import extensions
from engine.manifests.server_rules import TEMPLATE_PATHS, selector_matches

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ASSERTIONS = ("count", "match", "absent", "expr", "selects")
# Only labs, which run against a cluster, may ask the API server or wait.
LAB_ASSERTIONS = (*ASSERTIONS, "access")
MAX_EVENTUALLY_SECONDS = 120
_COMPARISONS = ("equals", "in", "min", "max", "matches", "exists")


class RuleError(ValueError):
    """A rule in a content file is malformed; the message says how."""


@dataclass(frozen=True)
class Selector:
    kind: str
    api_version: str | None = None
    name: str | None = None
    labels: tuple[tuple[str, str], ...] = ()

    def picks(self, obj: dict[str, Any]) -> bool:
        if obj.get("kind") != self.kind:
            return False
        if self.api_version and obj.get("apiVersion") != self.api_version:
            return False
        meta = _mapping(obj.get("metadata"))
        if self.name is not None and meta.get("name") != self.name:
            return False
        labels = _mapping(meta.get("labels"))
        return all(str(labels.get(k)) == v and k in labels for k, v in self.labels)

    def describe(self) -> str:
        text = self.kind
        if self.name:
            text += f' "{self.name}"'
        if self.labels:
            text += " labelled " + ", ".join(f"{k}={v}" for k, v in self.labels)
        return text


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    select: Selector
    assertion: str  # one of ASSERTIONS
    argument: Any  # the assertion's value from the file
    points: int = 1
    hint: str = ""
    compiled: Any = field(default=None, compare=False)  # a JMESPath expression or a regex
    eventually: float = 0  # seconds a lab may wait for this rule to pass


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


def compile_rules(raw_rules: list[dict[str, Any]], *, lab: bool = False) -> list[Rule]:
    rules = [compile_rule(raw, lab=lab) for raw in raw_rules]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
    return rules


def compile_rule(raw: dict[str, Any], *, lab: bool = False) -> Rule:
    if not isinstance(raw, dict):
        raise RuleError("a rule must be a mapping")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise RuleError(f"rule id {rule_id!r} must be lowercase words joined by '-'")
    allowed = (LAB_ASSERTIONS if lab else ASSERTIONS) + extensions.names(lab=lab)
    present = [a for a in allowed if a in raw]
    if len(present) != 1:
        raise RuleError(f"rule {rule_id}: give exactly one of {', '.join(allowed)}")
    assertion = present[0]
    eventually = raw.get("eventually", 0)
    if eventually and not lab:
        raise RuleError(f"rule {rule_id}: `eventually` is only for labs")
    if not isinstance(eventually, int | float) or not 0 <= eventually <= MAX_EVENTUALLY_SECONDS:
        raise RuleError(f"rule {rule_id}: `eventually` must be 0-{MAX_EVENTUALLY_SECONDS} seconds")
    if assertion == "access":
        return _compile_access(rule_id, raw, float(eventually))
    select = raw.get("select")
    if not isinstance(select, dict) or not isinstance(select.get("kind"), str):
        raise RuleError(f"rule {rule_id}: `select` needs at least a `kind`")
    labels = select.get("labels") or {}
    selector = Selector(
        kind=select["kind"],
        api_version=select.get("apiVersion"),
        name=select.get("name"),
        labels=tuple((str(k), str(v)) for k, v in labels.items()),
    )
    argument = raw[assertion]
    compiled: Any = None
    if assertion == "count":
        _check_count(rule_id, argument)
    elif assertion in ("match", "absent") and not isinstance(argument, dict):
        raise RuleError(f"rule {rule_id}: `{assertion}` must be a partial object (a mapping)")
    elif assertion == "expr":
        compiled = _compile_expr(rule_id, raw)
    elif assertion == "selects" and not (isinstance(argument, dict) and "kind" in argument):
        raise RuleError(f"rule {rule_id}: `selects` needs a `kind` (and usually a `name`)")
    elif assertion in extensions.EXTENSIONS:
        compiled = extensions.EXTENSIONS[assertion].compile(rule_id, raw)
    return Rule(
        id=rule_id,
        title=str(raw.get("title") or rule_id),
        select=selector,
        assertion=assertion,
        argument=argument if assertion != "expr" else {k: raw[k] for k in raw if k in _COMPARISONS},
        points=int(raw.get("points", 1)),
        hint=str(raw.get("hint") or ""),
        compiled=compiled,
        eventually=float(eventually),
    )


def _compile_access(rule_id: str, raw: dict[str, Any], eventually: float) -> Rule:
    access = raw["access"]
    if not isinstance(access, dict):
        raise RuleError(f"rule {rule_id}: `access` must be a mapping")
    who = [k for k in ("serviceAccount", "user") if access.get(k)]
    if len(who) != 1:
        raise RuleError(f"rule {rule_id}: `access` needs exactly one of serviceAccount or user")
    for key in ("verb", "resource"):
        if not isinstance(access.get(key), str):
            raise RuleError(f"rule {rule_id}: `access` needs a `{key}`")
    if not isinstance(access.get("allowed"), bool):
        raise RuleError(f"rule {rule_id}: `access` needs `allowed: true` or `allowed: false`")
    return Rule(
        id=rule_id,
        title=str(raw.get("title") or rule_id),
        select=Selector(kind="SubjectAccessReview"),
        assertion="access",
        argument=access,
        points=int(raw.get("points", 1)),
        hint=str(raw.get("hint") or ""),
        eventually=eventually,
    )


def _check_count(rule_id: str, argument: Any) -> None:
    if not isinstance(argument, dict) or not argument or set(argument) - {"equals", "min", "max"}:
        raise RuleError(f"rule {rule_id}: `count` takes `equals`, `min` and/or `max`")
    if not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in argument.values()
    ):
        raise RuleError(f"rule {rule_id}: counts must be whole numbers >= 0")


def _compile_expr(rule_id: str, raw: dict[str, Any]) -> Any:
    comparisons = [c for c in _COMPARISONS if c in raw]
    if len(comparisons) != 1:
        raise RuleError(f"rule {rule_id}: `expr` needs exactly one of {', '.join(_COMPARISONS)}")
    if comparisons[0] == "matches":
        try:
            re.compile(str(raw["matches"]))
        except re.error as exc:
            raise RuleError(
                f"rule {rule_id}: `matches` is not a valid regular expression ({exc})"
            ) from exc
    if comparisons[0] == "in" and not isinstance(raw["in"], list):
        raise RuleError(f"rule {rule_id}: `in` must be a list")
    try:
        return jmespath.compile(str(raw["expr"]))
    except jmespath.exceptions.JMESPathError as exc:
        raise RuleError(f"rule {rule_id}: `expr` is not valid JMESPath ({exc})") from exc


def evaluate(rules: list[Rule], objects: list[dict[str, Any]]) -> list[RuleResult]:
    """Every rule over the objects. ``access`` rules need a cluster: see ``engine.grading.lab``."""
    return [evaluate_one(rule, objects) for rule in rules]


def evaluate_one(rule: Rule, objects: list[dict[str, Any]]) -> RuleResult:
    if rule.assertion == "access":
        raise ValueError("access rules are answered by the API server, not from objects")
    selected = [o for o in objects if isinstance(o, dict) and rule.select.picks(o)]
    judge = _ASSERT.get(rule.assertion) or extensions.EXTENSIONS[rule.assertion].evaluate
    passed, message, evidence = judge(rule, selected, objects)
    return RuleResult(
        id=rule.id,
        title=rule.title,
        passed=passed,
        points=rule.points if passed else 0,
        max_points=rule.points,
        message=message,
        hint="" if passed else rule.hint,
        evidence=evidence,
    )


def _show(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def _none_selected(rule: Rule) -> tuple[bool, str, dict[str, Any]]:
    return False, f"Expected a {rule.select.describe()}, found none.", {"selected": 0}


def _assert_count(
    rule: Rule, selected: list[Any], _: list[Any]
) -> tuple[bool, str, dict[str, Any]]:
    n, want = len(selected), rule.argument
    ok = (
        ("equals" not in want or n == want["equals"])
        and ("min" not in want or n >= want["min"])
        and ("max" not in want or n <= want["max"])
    )
    expected = " and ".join(
        {"equals": f"exactly {v}", "min": f"at least {v}", "max": f"at most {v}"}[k]
        for k, v in want.items()
    )
    return ok, f"Expected {expected} {rule.select.describe()}, found {n}.", {"selected": n}


def _assert_match(
    rule: Rule, selected: list[Any], _: list[Any]
) -> tuple[bool, str, dict[str, Any]]:
    if not selected:
        return _none_selected(rule)
    for obj in selected:
        problems = mismatches(obj, rule.argument, "")
        if problems:
            name = _name(obj)
            return (
                False,
                f"{rule.select.kind} {name}: " + "; ".join(problems[:3]),
                {"mismatches": problems},
            )
    return (
        True,
        f"Every {rule.select.describe()} has {_show(rule.argument)}.",
        {"selected": len(selected)},
    )


def _assert_absent(
    rule: Rule, selected: list[Any], _: list[Any]
) -> tuple[bool, str, dict[str, Any]]:
    if not rule.argument:
        ok = not selected
        return (
            ok,
            ("No " if ok else f"Expected no {rule.select.describe()}, found ")
            + (rule.select.describe() + "." if ok else f"{len(selected)}."),
            {"selected": len(selected)},
        )
    offenders = [_name(o) for o in selected if not mismatches(o, rule.argument, "")]
    if offenders:
        return (
            False,
            f"{', '.join(offenders)} must not have {_show(rule.argument)}.",
            {"offenders": offenders},
        )
    return (
        True,
        f"No {rule.select.describe()} has {_show(rule.argument)}.",
        {"selected": len(selected)},
    )


def _assert_expr(rule: Rule, selected: list[Any], _: list[Any]) -> tuple[bool, str, dict[str, Any]]:
    if not selected:
        return _none_selected(rule)
    ((comparison, expected),) = rule.argument.items()
    for obj in selected:
        try:
            found = rule.compiled.search(obj)
        except jmespath.exceptions.JMESPathError:
            # A function met a value of another type (length(null)): the
            # object does not have what the rule looks for.
            found = None
        if not _compare(comparison, expected, found):
            want = {"equals": f"{_show(expected)}", "in": f"one of {_show(expected)}", "min": f"at least {expected}",
                    "max": f"at most {expected}", "matches": f"text matching {expected!r}",
                    "exists": "present" if expected else "absent"}[comparison]  # fmt: skip
            message = f"{rule.select.kind} {_name(obj)}: `{rule.compiled.expression}` should be {want}, found {_show(found)}."
            return False, message, {"expr": rule.compiled.expression, "found": found}
    return True, f"`{rule.compiled.expression}` is as expected.", {"expr": rule.compiled.expression}


def _compare(comparison: str, expected: Any, found: Any) -> bool:
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


def _assert_selects(
    rule: Rule, selected: list[Any], objects: list[Any]
) -> tuple[bool, str, dict[str, Any]]:
    if not selected:
        return _none_selected(rule)
    target_sel = Selector(kind=rule.argument["kind"], name=rule.argument.get("name"))
    targets = [o for o in objects if isinstance(o, dict) and target_sel.picks(o)]
    if not targets:
        return False, f"Expected a {target_sel.describe()} to select, found none.", {}
    for obj in selected:
        selector = _selector_of(obj)
        for target in targets:
            labels = _pod_labels(target)
            if selector is None or not selector_matches(selector, labels):
                shown = _show(selector.get("matchLabels", selector) if selector else None)
                return (
                    False,
                    (
                        f"{rule.select.kind} {_name(obj)} selects {shown}, but the Pods of "
                        f"{target_sel.describe()} are labelled {_show(labels)}."
                    ),
                    {"selector": selector, "labels": labels},
                )
    return True, f"{rule.select.describe()} selects the Pods of {target_sel.describe()}.", {}


def _selector_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    selector = _mapping(obj.get("spec")).get("selector")
    if not isinstance(selector, dict):
        return None
    if obj.get("kind") in ("Service", "ReplicationController"):
        return {"matchLabels": selector}
    return selector


def _pod_labels(obj: dict[str, Any]) -> dict[str, Any]:
    if obj.get("kind") == "Pod":
        labels = (obj.get("metadata") or {}).get("labels")
    else:
        template: Any = obj
        for part in TEMPLATE_PATHS.get(str(obj.get("kind")), ()):
            template = template.get(part) if isinstance(template, dict) else None
        labels = (
            ((template or {}).get("metadata") or {}).get("labels")
            if isinstance(template, dict)
            else None
        )
    return labels if isinstance(labels, dict) else {}


def _name(obj: dict[str, Any]) -> str:
    name = _mapping(obj.get("metadata")).get("name")
    return f'"{name}"' if name else "(unnamed)"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return (
            actual is expected if isinstance(actual, bool) and isinstance(expected, bool) else False
        )
    if isinstance(actual, int | float) and isinstance(expected, int | float):
        return actual == expected
    return bool(actual == expected)


def mismatches(actual: Any, expected: Any, path: str) -> list[str]:
    """How ``actual`` fails to contain ``expected`` (empty when it does).

    Mappings match as subsets; a list matches when every expected item matches
    some actual item, whatever the order.
    """
    where = path or "the object"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"`{where}` should be a mapping, found {_show(actual)}"]
        problems: list[str] = []
        for key, value in expected.items():
            child = f"{path}.{key}" if path else key
            if key not in actual:
                problems.append(f"`{child}` is missing (expected {_show(value)})")
            else:
                problems.extend(mismatches(actual[key], value, child))
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"`{where}` should be a list, found {_show(actual)}"]
        problems = []
        for item in expected:
            if not any(not mismatches(candidate, item, path) for candidate in actual):
                problems.append(f"`{where}` has no item like {_show(item)}")
        return problems
    if not _equal(actual, expected):
        return [f"`{where}` should be {_show(expected)}, found {_show(actual)}"]
    return []


_ASSERT = {
    "count": _assert_count,
    "match": _assert_match,
    "absent": _assert_absent,
    "expr": _assert_expr,
    "selects": _assert_selects,
}
