"""Regrading a finished lab submission from its stored evidence, with the lab's current checks.

When a lab's check was wrong (a typo in an expression, a value too strict)
and is fixed, the submissions graded under the old check can be graded
again without the cluster: each stored result keeps the objects its check
read (``engine.grading.lab``), and a check is a pure function over objects.

A check is regraded only when the evidence can answer it for certain:

- every object the check selects must be in the evidence. The grader
  records what each check read (``read``: kind, name, labels, how many
  objects it found); a current check is covered by a stored read of the same
  kind whose selector is at least as broad and whose objects were all kept
  (a read capped at ``EVIDENCE_OBJECTS`` is incomplete);
- every field the check looks at must be one the evidence keeps
  (``EVIDENCE_KEYS``): a check on a Secret's ``type`` cannot be answered
  from evidence that dropped it.

Everything else keeps its stored result and says why: ``access`` checks
(the API server answered those), checks of a kind or a selection that was
not captured, and results graded before the grader recorded its reads.
A check added since the submission is answered the same way when the
evidence covers it; when it does not, it earns nothing and says so, so the
student knows to check again.

Nothing here touches the database or a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from engine.assertions import Context, Rule, judge
from engine.assertions.extensions import EXTENSIONS
from engine.assertions.rules import prepare
from engine.assertions.selection import Selector
from engine.grading.lab import LEGACY_KEYS, LEGACY_METADATA_KEYS, selector_key
from engine.i18n import _

# Top-level keys the evidence always has.
_ALWAYS = ("apiVersion", "kind", "metadata")

Outcome = Literal["regraded", "kept", "unanswered", "removed"]


@dataclass
class CheckRegrade:
    id: str
    title: str
    outcome: Outcome
    reason: str
    old: dict[str, Any] | None  # the stored result, when there is one
    new: dict[str, Any] | None  # the result that counts now (None: removed from the lab)

    @property
    def changed(self) -> bool:
        if self.old is None or self.new is None:
            return True
        return (self.old.get("passed"), self.old.get("points"), self.old.get("max_points")) != (
            self.new.get("passed"),
            self.new.get("points"),
            self.new.get("max_points"),
        )


@dataclass
class LabRegrade:
    checks: list[CheckRegrade] = field(default_factory=list)

    @property
    def results(self) -> list[dict[str, Any]]:
        return [c.new for c in self.checks if c.new is not None]

    @property
    def score(self) -> int:
        return sum(int(r.get("points", 0)) for r in self.results)

    @property
    def max_score(self) -> int:
        return sum(int(r.get("max_points", 0)) for r in self.results)

    @property
    def passed(self) -> bool:
        return bool(self.results) and all(r.get("passed") for r in self.results)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.checks)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for c in self.checks if c.outcome == outcome)


@dataclass(frozen=True)
class _Read:
    """One stored read: what a check selected at grading time, and the objects kept of it."""

    api_version: str
    kind: str
    name: str | None
    labels: dict[str, str]
    count: int
    objects: list[dict[str, Any]]
    kept: frozenset[str]  # the fields its objects hold: `spec`, `metadata.labels`...

    @property
    def complete(self) -> bool:
        return self.count <= len(self.objects)

    def covers(self, selector: Selector) -> bool:
        """Every object ``selector`` picks in the namespace was picked by this read."""
        if (self.api_version, self.kind) != selector_key(selector):
            return False
        if self.name is not None and self.name != selector.name:
            return False
        wanted = dict(selector.labels)
        return all(wanted.get(k) == v for k, v in self.labels.items())


def regrade_from_evidence(*, checks: list[Rule], stored: list[dict[str, Any]]) -> LabRegrade:
    """The current ``checks`` over the ``stored`` results' evidence, one outcome per check."""
    by_id = {str(r.get("id")): r for r in stored if isinstance(r, dict)}
    reads = list(_reads(stored))
    regrade = LabRegrade()
    for check in checks:
        regrade.checks.append(_regrade_one(check, by_id.get(check.id), reads))
    current = {c.id for c in checks}
    for result in stored:
        if isinstance(result, dict) and result.get("id") not in current:
            regrade.checks.append(
                CheckRegrade(
                    id=str(result.get("id")),
                    title=str(result.get("title") or result.get("id")),
                    outcome="removed",
                    reason=_("The lab no longer has this check: it no longer counts."),
                    old=result,
                    new=None,
                )
            )
    return regrade


