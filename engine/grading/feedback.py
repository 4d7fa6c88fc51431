"""What a failing lab check observed, against what it expected, in a student's words.

Built from a stored check result (its message and evidence) and the check
itself, so the same sentence appears for a graded submission, a live
result and an old submission read back later. A check this module cannot
explain (an assertion it does not know, evidence it does not find) gets
``None`` and the page shows the grader's own message. Every kind of the
assertion language has its explainer: what a Service reaches, a probe, the
references of a workload, what a Role grants, the API server's answers to
access questions, a rollout, tolerations and volume binding.

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
from engine.assertions.compare import NORMALISERS
from engine.assertions.images import ancient, dead_registry, parse_image, short_repository
from engine.assertions.kinds import ProbeRule, ServiceRule, rollout_complete
from engine.assertions.rules import Selector, mismatches
from engine.assertions.workloads import (
    Reference,
    check_reference,
    container_ports,
    mapping,
    pod_shape,
    references_of,
    resolve_port,
)

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
    comparison = rule.compiled[1]
    found = evidence.get("found")
    expected = _expr_expected(comparison, evidence)
    observed = _expr_observed(comparison, found)
    subject = _expr_subject(rule, evidence, found)
    what = f"`{evidence['expr']}`"
    summary = f"{subject}{what} is {observed}; the lab expects {expected}."
    return Explanation(summary[0].upper() + summary[1:], [Comparison(what, expected, observed)])


_MODE_WORDS = {
    "text": "as text", "number": "as a number", "quantity": "as a quantity",
    "version": "as a version", "hostname": "as a host name", "cron": "by when it runs",
    "set": "in any order", "selector": "by what it selects",
}  # fmt: skip
_FACT_WORDS = {
    "namespace": "your lab namespace",
    "serverVersion": "the API server's version",
    "nodeCount": "the number of nodes in the cluster",
}


def _expr_expected(comparison: Any, evidence: Mapping[str, Any]) -> str:
    key, wanted, mode = comparison.key, comparison.expected, comparison.mode
    if key == "image":
        return _image_wanted(comparison.image)
    if key == "items":
        return f"exactly the items {_inline(wanted)}"
    if key == "fact":
        value = (evidence.get("facts") or {}).get(wanted)
        words = _FACT_WORDS.get(wanted, f"the cluster's {wanted}")
        return words if value is None else f"{_inline(value)} ({words})"
    if mode == "base64" and key in ("equals", "in"):
        values = wanted if key == "in" else [wanted]
        shown = " or ".join(_inline(v) for v in values)
        return f"base64 of {shown}"
    text = _expected_value(key, wanted)
    if mode in _MODE_WORDS and key != "exists":
        text += f" (compared {_MODE_WORDS[mode]})"
    return text


def _expr_observed(comparison: Any, found: Any) -> str:
    if found is None:
        return "not set"
    observed = _inline(found)
    if comparison.mode == "base64":
        decoded = NORMALISERS["base64"](found)
        observed += (
            " (not base64)"
            if decoded is None
            else f", which decodes to {_inline(json.dumps(decoded))}"
        )
    if comparison.key == "image":
        ref = parse_image(found)
        note = (dead_registry(ref) or ancient(ref)) if ref and comparison.image.current else None
        if note:
            observed += f" ({note})"
    return observed


def _image_wanted(image: Any) -> str:
    text = "an image of " + " or ".join(f"`{short_repository(r)}`" for r in image.repositories)
    if image.tags:
        text += " tagged " + " or ".join(f"`{t}`" for t in image.tags)
    if image.version is not None:
        text += f", version {'.'.join(map(str, image.version))}"
    if image.at_least is not None:
        text += f", version {'.'.join(map(str, image.at_least))} or newer"
    return text


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
    also = evidence.get("also_selected")
    if also:
        others = _listed(also)
        summary = (
            f"{source} selects {chosen}, which also picks {others}; the lab expects only {pods}."
        )
        return Explanation(
            summary, [Comparison(f"Pods {source} selects", f"only {pods}", f"also {others}")]
        )
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
    answers = evidence.get("subjectAccessReviews")
    if not isinstance(answers, list):
        answers = [evidence.get("subjectAccessReview") or {}]
    if any(a.get("allowed") is None for a in answers):
        return None  # not answerable with these credentials: the message says so
    found: list[tuple[Comparison, str]] = []
    for item, answer in zip(rule.compiled, answers, strict=False):
        if answer["allowed"] == item.allowed:
            continue
        who = (
            f"ServiceAccount `{item.service_account}`"
            if item.service_account
            else f"user `{item.user}`"
        )
        what = f"`{item.request.describe()}`"
        where = f"in the namespace `{item.namespace}`" if item.namespace else "in your namespace"
        actual = "may" if answer["allowed"] else "may not"
        expected = "may" if item.allowed else "may not"
        found.append(
            (
                Comparison(f"May {who} {what} {where}?", expected, actual),
                f"the API server says {who} {actual} {what} {where}; the lab expects that it {expected}",
            )
        )
    if not found:
        return None
    return _sentences("", found)


def _service(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    services = evidence.get("objects") or []
    if not services:
        return _none_found(rule, evidence)
    want: ServiceRule = rule.compiled
    service = services[0]
    spec = mapping(service.get("spec"))
    found: list[tuple[Comparison, str]] = []
    kind = evidence.get("type", spec.get("type", "ClusterIP"))
    if want.type and kind != want.type:
        found.append(
            (
                Comparison("Type", f"`{want.type}`", f"`{kind}`"),
                f"it is a `{kind}` Service; the lab expects `{want.type}`",
            )
        )
    if kind == "ExternalName":
        return _sentences(f"{_object(service)}: ", found)
    ports = [mapping(p) for p in spec.get("ports") or []]
    if want.judges_port and "port" not in evidence:
        wanted = f"port {want.port}" if want.port is not None else "a single port"
        have = ", ".join(f"`{p.get('port')}`" for p in ports) or "none"
        found.append(
            (
                Comparison("Port", wanted, have),
                f"it has no {wanted} (its ports: {have}); the lab expects one",
            )
        )
        return _sentences(f"{_object(service)}: ", found)
    port = next((p for p in ports if p.get("port") == evidence.get("port")), {})
    protocol = port.get("protocol", "TCP")
    if want.protocol and port and protocol != want.protocol:
        found.append(
            (
                Comparison(f"Protocol of port {port.get('port')}", f"`{want.protocol}`", f"`{protocol}`"),
                f"port {port.get('port')} is `{protocol}`; the lab expects `{want.protocol}`",
            )
        )  # fmt: skip
    if want.node_port is not None and port and port.get("nodePort") != want.node_port:
        have = f"`{port.get('nodePort')}`" if port.get("nodePort") else "not set"
        found.append(
            (
                Comparison("Node port", f"`{want.node_port}`", have),
                f"its node port is {have}; the lab expects `{want.node_port}`",
            )
        )
    found += _service_pods(want, evidence, _object(service))
    return _sentences(f"{_object(service)}: ", found)


def _service_pods(
    want: ServiceRule, evidence: Mapping[str, Any], source: str
) -> list[tuple[Comparison, str]]:
    """Which Pods the Service reaches, on which port, with how many endpoints."""
    if not want.judges_pods or "selector" not in evidence:
        return []
    pods = _pods_of(want.target) if want.target is not None else "the Pods of the lab"
    selector = evidence["selector"]
    if selector is None:
        return [
            (
                Comparison(f"{source} selects", pods, "nothing (no selector)"),
                f"it has no selector, so it selects no Pods; the lab expects {pods}",
            )
        ]
    chosen = _selector_text({"matchLabels": selector})
    if want.target is not None and "pods" not in evidence:
        target = _described(want.target)
        return [
            (
                Comparison(target, "present", "none"),
                f"there is no {target} in your namespace for it to select",
            )
        ]
    found: list[tuple[Comparison, str]] = []
    if "target_labels" in evidence:
        labels = _labels(evidence["target_labels"])
        found.append(
            (
                Comparison(f"{source} selects", f"the labels of {pods}", chosen),
                f"it selects {chosen}, but {pods} are labelled {labels}",
            )
        )
        found.append((Comparison(f"Labels of {pods}", f"all of {chosen}", labels), ""))
    if evidence.get("also_selected"):
        others = _listed(evidence["also_selected"])
        found.append(
            (
                Comparison("Pods it selects", f"only {pods}", f"also {others}"),
                f"it also selects {others}; the lab expects only {pods}",
            )
        )
    if not evidence.get("pods"):
        found.append(
            (
                Comparison("Pods it selects", pods, f"none: {chosen} matches no Pod"),
                f"it selects {chosen}, which matches no Pod in your namespace",
            )
        )
        return found
    found += _service_ports(want, evidence)
    return found


def _service_ports(want: ServiceRule, evidence: Mapping[str, Any]) -> list[tuple[Comparison, str]]:
    found: list[tuple[Comparison, str]] = []
    port = evidence.get("port")
    if want.target_port is not None and "targetPort" in evidence:
        target_port = evidence["targetPort"]
        reaches = evidence.get("reaches")
        if reaches is None:
            found.append(
                (
                    Comparison("`targetPort`", f"port {want.target_port} of the Pods",
                               f"`{target_port}`, which the Pods do not declare"),
                    f"its `targetPort` `{target_port}` is not a port the Pods declare; the lab expects port {want.target_port} of the Pods",
                )
            )  # fmt: skip
        elif list(reaches) != [want.target_port]:
            shown = ", ".join(str(n) for n in reaches)
            found.append(
                (
                    Comparison(f"Where port {port} leads", f"port {want.target_port} of the Pods", f"port {shown}"),
                    f"port {port} reaches port {shown} of the Pods; the lab expects port {want.target_port}",
                )
            )  # fmt: skip
    numbers = evidence.get("endpoint_ports") or []
    if want.target_port is not None and numbers and want.target_port not in numbers:
        shown = ", ".join(str(n) for n in numbers)
        found.append(
            (
                Comparison("Port in its EndpointSlice", f"{want.target_port}", shown),
                f"its EndpointSlice sends port {port} to port {shown} of the Pods; the lab expects {want.target_port}",
            )
        )  # fmt: skip
    count = evidence.get("ready_endpoints")
    if want.endpoints is not None and count is not None and not _within(count, want.endpoints):
        expected = _bounds_text(want.endpoints)
        found.append(
            (
                Comparison("Ready endpoints", expected, str(count)),
                f"it has {count} ready endpoint{'s' if count != 1 else ''}; the lab expects {expected}",
            )
        )
    return found


def _probe(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    objects = evidence.get("objects") or []
    if not objects:
        return _none_found(rule, evidence)
    want: ProbeRule = rule.compiled
    obj = objects[0]
    expected = _probe_wanted(want)
    field_name = f"{want.type}Probe"
    shape = pod_shape(obj)
    containers = shape.containers() if shape else []
    container = shape.container(want.container) if shape else None
    if container is None:
        have = ", ".join(f"`{c.get('name')}`" for c in containers) or "none"
        if want.container:
            wanted = f"a container named `{want.container}`"
            sentence = f"it has no container named `{want.container}` (its containers: {have})"
        else:
            wanted = "exactly one container"
            sentence = f"it does not have exactly one container (its containers: {have})"
        return _sentences(f"{_object(obj)}: ", [(Comparison("Containers", wanted, have), sentence)])
    what = f"`{field_name}` of container `{container.get('name')}`"
    probe = container.get(field_name)
    if not isinstance(probe, dict):
        return _sentences(
            f"{_object(obj)}: ",
            [
                (
                    Comparison(what, expected, "none"),
                    f"the {what} is not set; the lab expects {expected}",
                )
            ],
        )
    observed = _probe_observed(probe, container)
    return _sentences(
        f"{_object(obj)}: ",
        [
            (
                Comparison(what, expected, observed),
                f"the {what} is {observed}; the lab expects {expected}",
            )
        ],
    )


_PROBE_ACTIONS = ("httpGet", "tcpSocket", "exec", "grpc")


def _probe_wanted(want: ProbeRule) -> str:
    text = f"`{want.action}`" if want.action else f"a {want.type} probe"
    if want.port is not None:
        text += f" on port {want.port}"
    if want.path is not None:
        text += f", path `{want.path}`"
    if want.command is not None:
        text += f", running {_inline(list(want.command))}"
    return text


def _probe_observed(probe: Mapping[str, Any], container: dict[str, Any]) -> str:
    action = next((a for a in _PROBE_ACTIONS if isinstance(probe.get(a), dict)), None)
    if action is None:
        return "a probe with no action"
    handler = probe[action]
    text = f"`{action}`"
    if action in ("httpGet", "tcpSocket", "grpc"):
        port = handler.get("port")
        resolved = resolve_port(port, container_ports(container))
        if resolved.number is None or not resolved.declared:
            text += f" on port `{port}` (not a port the container declares)"
        elif str(port) != str(resolved.number):
            text += f" on port `{port}` ({resolved.number})"
        else:
            text += f" on port {resolved.number}"
    if action == "httpGet":
        text += f", path `{handler.get('path') or '/'}`"
    if action == "exec":
        text += f", running {_inline(handler.get('command'))}"
    return text


def _references(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    objects = evidence.get("objects") or []
    if not objects:
        return _none_found(rule, evidence)
    obj = objects[0]
    kinds: tuple[str, ...] = rule.compiled
    refs = [r for r in references_of(obj) if r.kind in kinds]
    source = _object(obj)
    if not refs:
        wanted = " or ".join(kinds)
        return _sentences(
            f"{source}: ",
            [(Comparison(f"What {source} uses", f"a {wanted}", "none"), f"it uses no {wanted}")],
        )
    read = _read_objects(evidence)
    if read is None:
        # More objects than the evidence keeps: the grader's own sentences.
        problems = [str(p) for p in evidence.get("problems") or []]
        if not problems:
            return None
        return _sentences(
            f"{source}: ",
            [(Comparison("Reference", "an object that exists", p), p) for p in problems],
        )
    found = [_reference_gap(ref, read) for ref in refs if check_reference(read, ref)]
    return _sentences(f"{source}: ", found) if found else None


def _read_objects(evidence: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The other objects a check read, when the evidence keeps all of them."""
    objects: list[dict[str, Any]] = []
    for entry in evidence.get("reads") or []:
        kept = entry.get("objects") or []
        if len(kept) < int((entry.get("read") or {}).get("count", 0)):
            return None
        objects += kept
    return objects


