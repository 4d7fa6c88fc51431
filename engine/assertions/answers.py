"""``answer``: a value the student recorded must be what the cluster really says.

Labs that teach how to reach the API ask the student to write down what
they found (in a ConfigMap, say). "Any version number" proves nothing; the
recorded value is compared with the truth, read in the same grading run:

- ``api: {path, expr}`` — what the API server answers at a discovery path
  (``/version``, ``/api``, ``/apis``, ``/apis/<group>/<version>``), through a
  JMESPath expression;
- ``object: {select, expr}`` — a field of exactly one other object (the uid
  of a ServiceAccount, the port of a Service);
- ``count: {select}`` — how many objects there are (the cluster's Nodes).

::

    select: {kind: ConfigMap, name: api-facts}
    answer:
      expr: 'data."server-version"'
      api: {path: /version, expr: gitVersion}

Values are compared as text with surrounding spaces ignored; a version may
be written with or without its leading ``v``; a list is matched by its items
in any order, written separated by commas or spaces. The failure message
never shows the true value: the check would give the answer away.
"""

from __future__ import annotations

import re
from typing import Any

import jmespath
import jmespath.exceptions

from engine.assertions import extensions
from engine.assertions.ext_common import name_of as _name
from engine.assertions.ext_common import show as _show
from engine.assertions.model import none_selected
from engine.assertions.rules import RuleError, Selector
from engine.i18n import _

_SOURCES = ("api", "object", "count")
_VERSION = re.compile(r"^v?\d+(\.\d+)+([-+].*)?$")


def _selector(rule_id: str, raw: Any) -> Selector:
    if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
        raise RuleError(f"rule {rule_id}: the `select` of an answer's truth needs a `kind`")
    unknown = set(raw) - {"apiVersion", "kind", "name", "labels"}
    if unknown:
        raise RuleError(f"rule {rule_id}: unknown keys in the truth's `select`: {sorted(unknown)}")
    return Selector(
        kind=raw["kind"],
        api_version=raw.get("apiVersion"),
        name=raw.get("name"),
        labels=tuple((str(k), str(v)) for k, v in (raw.get("labels") or {}).items()),
    )


def _jmespath(rule_id: str, text: Any, where: str) -> Any:
    if not isinstance(text, str) or not text:
        raise RuleError(f"rule {rule_id}: `{where}` needs an `expr`")
    try:
        return jmespath.compile(text)
    except jmespath.exceptions.JMESPathError as exc:
        raise RuleError(f"rule {rule_id}: `{where}` is not valid JMESPath ({exc})") from exc