def _regrade_one(check: Rule, old: dict[str, Any] | None, reads: list[_Read]) -> CheckRegrade:
    if check.assertion == "access":
        return _keep(
            check,
            old,
            _("The API server answered this access check; evidence cannot ask it again."),
        )
    if check.assertion in EXTENSIONS and not EXTENSIONS[check.assertion].regradable:
        return _keep(check, old, _("This check reads more of the cluster than the evidence keeps."))
    covering = _covering(check.select, reads)
    if covering is None:
        return _keep(
            check,
            old,
            _(
                "The evidence does not hold every {what} this check reads "
                "({kind} was not captured, or only in part)."
            ).format(what=check.select.describe(), kind=check.select.kind),
        )
    objects = list(covering.objects)
    kept = set(covering.kept)
    for selector in check.reads:
        other = _covering(selector, reads)
        if other is None:
            return _keep(
                check,
                old,
                _("The evidence does not hold every {what} this check reads.").format(
                    what=selector.describe()
                ),
            )
        objects += [o for o in other.objects if o not in objects]
        kept &= other.kept
    facts = (old or {}).get("evidence", {}).get("facts") if isinstance(old, dict) else None
    if check.facts and not (
        isinstance(facts, dict) and all(facts.get(f) is not None for f in check.facts)
    ):
        return _keep(
            check,
            old,
            _("The evidence does not hold the cluster facts this check compares with."),
        )
    missing = _fields_not_kept(check, kept)
    if missing:
        return _keep(
            check,
            old,
            _("This check reads {fields}, which the evidence does not keep.").format(
                fields=", ".join(f"`{m}`" for m in missing)
            ),
        )
    result = judge(check, Context(objects=prepare(objects), facts=dict(facts or {}))).as_dict()
    selected = [o for o in covering.objects if check.select.picks(o)]
    result["evidence"] = {
        **result["evidence"],
        "objects": selected,
        "read": {
            "apiVersion": covering.api_version, "kind": covering.kind, "name": check.select.name,
            "labels": dict(check.select.labels), "count": len(selected), "kept": sorted(covering.kept),
        },
    }  # fmt: skip
    if old is not None and isinstance(old.get("evidence"), dict):
        for key in ("events", "reads", "facts"):
            if old["evidence"].get(key):
                result["evidence"][key] = old["evidence"][key]
    return CheckRegrade(
        id=check.id,
        title=check.title,
        outcome="regraded",
        reason=_("Evaluated with the current check against the objects stored at grading time."),
        old=old,
        new=result,
    )


def _keep(check: Rule, old: dict[str, Any] | None, why: str) -> CheckRegrade:
    if old is None:
        return CheckRegrade(
            id=check.id,
            title=check.title,
            outcome="unanswered",
            reason=_(
                "A check added after this submission. {why} It earns nothing until the student "
                "checks again."
            ).format(why=why),
            old=None,
            new={
                "id": check.id, "title": check.title, "passed": False, "points": 0,
                "max_points": check.points,
                "message": _("Not checked: this check was added to the lab after this submission."),
                "hint": _("Check your work again to have it checked."), "evidence": {},
            },
        )  # fmt: skip
    passed = bool(old.get("passed"))
    # The verdict stays; the weight is the lab's current one.
    kept = {
        **old,
        "title": check.title,
        "points": check.points if passed else 0,
        "max_points": check.points,
    }
    return CheckRegrade(
        id=check.id,
        title=check.title,
        outcome="kept",
        reason=_("Stored result kept. {why}").format(why=why),
        old=old,
        new=kept,
    )


_LEGACY_KEPT = frozenset({*(f"metadata.{k}" for k in LEGACY_METADATA_KEYS), *LEGACY_KEYS})


def _reads(stored: Iterable[Any]) -> Iterable[_Read]:
    for result in stored:
        evidence = result.get("evidence") if isinstance(result, dict) else None
        if not isinstance(evidence, dict):
            continue
        pairs = [(evidence.get("read"), evidence.get("objects")),
                 (evidence.get("read_targets"), evidence.get("targets"))]  # fmt: skip
        for extra in evidence.get("reads") or []:
            if isinstance(extra, dict):
                pairs.append((extra.get("read"), extra.get("objects")))
        for read, objects in pairs:
            if not isinstance(read, dict) or not isinstance(objects, list):
                continue
            try:
                kept = read.get("kept")
                yield _Read(
                    api_version=str(read["apiVersion"]),
                    kind=str(read["kind"]),
                    name=read.get("name"),
                    labels={str(k): str(v) for k, v in (read.get("labels") or {}).items()},
                    count=int(read["count"]),
                    objects=[o for o in objects if isinstance(o, dict)],
                    kept=frozenset(str(k) for k in kept)
                    if isinstance(kept, list)
                    else _LEGACY_KEPT,
                )
            except (KeyError, TypeError, ValueError, AttributeError):
                continue