def _reference_gap(ref: Reference, objects: list[dict[str, Any]]) -> tuple[Comparison, str]:
    target = next(
        (o for o in objects if o.get("kind") == ref.kind and _meta(o).get("name") == ref.name), None
    )
    wanted = f"{ref.kind} `{ref.name}`"
    if target is not None and ref.key is not None:
        wanted += f", port `{ref.key}`" if ref.kind == "Service" else f", key `{ref.key}`"
    if target is None:
        others = sorted(str(_meta(o).get("name")) for o in objects if o.get("kind") == ref.kind)
        have = "it does not exist" + (f" (there is {_listed(others)})" if others else "")
        observed = "none" + (f"; there is {_listed(others)}" if others else "")
        return Comparison(ref.where, wanted, observed), f"{ref.where} uses {wanted}, but {have}"
    if ref.kind == "Service":
        ports = [mapping(p) for p in mapping(target.get("spec")).get("ports") or []]
        have = ", ".join(f"`{p.get('name') or p.get('port')}`" for p in ports) or "none"
        observed = f"its ports: {have}"
    else:
        keys = sorted(
            str(k) for f in ("data", "binaryData", "stringData") for k in mapping(target.get(f))
        )
        have = ", ".join(f"`{k}`" for k in keys) or "none"
        observed = f"its keys: {have}"
    return (
        Comparison(ref.where, wanted, observed),
        f"{ref.where} uses {wanted}, but {ref.kind} `{ref.name}` has no such {'port' if ref.kind == 'Service' else 'key'} ({observed})",
    )