def _compile(rule_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    argument = raw["answer"]
    if not isinstance(argument, dict):
        raise RuleError(f"rule {rule_id}: `answer` must be a mapping")
    sources = [s for s in _SOURCES if s in argument]
    unknown = set(argument) - {"expr", *_SOURCES}
    if len(sources) != 1 or unknown:
        raise RuleError(
            f"rule {rule_id}: `answer` takes an `expr` and exactly one of api, object, count"
        )
    compiled: dict[str, Any] = {
        "recorded": _jmespath(rule_id, argument.get("expr"), "answer.expr"),
        "source": sources[0],
    }
    truth = argument[sources[0]]
    if not isinstance(truth, dict):
        raise RuleError(f"rule {rule_id}: `answer.{sources[0]}` must be a mapping")
    if sources[0] == "api":
        path = truth.get("path")
        if not isinstance(path, str) or not extensions.DISCOVERY_PATH.match(path):
            raise RuleError(
                f"rule {rule_id}: `answer.api.path` must be a discovery path such as /version, "
                "/api, /apis or /apis/batch/v1"
            )
        compiled["path"] = path
        compiled["truth"] = _jmespath(rule_id, truth.get("expr"), "answer.api.expr")
    elif sources[0] == "object":
        compiled["select"] = _selector(rule_id, truth.get("select"))
        compiled["truth"] = _jmespath(rule_id, truth.get("expr"), "answer.object.expr")
    else:
        compiled["select"] = _selector(rule_id, truth.get("select"))
    return compiled


def _truth(rule: Any, objects: list[dict[str, Any]]) -> tuple[Any, str]:
    """The true value, and what it is (for messages); (None, why) when it cannot be known."""
    spec = rule.compiled
    if spec["source"] == "api":
        answered = [
            o for o in objects
            if o.get("kind") == extensions.DISCOVERY_KIND
            and (o.get("metadata") or {}).get("name") == spec["path"]
        ]  # fmt: skip
        if not answered or answered[0].get("body") is None:
            return None, _("the API server gave no answer at {path}").format(path=spec["path"])
        what = _("what the API server answers at {path}").format(path=spec["path"])
        return _search(spec["truth"], answered[0]["body"]), what
    picked = [o for o in objects if isinstance(o, dict) and spec["select"].picks(o)]
    if spec["source"] == "count":
        return len(picked), _("the number of {kind} objects").format(kind=spec["select"].kind)
    if len(picked) != 1:
        return None, _("expected exactly one {what}, found {found}").format(
            what=spec["select"].describe(), found=len(picked)
        )
    what = _("`{expr}` of {what}").format(
        expr=spec["truth"].expression, what=spec["select"].describe()
    )
    return _search(spec["truth"], picked[0]), what


def _search(expression: Any, value: Any) -> Any:
    try:
        return expression.search(value)
    except jmespath.exceptions.JMESPathError:
        return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().strip('"').strip()


def same(recorded: Any, truth: Any) -> bool:
    """The recorded answer says what the truth says (see the module's rules)."""
    if recorded is None or truth is None:
        return False
    if isinstance(truth, list):
        items = [_text(t) for t in truth]
        written = [w for w in re.split(r"[,\s]+", _text(recorded)) if w]
        return sorted(items) == sorted(written)
    left, right = _text(recorded), _text(truth)
    if left == right:
        return True
    if _VERSION.match(left) and _VERSION.match(right):
        return left.removeprefix("v") == right.removeprefix("v")
    return False


def _evaluate(
    rule: Any, selected: list[dict[str, Any]], objects: list[dict[str, Any]]
) -> tuple[bool, str, dict[str, Any]]:
    if not selected:
        return none_selected(rule)
    truth, what = _truth(rule, objects)
    expression = rule.compiled["recorded"].expression
    if truth is None:
        return (
            False,
            _("Could not learn the true value: {why}.").format(why=what),
            {"expr": expression, "unknown": what},
        )
    for obj in selected:
        recorded = _search(rule.compiled["recorded"], obj)
        if recorded is None:
            return (
                False,
                _("{kind} {name} has no `{expr}`: record it there.").format(
                    kind=rule.select.kind, name=_name(obj), expr=expression
                ),
                {"expr": expression, "recorded": None},
            )
        if not same(recorded, truth):
            return (
                False,
                _("{kind} {name}: `{expr}` is {recorded}, which is not {what}.").format(
                    kind=rule.select.kind,
                    name=_name(obj),
                    expr=expression,
                    recorded=_show(recorded),
                    what=what,
                ),
                {"expr": expression, "recorded": recorded, "correct": False},
            )
    message = _("`{expr}` is {what}.").format(expr=expression, what=what)
    return True, message, {"expr": expression, "correct": True}


def _reads(rule: Any) -> set[extensions.KindKey]:
    spec = rule.compiled
    if spec["source"] == "api":
        return set()
    return {(spec["select"].api_version, spec["select"].kind)}


def _discovery(rule: Any) -> set[str]:
    return {rule.compiled["path"]} if rule.compiled["source"] == "api" else set()


extensions.register(
    extensions.Extension(
        name="answer", compile=_compile, evaluate=_evaluate, lab_only=True,
        reads=_reads, discovery=_discovery,
    )
)  # fmt: skip
