"""Compiling rules from content files, and judging them over objects.

The kinds that only compare an object with a partial object or an
expression live here (`count`, `match`, `absent`, `expr`); the kinds that
judge meaning across objects live in ``engine.assertions.kinds``; kinds
added beside the language in modules of their own (`resolves`, `answer`,
`some`) register in ``engine.assertions.extensions`` and are compiled and
judged through it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import jmespath
import jmespath.exceptions

from engine.assertions import extensions, kinds
from engine.assertions.compare import COMPARISONS, Comparison, ComparisonError
from engine.assertions.defaults import with_defaults
from engine.assertions.model import (
    Context,
    Rule,
    RuleError,
    RuleResult,
    Verdict,
    none_selected,
    quoted,
)
from engine.assertions.partial import mismatches, show
from engine.assertions.selection import Selector
from engine.i18n import N_, _

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
# Judged from the objects alone (a manifest's documents, or a lab's snapshot).
OBJECT_ASSERTIONS = (
    "count", "match", "absent", "expr", "selects",
    "service", "probe", "references", "permissions", "rollout", "tolerates", "binds",
)  # fmt: skip
# `access` is answered from the objects' RBAC in exercises, by the API server in labs.
ASSERTIONS = (*OBJECT_ASSERTIONS, "access")
# Kinds that need a cluster's state (status, EndpointSlices, revisions): labs only.
LAB_ONLY = ("rollout",)
MAX_EVENTUALLY_SECONDS = 120
_COMMON_KEYS = {"id", "title", "points", "hint", "select", "eventually"}
# A lab check also names the chapter section that teaches it and its hint
# ladder; the lab page shows them (labs.hints), grading does not read them.
_LAB_PAGE_KEYS = {"section", "ladder"}

__all__ = [
    "ASSERTIONS", "Context", "Rule", "RuleError", "RuleResult", "Selector", "compile_rule",
    "compile_rules", "evaluate", "evaluate_one", "judge", "mismatches", "prepare",
]  # fmt: skip


def compile_rules(raw_rules: list[dict[str, Any]], *, lab: bool = False) -> list[Rule]:
    rules = []
    seen: set[str] = set()
    for raw in raw_rules:
        rule = compile_rule(raw, lab=lab)
        if rule.id in seen:
            raise RuleError(f"rule id {rule.id!r} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    return rules


def compile_rule(raw: dict[str, Any], *, lab: bool = False) -> Rule:
    if not isinstance(raw, dict):
        raise RuleError("a rule must be a mapping")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise RuleError(f"rule id {rule_id!r} must be lowercase words joined by '-'")
    allowed = ASSERTIONS + extensions.names(lab=True)
    present = [a for a in allowed if a in raw]
    if len(present) != 1:
        raise RuleError(
            f"rule {rule_id}: give exactly one of {', '.join(ASSERTIONS + extensions.names(lab=lab))}"
        )
    assertion = present[0]
    if not lab and (
        assertion in LAB_ONLY or assertion not in (*ASSERTIONS, *extensions.names(lab=False))
    ):
        raise RuleError(
            f"rule {rule_id}: `{assertion}` reads a cluster's state: it is only for labs"
        )
    eventually = raw.get("eventually", 0)
    if eventually and not lab:
        raise RuleError(f"rule {rule_id}: `eventually` is only for labs")
    if (
        isinstance(eventually, bool)
        or not isinstance(eventually, int | float)
        or not 0 <= eventually <= MAX_EVENTUALLY_SECONDS
    ):
        raise RuleError(f"rule {rule_id}: `eventually` must be 0-{MAX_EVENTUALLY_SECONDS} seconds")
    allowed_keys = _COMMON_KEYS | {assertion} | (_LAB_PAGE_KEYS if lab else set())
    if assertion == "expr":
        allowed_keys |= {*COMPARISONS, "as"}
    stray = sorted(set(raw) - allowed_keys)
    if stray:
        raise RuleError(f"rule {rule_id}: `{stray[0]}` does not belong to a `{assertion}` rule")
    points = raw.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise RuleError(f"rule {rule_id}: `points` must be a whole number >= 0")
    base: dict[str, Any] = {
        "id": rule_id,
        "title": str(raw.get("title") or rule_id),
        "points": points,
        "hint": str(raw.get("hint") or ""),
        "eventually": float(eventually),
    }
    if assertion == "access":
        argument, items = kinds.compile_access(rule_id, raw["access"], lab=lab)
        return Rule(select=Selector(kind="SubjectAccessReview"), assertion="access",
                    argument=argument, compiled=items, **base)  # fmt: skip
    selector = _compile_selector(rule_id, raw.get("select"))
    argument = raw[assertion]
    compiled: Any = None
    reads: tuple[Selector, ...] = ()
    facts: tuple[str, ...] = ()
    if assertion == "count":
        _check_count(rule_id, argument)
    elif assertion in ("match", "absent"):
        if not isinstance(argument, dict):
            raise RuleError(f"rule {rule_id}: `{assertion}` must be a partial object (a mapping)")
    elif assertion == "expr":
        compiled = _compile_expr(rule_id, raw, lab=lab)
        argument = {k: raw[k] for k in raw if k in COMPARISONS or k == "as"}
        facts = compiled[1].facts
    elif assertion == "selects":
        if not isinstance(argument, dict) or not isinstance(argument.get("kind"), str):
            raise RuleError(f"rule {rule_id}: `selects` needs a `kind` (and usually a `name`)")
        if set(argument) - {"kind", "name", "only"} or not isinstance(
            argument.get("only", False), bool
        ):
            raise RuleError(
                f"rule {rule_id}: `selects` takes `kind`, `name` and `only: true|false`"
            )
        reads = (Selector(kind=argument["kind"], name=argument.get("name")),)
        if argument.get("only"):
            reads += kinds.POD_READS
    elif assertion in extensions.EXTENSIONS:
        return _compile_extension(extensions.EXTENSIONS[assertion], raw, selector, base)
    else:
        try:
            compiled, reads = kinds.compile_kind(assertion, argument, selector, lab=lab)
        except ValueError as exc:
            raise RuleError(f"rule {rule_id}: {exc}") from exc
    return Rule(select=selector, assertion=assertion, argument=argument, compiled=compiled,
                reads=reads, facts=facts, **base)  # fmt: skip


def _compile_extension(
    extension: extensions.Extension, raw: dict[str, Any], selector: Selector, base: dict[str, Any]
) -> Rule:
    """A kind registered beside the language: it compiles itself and names what it reads."""
    compiled = extension.compile(base["id"], raw)
    rule = Rule(select=selector, assertion=extension.name, argument=raw[extension.name],
                compiled=compiled, **base)  # fmt: skip
    reads = tuple(
        Selector(kind=kind, api_version=api_version)
        for api_version, kind in sorted(extension.reads(rule), key=lambda k: (k[1], k[0] or ""))
    )
    return replace(rule, reads=reads, discovery=tuple(sorted(extension.discovery(rule))))


def _compile_selector(rule_id: str, select: Any) -> Selector:
    if not isinstance(select, dict) or not isinstance(select.get("kind"), str):
        raise RuleError(f"rule {rule_id}: `select` needs at least a `kind`")
    stray = set(select) - {"apiVersion", "kind", "name", "labels"}
    if stray:
        raise RuleError(f"rule {rule_id}: `select` does not take {', '.join(sorted(stray))}")
    labels = select.get("labels") or {}
    if not isinstance(labels, dict):
        raise RuleError(f"rule {rule_id}: `select.labels` must be a mapping")
    return Selector(
        kind=select["kind"],
        api_version=select.get("apiVersion"),
        name=select.get("name"),
        labels=tuple((str(k), str(v)) for k, v in labels.items()),
    )


def _check_count(rule_id: str, argument: Any) -> None:
    if not isinstance(argument, dict) or not argument or set(argument) - {"equals", "min", "max"}:
        raise RuleError(f"rule {rule_id}: `count` takes `equals`, `min` and/or `max`")
    if not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in argument.values()
    ):
        raise RuleError(f"rule {rule_id}: counts must be whole numbers >= 0")


def _compile_expr(rule_id: str, raw: dict[str, Any], *, lab: bool) -> tuple[Any, Comparison]:
    try:
        comparison = Comparison(raw, lab=lab)
    except ComparisonError as exc:
        raise RuleError(f"rule {rule_id}: {exc}") from exc
    try:
        return jmespath.compile(str(raw["expr"])), comparison
    except jmespath.exceptions.JMESPathError as exc:
        raise RuleError(f"rule {rule_id}: `expr` is not valid JMESPath ({exc})") from exc


# ---------------------------------------------------------------- evaluation


def prepare(objects: list[Any]) -> list[dict[str, Any]]:
    """The objects as the API server would store them: see ``engine.assertions.defaults``.

    An object read from the API server (it has a `resourceVersion`) already
    carries its defaults and is used as it is; rules never change objects.
    """
    return [o if _from_server(o) else with_defaults(o) for o in objects if isinstance(o, dict)]


def _from_server(obj: dict[str, Any]) -> bool:
    meta = obj.get("metadata")
    return isinstance(meta, dict) and bool(meta.get("resourceVersion"))


def evaluate(
    rules: list[Rule], objects: list[dict[str, Any]], *, facts: dict[str, Any] | None = None
) -> list[RuleResult]:
    """Every rule over the objects (a manifest's documents, or a snapshot)."""
    context = Context(objects=prepare(objects), facts=facts or {})
    return [judge(rule, context) for rule in rules]


def evaluate_one(
    rule: Rule, objects: list[dict[str, Any]], *, facts: dict[str, Any] | None = None
) -> RuleResult:
    return judge(rule, Context(objects=prepare(objects), facts=facts or {}))


def judge(rule: Rule, context: Context) -> RuleResult:
    """One rule over prepared objects."""
    selected = [o for o in context.objects if rule.select.picks(o)]
    extension = extensions.EXTENSIONS.get(rule.assertion)
    if extension is not None:
        passed, message, evidence = extension.evaluate(rule, selected, context.objects)
        return _result(rule, passed, message, evidence)
    judge_kind = _ASSERT.get(rule.assertion, kinds.evaluate_kind)
    passed, message, evidence = judge_kind(rule, selected, context)
    return _result(rule, passed, message, evidence)


def _result(rule: Rule, passed: bool, message: str, evidence: dict[str, Any]) -> RuleResult:
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


def _assert_count(rule: Rule, selected: list[Any], _unused: Context) -> Verdict:
    n, want = len(selected), rule.argument
    ok = (
        ("equals" not in want or n == want["equals"])
        and ("min" not in want or n >= want["min"])
        and ("max" not in want or n <= want["max"])
    )
    expected = bounds_words(want)
    message = _("Expected {expected} {what}, found {found}.").format(
        expected=expected, what=rule.select.describe(), found=n
    )
    return ok, message, {"selected": n}


def bounds_words(want: dict[str, int]) -> str:
    """`{"min": 1, "max": 3}` in words: "at least 1 and at most 3"."""
    words = {"equals": N_("exactly {n}"), "min": N_("at least {n}"), "max": N_("at most {n}")}
    return _(" and ").join(_(words[k]).format(n=v) for k, v in want.items())


def _assert_match(rule: Rule, selected: list[Any], _unused: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    for obj in selected:
        problems = mismatches(obj, rule.argument, "")
        if problems:
            return (
                False,
                f"{rule.select.kind} {quoted(obj)}: " + "; ".join(problems[:3]),
                {"mismatches": problems},
            )
    message = _("Every {what} has {fields}.").format(
        what=rule.select.describe(), fields=show(rule.argument)
    )
    return True, message, {"selected": len(selected)}


def _assert_absent(rule: Rule, selected: list[Any], _unused: Context) -> Verdict:
    if not rule.argument:
        ok = not selected
        what = rule.select.describe()
        return (
            ok,
            _("No {what}.").format(what=what)
            if ok
            else _("Expected no {what}, found {found}.").format(what=what, found=len(selected)),
            {"selected": len(selected)},
        )
    offenders = [quoted(o) for o in selected if not mismatches(o, rule.argument, "")]
    if offenders:
        return (
            False,
            _("{names} must not have {fields}.").format(
                names=", ".join(offenders), fields=show(rule.argument)
            ),
            {"offenders": offenders},
        )
    message = _("No {what} has {fields}.").format(
        what=rule.select.describe(), fields=show(rule.argument)
    )
    return True, message, {"selected": len(selected)}


def _assert_expr(rule: Rule, selected: list[Any], context: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    expression, comparison = rule.compiled
    for obj in selected:
        try:
            found = expression.search(obj)
        except jmespath.exceptions.JMESPathError:
            # A function met a value of another type (length(null)): the
            # object does not have what the rule looks for.
            found = None
        ok, wanted, why = comparison.compare(found, context.facts)
        if not ok:
            where = f"{rule.select.kind} {quoted(obj)}"
            message = (
                f"{where}: {why}."
                if why
                else _("{where}: `{expr}` should be {expected}, found {found}.").format(
                    where=where, expr=expression.expression, expected=wanted, found=show(found)
                )
            )
            return (
                False,
                message,
                {"expr": expression.expression, "found": found, "expected": wanted},
            )
    message = _("`{expr}` is as expected.").format(expr=expression.expression)
    return True, message, {"expr": expression.expression}


_ASSERT = {
    "count": _assert_count,
    "match": _assert_match,
    "absent": _assert_absent,
    "expr": _assert_expr,
}