def _permissions(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    roles = evidence.get("objects") or []
    if not roles:
        return _none_found(rule, evidence)
    role = roles[0]
    grants, _unused = rule.compiled
    wanted = "; ".join(_grant_text(g.verbs, g.resources, g.groups) for g in grants)
    rules = [mapping(r) for r in role.get("rules") or []]
    granted = "; ".join(
        _grant_text(r.get("verbs") or [], r.get("resources") or r.get("nonResourceURLs") or [],
                    r.get("apiGroups") or [""])
        for r in rules
    ) or "nothing"  # fmt: skip
    source = _object(role)
    missing = evidence.get("missing") or []
    if missing:
        shown = ", ".join(f"`{m}`" for m in missing[:6])
        return _sentences(
            f"{source}: ",
            [
                (Comparison(f"What {source} allows", wanted, granted),
                 f"it does not allow {shown}; the lab expects {wanted}"),
            ],
        )  # fmt: skip
    extra = evidence.get("excess") or []
    if extra:
        shown = "; ".join(f"`{e}`" for e in extra[:6])
        return _sentences(
            f"{source}: ",
            [
                (Comparison(f"What {source} allows", f"{wanted}, and nothing more", granted),
                 f"it allows more than needed: {shown}; the lab expects {wanted} and nothing more"),
                (Comparison("Allowed beyond that", "nothing", shown), ""),
            ],
        )  # fmt: skip
    return None


def _grant_text(verbs: Iterable[Any], resources: Iterable[Any], groups: Iterable[Any]) -> str:
    named = [str(g) for g in groups]
    where = (
        ""
        if named in ([""], [])
        else " (API group " + ", ".join(f"`{g or 'core'}`" for g in named) + ")"
    )
    return f"`{', '.join(map(str, verbs))}` on `{', '.join(map(str, resources))}`{where}"  # fmt: skip


def _rollout(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    deployments = evidence.get("objects") or []
    if not deployments:
        return _none_found(rule, evidence)
    deployment = deployments[0]
    want = rule.compiled
    found: list[tuple[Comparison, str]] = []
    if "revision" in want:
        revision = evidence.get("revision")
        if revision is None or not _within(revision, want["revision"]):
            expected = _bounds_text(want["revision"])
            shown = str(revision) if revision is not None else "none"
            found.append(
                (
                    Comparison("Revision (`kubectl rollout history`)", expected, shown),
                    f"it is at revision {shown}; the lab expects {expected}",
                )
            )
    if "replicaSets" in want:
        owned = len(evidence.get("replicaSets") or [])
        if not _within(owned, want["replicaSets"]):
            expected = _bounds_text(want["replicaSets"])
            found.append(
                (
                    Comparison("ReplicaSets it owns", expected, str(owned)),
                    f"it owns {owned} ReplicaSet{'s' if owned != 1 else ''}; the lab expects {expected}",
                )
            )
    if want.get("complete") and not rollout_complete(deployment):
        status = mapping(deployment.get("status"))
        replicas = mapping(deployment.get("spec")).get("replicas", 1)
        shown = (
            f"{status.get('updatedReplicas', 0)} of {replicas} updated, "
            f"{status.get('availableReplicas', 0)} available"
        )
        found.append(
            (
                Comparison("Rollout (`kubectl rollout status`)", "complete", shown),
                f"its rollout is not complete ({shown}); the lab expects it complete",
            )
        )
    if want.get("rolledBack") and "revisionHistory" in evidence and not evidence["revisionHistory"]:
        found.append(
            (
                Comparison("Pod template", "an earlier revision's, brought back by `kubectl rollout undo`", "a new one (no rollback)"),
                "its Pod template is not one of an earlier revision; the lab expects a rollback",
            )
        )  # fmt: skip
    return _sentences(f"{_object(deployment)}: ", found) if found else None


def _tolerates(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    objects = evidence.get("objects") or []
    if not objects:
        return _none_found(rule, evidence)
    if "tolerations" not in evidence:
        return None
    taint = rule.compiled
    shown = (
        f"`{taint['key']}"
        + (f"={taint['value']}" if taint.get("value") else "")
        + f":{taint['effect']}`"
    )
    tolerations = evidence["tolerations"]
    have = _inline(tolerations) if tolerations else "none"
    return _sentences(
        "",
        [
            (Comparison("Tolerations", f"one for the taint {shown}", have),
             f"the Pods of {_object(objects[0])} do not tolerate the taint {shown} "
             f"(their tolerations: {have}); the lab expects them to"),
        ],
    )  # fmt: skip


def _binds(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    claims = evidence.get("objects") or []
    if not claims:
        return _none_found(rule, evidence)
    volume = f"PersistentVolume `{rule.compiled}`"
    if "volume" not in evidence:
        return Explanation(
            f"There is no {volume} for the claim to bind to; the lab expects one.",
            [Comparison(volume, "present", "none")],
        )
    claim = claims[0]
    phase = mapping(claim.get("status")).get("phase")
    bound = mapping(claim.get("spec")).get("volumeName")
    # A claim read from a cluster says whether it bound, and to which volume.
    observed = f"`{phase or 'Pending'}`" + (f", bound to `{bound}`" if bound else "")
    return _sentences(
        f"{_object(claim)}: ",
        [
            (
                Comparison("Binds to", volume, observed),
                f"it is {observed}; the lab expects it bound to {volume}",
            )
        ],
    )


_EXPLAINERS = {
    "count": _count,
    "match": _match,
    "absent": _absent,
    "expr": _expr,
    "selects": _selects,
    "access": _access,
    "service": _service,
    "probe": _probe,
    "references": _references,
    "permissions": _permissions,
    "rollout": _rollout,
    "tolerates": _tolerates,
    "binds": _binds,
}


# --- helpers ------------------------------------------------------------------------------


def _sentences(subject: str, found: list[tuple[Comparison, str]]) -> Explanation | None:
    """The first difference as the summary (after ``subject``), every one as a comparison."""
    if not found:
        return None
    first = subject + found[0][1]
    summary = first[0].upper() + first[1:] + "."
    more = sum(1 for _n, sentence in found[1:] if sentence)
    if more:
        summary += f" ({more} more difference{'s' if more > 1 else ''} below.)"
    return Explanation(summary, [comparison for comparison, _s in found])


def _within(n: int, bounds: Mapping[str, int]) -> bool:
    return n == bounds.get("equals", n) and n >= bounds.get("min", n) and n <= bounds.get("max", n)


def _bounds_text(bounds: Mapping[str, int]) -> str:
    words = {"equals": "exactly", "min": "at least", "max": "at most"}
    return " and ".join(f"{words[k]} {v}" for k, v in bounds.items())


def _listed(names: Iterable[Any]) -> str:
    """Names from the grader's words (`Pod web-1`, `the Pods of Deployment db`) with code marks."""
    shown = []
    for name in list(names)[:3]:
        text = str(name)
        head, _sep, last = text.rpartition(" ")
        shown.append(f"{head} `{last}`" if head else f"`{text}`")
    return ", ".join(shown)


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
