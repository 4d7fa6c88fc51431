"""What a failing lab check observed, against what it expected, in a student's words.

Built from a stored check result (its message and evidence) and the check
itself, so the same sentence appears for a graded submission, a live
result and an old submission read back later. A check this module cannot
explain (an assertion it does not know, evidence it does not find) gets
``None`` and the page shows the grader's own message.

    Service `web` selects `app=web`; the Pods of Deployment `web` are
    labelled `app=webserver`.

Backticks mark code; templates render them with ``code_spans``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jmespath.exceptions

from engine.assertions import Rule
from engine.assertions.rules import Selector, mismatches

NEARBY_NAMES = 8
_TIMED_OUT = re.compile(r"^Timed out after (\d+)s waiting for this: ")


@dataclass(frozen=True)
class Comparison:
    """One thing the check compared: what it is, what the lab expects, what is there."""

    what: str
    expected: str
    observed: str


@dataclass(frozen=True)
class Explanation:
    summary: str
    comparisons: list[Comparison] = field(default_factory=list)


def explain(rule: Rule, result: Mapping[str, Any]) -> Explanation | None:
    """Observed against expected for a failing result; None when it passed or cannot be told."""
    if result.get("passed"):
        return None
    evidence = result.get("evidence")
    if not isinstance(evidence, Mapping):
        return None
    explainer = _EXPLAINERS.get(rule.assertion)
    if explainer is None:
        return None
    try:
        explanation = explainer(rule, evidence)
    except (KeyError, TypeError, ValueError, AttributeError, jmespath.exceptions.JMESPathError):
        # Evidence of another shape (an older grader, a hand-edited row): the
        # grader's message is still there.
        return None
    if explanation is None:
        return None
    waited = _TIMED_OUT.match(str(result.get("message") or ""))
    if waited:
        return Explanation(
            f"After waiting {waited.group(1)} s: {_lower_first(explanation.summary)}",
            explanation.comparisons,
        )
    return explanation


def note_nearby(
    rules: Iterable[Rule], results: Iterable[Any], snapshot: Mapping[str, list[dict[str, Any]]]
) -> None:
    """Add to each failing result the names of the objects of its kind that it did not pick.

    "There is no Deployment `frontend`" helps more with "(there is `fronted`)".
    ``results`` are ``RuleResult`` objects (with an ``evidence`` dict).
    """
    by_id = {rule.id: rule for rule in rules}
    objects = [obj for items in snapshot.values() for obj in items]
    for result in results:
        rule = by_id.get(result.id)
        if result.passed or rule is None or rule.assertion == "access":
            continue
        kind = rule.select.kind
        names = sorted(
            str(_meta(o).get("name"))
            for o in objects
            if o.get("kind") == kind and _meta(o).get("name") and not rule.select.picks(o)
        )
        if names:
            result.evidence["nearby"] = names[:NEARBY_NAMES]


# --- the assertions ----------------------------------------------------------------------


def _count(rule: Rule, evidence: Mapping[str, Any]) -> Explanation:
    found = int(evidence.get("selected", len(evidence.get("objects") or [])))
    want = rule.argument
    expected = " and ".join(
        {"equals": f"exactly {v}", "min": f"at least {v}", "max": f"at most {v}"}[k]
        for k, v in want.items()
    )
    names = _names(evidence.get("objects"))
    observed = f"{found}" + (f" ({names})" if names else "")
    summary = (
        f"Your namespace has {found} {_plural(rule.select, found)}"
        + (f" ({names})" if names else "")
        + f"; the lab expects {expected}."
    )
    if found == 0 and evidence.get("nearby"):
        summary += f" It has {_kind_list(rule.select.kind, evidence['nearby'])}."
    return Explanation(
        summary, [Comparison(f"How many {_plural(rule.select, 2)}", expected, observed)]
    )


def _match(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    if not evidence.get("objects"):
        return _none_found(rule, evidence)
    failing = next((o for o in evidence["objects"] if mismatches(o, rule.argument, "")), None)
    if failing is None:
        return None
    comparisons = [
        Comparison(f"`{path}`", expected, observed)
        for path, expected, observed in _differences(failing, rule.argument, "")
    ]
    if not comparisons:
        return None
    first = comparisons[0]
    summary = (
        f"{_object(failing)}: {first.what} is {first.observed}; the lab expects {first.expected}."
    )
    if len(comparisons) > 1:
        more = len(comparisons) - 1
        summary += f" ({more} more difference{'s' if more > 1 else ''} below.)"
    return Explanation(summary, comparisons)


def _absent(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    if not rule.argument:
        names = _names(evidence.get("objects"))
        found = int(evidence.get("selected", 0))
        summary = (
            f"Your namespace has {found} {_plural(rule.select, found)}"
            + (f" ({names})" if names else "")
            + "; the lab expects none."
        )
        return Explanation(
            summary, [Comparison(f"How many {_plural(rule.select, 2)}", "none", str(found))]
        )
    offenders = [str(o).strip('"') for o in evidence.get("offenders") or []]
    if not offenders:
        return None
    shown = ", ".join(f"`{o}`" for o in offenders)
    unwanted = _inline(rule.argument)
    summary = (
        f"{rule.select.kind} {shown} {'has' if len(offenders) == 1 else 'have'} {unwanted}; "
        f"the lab expects no {rule.select.describe()} to have it."
    )
    return Explanation(summary, [Comparison(f"{rule.select.kind} with {unwanted}", "none", shown)])


def _expr(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    if "expr" not in evidence:
        return _none_found(rule, evidence)
    ((comparison, wanted),) = rule.argument.items()
    expected = _expected_value(comparison, wanted)
    found = evidence.get("found")
    observed = "not set" if found is None else _inline(found)
    subject = _expr_subject(rule, evidence, found)
    what = f"`{evidence['expr']}`"
    summary = f"{subject}{what} is {observed}; the lab expects {expected}."
    return Explanation(summary[0].upper() + summary[1:], [Comparison(what, expected, observed)])


def _selects(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    sources = evidence.get("objects") or []
    if not sources:
        return _none_found(rule, evidence)
    source = _object(sources[0])
    target = Selector(kind=rule.argument["kind"], name=rule.argument.get("name"))
    pods = _pods_of(target)
    if "selector" not in evidence:
        read = evidence.get("read_targets") or {}
        if evidence.get("targets") or read.get("count"):
            return None
        summary = f"There is no {_described(target)} in your namespace for {source} to select."
        return Explanation(summary, [Comparison(_described(target), "present", "none")])
    selector = evidence["selector"]
    labels = evidence.get("labels") or {}
    if selector is None:
        summary = f"{source} has no selector; the lab expects it to select {pods}."
        return Explanation(
            summary, [Comparison(f"{source} selects", pods, "nothing (no selector)")]
        )
    chosen = _selector_text(selector)
    shown_labels = _labels(labels)
    summary = f"{source} selects {chosen}; {pods} are labelled {shown_labels}."
    return Explanation(
        summary,
        [
            Comparison(f"{source} selects", f"the labels of {pods}", chosen),
            Comparison(f"Labels of {pods}", f"all of {chosen}", shown_labels),
        ],
    )


def _access(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    review = evidence.get("subjectAccessReview") or {}
    allowed = review.get("allowed")
    if allowed is None:
        return None  # not answerable with these credentials: the message says so
    access = rule.argument
    who = (
        f"ServiceAccount `{access['serviceAccount']}`"
        if access.get("serviceAccount")
        else f"user `{access['user']}`"
    )
    what = f"`{access['verb']} {access['resource']}`"
    if access.get("group"):
        what += f" (API group `{access['group']}`)"
    actual = "may" if allowed else "may not"
    expected = "may" if access["allowed"] else "may not"
    summary = (
        f"The API server says {who} {actual} {what} in your namespace; "
        f"the lab expects that it {expected}."
    )
    return Explanation(summary, [Comparison(f"May {who} {what}?", expected, actual)])


_EXPLAINERS = {
    "count": _count,
    "match": _match,
    "absent": _absent,
    "expr": _expr,
    "selects": _selects,
    "access": _access,
}


# --- helpers ------------------------------------------------------------------------------


def _none_found(rule: Rule, evidence: Mapping[str, Any]) -> Explanation:
    summary = f"There is no {_described(rule.select)} in your namespace"
    nearby = evidence.get("nearby")
    if nearby:
        summary += f" (it has {_kind_list(rule.select.kind, nearby)})"
    summary += "; the lab expects one."
    observed = "none" + (f"; there is {', '.join(f'`{n}`' for n in nearby)}" if nearby else "")
    return Explanation(summary, [Comparison(_described(rule.select), "present", observed)])


def _described(selector: Selector) -> str:
    text = selector.kind
    if selector.name:
        text += f" `{selector.name}`"
    if selector.labels:
        text += " labelled " + _labels(dict(selector.labels))
    return text


def _pods_of(target: Selector) -> str:
    if target.kind == "Pod" and not target.name:
        return "the Pods in your namespace"
    if target.kind == "Pod":
        return f"Pod `{target.name}`"
    return f"the Pods of {_described(target)}"


def _plural(selector: Selector, count: int) -> str:
    kind = selector.kind
    if count != 1:
        if kind.endswith(("s", "x")):
            kind += "es"
        elif kind.endswith("y") and not kind.endswith("ey"):
            kind = kind[:-1] + "ies"
        else:
            kind += "s"
    if selector.name:
        kind += f" named `{selector.name}`"
    if selector.labels:
        kind += " labelled " + _labels(dict(selector.labels))
    return kind


def _kind_list(kind: str, names: list[str]) -> str:
    return f"{kind} " + ", ".join(f"`{n}`" for n in names)


def _names(objects: Any) -> str:
    names = [str(_meta(o).get("name")) for o in objects or [] if _meta(o).get("name")]
    return ", ".join(f"`{n}`" for n in names)


def _object(obj: Mapping[str, Any]) -> str:
    name = _meta(obj).get("name")
    return f"{obj.get('kind')} `{name}`" if name else str(obj.get("kind"))


def _meta(obj: Any) -> dict[str, Any]:
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    return meta if isinstance(meta, dict) else {}


def _labels(labels: Mapping[str, Any]) -> str:
    if not labels:
        return "with no labels"
    return "`" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "`"


def _selector_text(selector: Mapping[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        values = ",".join(str(v) for v in expression.get("values") or [])
        parts.append(f"{expression.get('key')} {expression.get('operator')} ({values})")
    return "`" + ", ".join(parts) + "`" if parts else "everything (an empty selector)"


def _inline(value: Any) -> str:
    if isinstance(value, str):
        return f"`{value}`"
    text = json.dumps(value, sort_keys=True, default=str)
    if len(text) > 100:
        text = text[:97] + "..."
    return f"`{text}`"


def _expected_value(comparison: str, wanted: Any) -> str:
    if comparison == "equals":
        return _inline(wanted)
    if comparison == "in":
        return "one of " + ", ".join(_inline(w) for w in wanted)
    if comparison == "min":
        return f"at least {wanted}"
    if comparison == "max":
        return f"at most {wanted}"
    if comparison == "matches":
        return f"text matching `{wanted}`"
    return "set" if wanted else "not set"


def _expr_subject(rule: Rule, evidence: Mapping[str, Any], found: Any) -> str:
    """``Deployment `web`: `` for the object whose value was found, when it can be told."""
    objects = evidence.get("objects") or []
    if len(objects) == 1:
        return f"{_object(objects[0])}: "
    for obj in objects:
        try:
            value = rule.compiled.search(obj)
        except jmespath.exceptions.JMESPathError:
            value = None
        if value == found:
            return f"{_object(obj)}: "
    return ""


def _differences(actual: Any, expected: Any, path: str) -> list[tuple[str, str, str]]:
    """Each leaf of ``expected`` that ``actual`` lacks: (path, expected, observed)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [(path or "the object", "a mapping", _inline(actual))]
        found: list[tuple[str, str, str]] = []
        for key, value in expected.items():
            child = f"{path}.{key}" if path else str(key)
            if key not in actual:
                found.append((child, _inline(value), "not set"))
            else:
                found.extend(_differences(actual[key], value, child))
        return found
    if isinstance(expected, list):
        if mismatches(actual, expected, path):
            missing = [item for item in expected if not _has_item(actual, item)]
            wanted = (
                " and ".join(f"an item like {_inline(i)}" for i in missing)
                or f"items like {_inline(expected)}"
            )
            return [(path, wanted, _inline(actual) if actual is not None else "not set")]
        return []
    if mismatches(actual, expected, path):
        return [(path, _inline(expected), _inline(actual))]
    return []


def _has_item(actual: Any, item: Any) -> bool:
    return isinstance(actual, list) and any(not mismatches(c, item, "") for c in actual)


def _lower_first(text: str) -> str:
    if text.startswith(("The ", "There ", "Your ")):
        return text[0].lower() + text[1:]
    return text