def _covering(selector: Selector, reads: list[_Read]) -> _Read | None:
    """A complete stored read that saw every object ``selector`` picks; the narrowest one."""
    candidates = [r for r in reads if r.complete and r.covers(selector)]
    if not candidates:
        return None
    return min(candidates, key=lambda r: len(r.objects))


# The fields each meaning-based kind reads, across the objects it looks at.
_KIND_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "selects": (("spec",), ("metadata", "labels")),
    "service": (("spec",), ("metadata", "labels"), ("endpoints",), ("ports",)),
    "probe": (("spec",),),
    "references": (("spec",), ("data",), ("binaryData",)),
    "permissions": (("rules",),),
    "rollout": (("spec",), ("status",), ("metadata", "annotations"), ("metadata", "generation"),
                ("metadata", "ownerReferences")),
    "tolerates": (("spec",),),
    "binds": (("spec",), ("status",), ("metadata", "labels")),
}  # fmt: skip


def _fields_not_kept(check: Rule, kept: set[str]) -> list[str]:
    """Top-level (and metadata) fields the check reads that evidence objects do not keep."""
    if check.assertion == "count":
        return []
    if check.assertion in _KIND_FIELDS:
        paths: set[tuple[str, ...]] = set(_KIND_FIELDS[check.assertion])
    elif check.assertion in ("match", "absent"):
        paths = _partial_paths(check.argument)
    else:
        # `expr` compiled to (expression, comparison); a regradable extension (`some`) to
        # its expression alone.
        expression = check.compiled[0] if check.assertion == "expr" else check.compiled
        found = _root_paths(expression.parsed)
        if found is None:
            return ["@ (the whole object)"]
        paths = found
    return sorted({".".join(p) for p in paths if not _kept(p, kept)})


def _kept(path: tuple[str, ...], kept: set[str]) -> bool:
    top = path[0]
    if top == "metadata":
        return len(path) > 1 and f"metadata.{path[1]}" in kept
    return top in _ALWAYS or top in kept


def _partial_paths(partial: Any) -> set[tuple[str, ...]]:
    if not isinstance(partial, dict):
        return set()
    paths: set[tuple[str, ...]] = set()
    for key, value in partial.items():
        if key == "metadata" and isinstance(value, dict) and value:
            paths |= {("metadata", str(k)) for k in value}
        else:
            paths.add((str(key),))
    return paths


# JMESPath nodes whose first child is evaluated against the current value and
# the rest against what it produces (projected elements, the piped result).
_LEFT_ONLY = {"projection", "filter_projection", "value_projection", "flatten", "pipe",
              "index_expression", "slice"}  # fmt: skip
_ALL_CHILDREN = {"function_expression", "or_expression", "and_expression", "not_expression",
                 "comparator", "multi_select_list", "multi_select_dict", "key_val_pair"}  # fmt: skip


def _root_paths(node: dict[str, Any]) -> set[tuple[str, ...]] | None:
    """The fields (up to two deep) a JMESPath expression reads from the object; None: all of it."""
    kind = node.get("type")
    children = node.get("children") or []
    if kind == "field":
        return {(str(node["value"]),)}
    if kind == "subexpression":
        leading = []
        for child in children:
            if child.get("type") != "field":
                break
            leading.append(str(child["value"]))
        if leading:
            return {tuple(leading[:2])}
        return _root_paths(children[0])
    if kind in _LEFT_ONLY:
        return _root_paths(children[0]) if children else set()
    if kind in _ALL_CHILDREN:
        paths: set[tuple[str, ...]] = set()
        for child in children:
            found = _root_paths(child)
            if found is None:
                return None
            paths |= found
        return paths
    if kind in ("literal", "index"):
        return set()
    # `@` or identity at the top: the expression reads the whole object.
    return None
