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
from engine.i18n import N_, _, ngettext

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
    waited = evidence.get("waited")
    if waited is None:
        timed_out = _TIMED_OUT.match(str(result.get("message") or ""))
        waited = timed_out.group(1) if timed_out else None
    if waited is not None:
        return Explanation(
            _("After waiting {seconds} s: {summary}").format(
                seconds=waited, summary=_lower_first(explanation.summary)
            ),
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
    expected = _bounds_text(want)
    names = _names(evidence.get("objects"))
    observed = f"{found}" + (f" ({names})" if names else "")
    summary = _("Your namespace has {count} {what}{names}; the lab expects {expected}.").format(
        count=found,
        what=_plural(rule.select, found),
        names=f" ({names})" if names else "",
        expected=expected,
    )
    if found == 0 and evidence.get("nearby"):
        summary += " " + _("It has {objects}.").format(
            objects=_kind_list(rule.select.kind, evidence["nearby"])
        )
    return Explanation(summary, [Comparison(_how_many(rule.select), expected, observed)])


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
    summary = _("{object}: {what} is {observed}; the lab expects {expected}.").format(
        object=_object(failing), what=first.what, observed=first.observed, expected=first.expected
    )
    if len(comparisons) > 1:
        summary += _more(len(comparisons) - 1)
    return Explanation(summary, comparisons)


def _absent(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    if not rule.argument:
        names = _names(evidence.get("objects"))
        found = int(evidence.get("selected", 0))
        summary = _("Your namespace has {count} {what}{names}; the lab expects none.").format(
            count=found, what=_plural(rule.select, found), names=f" ({names})" if names else ""
        )
        return Explanation(summary, [Comparison(_how_many(rule.select), _("none"), str(found))])
    offenders = [str(o).strip('"') for o in evidence.get("offenders") or []]
    if not offenders:
        return None
    shown = ", ".join(f"`{o}`" for o in offenders)
    unwanted = _inline(rule.argument)
    summary = ngettext(
        "{kind} {names} has {fields}; the lab expects no {what} to have it.",
        "{kind} {names} have {fields}; the lab expects no {what} to have it.",
        len(offenders),
    ).format(kind=rule.select.kind, names=shown, fields=unwanted, what=rule.select.describe())
    what = _("{kind} with {fields}").format(kind=rule.select.kind, fields=unwanted)
    return Explanation(summary, [Comparison(what, _("none"), shown)])


def _expr(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    if "expr" not in evidence:
        return _none_found(rule, evidence)
    comparison = rule.compiled[1]
    found = evidence.get("found")
    expected = _expr_expected(comparison, evidence)
    observed = _expr_observed(comparison, found)
    subject = _expr_subject(rule, evidence, found)
    what = f"`{evidence['expr']}`"
    summary = subject + _("{what} is {observed}; the lab expects {expected}.").format(
        what=what, observed=observed, expected=expected
    )
    return Explanation(summary[0].upper() + summary[1:], [Comparison(what, expected, observed)])


_MODE_WORDS = {
    "text": N_("as text"), "number": N_("as a number"), "quantity": N_("as a quantity"),
    "version": N_("as a version"), "hostname": N_("as a host name"), "cron": N_("by when it runs"),
    "set": N_("in any order"), "selector": N_("by what it selects"),
}  # fmt: skip
_FACT_WORDS = {
    "namespace": N_("your lab namespace"),
    "serverVersion": N_("the API server's version"),
    "nodeCount": N_("the number of nodes in the cluster"),
}


def _expr_expected(comparison: Any, evidence: Mapping[str, Any]) -> str:
    key, wanted, mode = comparison.key, comparison.expected, comparison.mode
    if key == "image":
        return _image_wanted(comparison.image)
    if key == "items":
        return _("exactly the items {items}").format(items=_inline(wanted))
    if key == "fact":
        value = (evidence.get("facts") or {}).get(wanted)
        words = (
            _(_FACT_WORDS[wanted])
            if wanted in _FACT_WORDS
            else _("the cluster's {fact}").format(fact=wanted)
        )
        return words if value is None else f"{_inline(value)} ({words})"
    if mode == "base64" and key in ("equals", "in"):
        values = wanted if key == "in" else [wanted]
        shown = _(" or ").join(_inline(v) for v in values)
        return _("base64 of {values}").format(values=shown)
    text = _expected_value(key, wanted)
    if mode in _MODE_WORDS and key != "exists":
        text += _(" (compared {how})").format(how=_(_MODE_WORDS[mode]))
    return text


def _expr_observed(comparison: Any, found: Any) -> str:
    if found is None:
        return _("not set")
    observed = _inline(found)
    if comparison.mode == "base64":
        decoded = NORMALISERS["base64"](found)
        observed += (
            _(" (not base64)")
            if decoded is None
            else _(", which decodes to {text}").format(text=_inline(json.dumps(decoded)))
        )
    if comparison.key == "image":
        ref = parse_image(found)
        note = (dead_registry(ref) or ancient(ref)) if ref and comparison.image.current else None
        if note:
            observed += f" ({note})"
    return observed


def _image_wanted(image: Any) -> str:
    repositories = _(" or ").join(f"`{short_repository(r)}`" for r in image.repositories)
    text = _("an image of {repositories}").format(repositories=repositories)
    if image.tags:
        tags = _(" or ").join(f"`{t}`" for t in image.tags)
        text += _(" tagged {tags}").format(tags=tags)
    if image.version is not None:
        text += _(", version {version}").format(version=".".join(map(str, image.version)))
    if image.at_least is not None:
        version = ".".join(map(str, image.at_least))
        text += _(", version {version} or newer").format(version=version)
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
        summary = _("There is no {what} in your namespace for {source} to select.").format(
            what=_described(target), source=source
        )
        return Explanation(summary, [Comparison(_described(target), _("present"), _("none"))])
    selector = evidence["selector"]
    labels = evidence.get("labels") or {}
    if selector is None:
        summary = _("{source} has no selector; the lab expects it to select {pods}.").format(
            source=source, pods=pods
        )
        return Explanation(
            summary,
            [
                Comparison(
                    _("{source} selects").format(source=source), pods, _("nothing (no selector)")
                )
            ],
        )
    chosen = _selector_text(selector)
    also = evidence.get("also_selected")
    if also:
        others = _listed(also)
        summary = _(
            "{source} selects {selector}, which also picks {others}; the lab expects only {pods}."
        ).format(source=source, selector=chosen, others=others, pods=pods)
        return Explanation(
            summary,
            [
                Comparison(
                    _("Pods {source} selects").format(source=source),
                    _("only {pods}").format(pods=pods),
                    _("also {others}").format(others=others),
                )
            ],
        )
    shown_labels = _labels(labels)
    summary = _("{source} selects {selector}; {pods} are labelled {labels}.").format(
        source=source, selector=chosen, pods=pods, labels=shown_labels
    )
    return Explanation(
        summary,
        [
            Comparison(
                _("{source} selects").format(source=source),
                _("the labels of {pods}").format(pods=pods),
                chosen,
            ),
            Comparison(
                _("Labels of {pods}").format(pods=pods),
                _("all of {selector}").format(selector=chosen),
                shown_labels,
            ),
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
            _("ServiceAccount `{name}`").format(name=item.service_account)
            if item.service_account
            else _("user `{name}`").format(name=item.user)
        )
        what = f"`{item.request.describe()}`"
        where = (
            _("in the namespace `{namespace}`").format(namespace=item.namespace)
            if item.namespace
            else _("in your namespace")
        )
        actual = _("may") if answer["allowed"] else _("may not")
        expected = _("may") if item.allowed else _("may not")
        sentence = (
            _("the API server says {who} may {request} {where}; the lab expects that it may not")
            if answer["allowed"]
            else _(
                "the API server says {who} may not {request} {where}; the lab expects that it may"
            )
        )
        found.append(
            (
                Comparison(
                    _("May {who} {request} {where}?").format(who=who, request=what, where=where),
                    expected,
                    actual,
                ),
                sentence.format(who=who, request=what, where=where),
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
                Comparison(_("Type"), f"`{want.type}`", f"`{kind}`"),
                _("it is a `{type}` Service; the lab expects `{expected}`").format(
                    type=kind, expected=want.type
                ),
            )
        )
    if kind == "ExternalName":
        return _sentences(f"{_object(service)}: ", found)
    ports = [mapping(p) for p in spec.get("ports") or []]
    if want.judges_port and "port" not in evidence:
        wanted = (
            _("port {port}").format(port=want.port) if want.port is not None else _("a single port")
        )
        have = ", ".join(f"`{p.get('port')}`" for p in ports) or _("none")
        found.append(
            (
                Comparison(_("Port"), wanted, have),
                _("it has no {which} (its ports: {ports}); the lab expects one").format(
                    which=wanted, ports=have
                ),
            )
        )
        return _sentences(f"{_object(service)}: ", found)
    port = next((p for p in ports if p.get("port") == evidence.get("port")), {})
    protocol = port.get("protocol", "TCP")
    if want.protocol and port and protocol != want.protocol:
        found.append(
            (
                Comparison(_("Protocol of port {port}").format(port=port.get("port")), f"`{want.protocol}`", f"`{protocol}`"),
                _("port {port} is `{protocol}`; the lab expects `{expected}`").format(
                    port=port.get("port"), protocol=protocol, expected=want.protocol
                ),
            )
        )  # fmt: skip
    if want.node_port is not None and port and port.get("nodePort") != want.node_port:
        have = f"`{port.get('nodePort')}`" if port.get("nodePort") else _("not set")
        found.append(
            (
                Comparison(_("Node port"), f"`{want.node_port}`", have),
                _("its node port is {found}; the lab expects `{expected}`").format(
                    found=have, expected=want.node_port
                ),
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
    pods = _pods_of(want.target) if want.target is not None else _("the Pods of the lab")
    selector = evidence["selector"]
    if selector is None:
        return [
            (
                Comparison(
                    _("{source} selects").format(source=source), pods, _("nothing (no selector)")
                ),
                _("it has no selector, so it selects no Pods; the lab expects {pods}").format(
                    pods=pods
                ),
            )
        ]
    chosen = _selector_text({"matchLabels": selector})
    if want.target is not None and "pods" not in evidence:
        target = _described(want.target)
        return [
            (
                Comparison(target, _("present"), _("none")),
                _("there is no {what} in your namespace for it to select").format(what=target),
            )
        ]
    found: list[tuple[Comparison, str]] = []
    if "target_labels" in evidence:
        labels = _labels(evidence["target_labels"])
        found.append(
            (
                Comparison(
                    _("{source} selects").format(source=source),
                    _("the labels of {pods}").format(pods=pods),
                    chosen,
                ),
                _("it selects {selector}, but {pods} are labelled {labels}").format(
                    selector=chosen, pods=pods, labels=labels
                ),
            )
        )
        found.append(
            (
                Comparison(
                    _("Labels of {pods}").format(pods=pods),
                    _("all of {selector}").format(selector=chosen),
                    labels,
                ),
                "",
            )
        )
    if evidence.get("also_selected"):
        others = _listed(evidence["also_selected"])
        found.append(
            (
                Comparison(
                    _("Pods it selects"),
                    _("only {pods}").format(pods=pods),
                    _("also {others}").format(others=others),
                ),
                _("it also selects {others}; the lab expects only {pods}").format(
                    others=others, pods=pods
                ),
            )
        )
    if not evidence.get("pods"):
        found.append(
            (
                Comparison(
                    _("Pods it selects"),
                    pods,
                    _("none: {selector} matches no Pod").format(selector=chosen),
                ),
                _("it selects {selector}, which matches no Pod in your namespace").format(
                    selector=chosen
                ),
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
                    Comparison("`targetPort`", _("port {port} of the Pods").format(port=want.target_port),
                               _("`{port}`, which the Pods do not declare").format(port=target_port)),
                    _("its `targetPort` `{port}` is not a port the Pods declare; the lab expects port {expected} of the Pods").format(
                        port=target_port, expected=want.target_port
                    ),
                )
            )  # fmt: skip
        elif list(reaches) != [want.target_port]:
            shown = ", ".join(str(n) for n in reaches)
            found.append(
                (
                    Comparison(_("Where port {port} leads").format(port=port),
                               _("port {port} of the Pods").format(port=want.target_port),
                               _("port {port}").format(port=shown)),
                    _("port {port} reaches port {target} of the Pods; the lab expects port {expected}").format(
                        port=port, target=shown, expected=want.target_port
                    ),
                )
            )  # fmt: skip
    numbers = evidence.get("endpoint_ports") or []
    if want.target_port is not None and numbers and want.target_port not in numbers:
        shown = ", ".join(str(n) for n in numbers)
        found.append(
            (
                Comparison(_("Port in its EndpointSlice"), f"{want.target_port}", shown),
                _("its EndpointSlice sends port {port} to port {target} of the Pods; the lab expects {expected}").format(
                    port=port, target=shown, expected=want.target_port
                ),
            )
        )  # fmt: skip
    count = evidence.get("ready_endpoints")
    if want.endpoints is not None and count is not None and not _within(count, want.endpoints):
        expected = _bounds_text(want.endpoints)
        found.append(
            (
                Comparison(_("Ready endpoints"), expected, str(count)),
                ngettext(
                    "it has {count} ready endpoint; the lab expects {expected}",
                    "it has {count} ready endpoints; the lab expects {expected}",
                    count,
                ).format(count=count, expected=expected),
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
        have = ", ".join(f"`{c.get('name')}`" for c in containers) or _("none")
        if want.container:
            wanted = _("a container named `{name}`").format(name=want.container)
            sentence = _("it has no container named `{name}` (its containers: {have})").format(
                name=want.container, have=have
            )
        else:
            wanted = _("exactly one container")
            sentence = _("it does not have exactly one container (its containers: {have})").format(
                have=have
            )
        return _sentences(
            f"{_object(obj)}: ", [(Comparison(_("Containers"), wanted, have), sentence)]
        )
    what = _("`{field}` of container `{name}`").format(field=field_name, name=container.get("name"))
    probe = container.get(field_name)
    if not isinstance(probe, dict):
        return _sentences(
            f"{_object(obj)}: ",
            [
                (
                    Comparison(what, expected, _("none")),
                    _("the {what} is not set; the lab expects {expected}").format(
                        what=what, expected=expected
                    ),
                )
            ],
        )
    observed = _probe_observed(probe, container)
    return _sentences(
        f"{_object(obj)}: ",
        [
            (
                Comparison(what, expected, observed),
                _("the {what} is {observed}; the lab expects {expected}").format(
                    what=what, observed=observed, expected=expected
                ),
            )
        ],
    )


_PROBE_ACTIONS = ("httpGet", "tcpSocket", "exec", "grpc")


def _probe_wanted(want: ProbeRule) -> str:
    text = f"`{want.action}`" if want.action else _("a {type} probe").format(type=want.type)
    if want.port is not None:
        text += _(" on port {port}").format(port=want.port)
    if want.path is not None:
        text += _(", path `{path}`").format(path=want.path)
    if want.command is not None:
        text += _(", running {command}").format(command=_inline(list(want.command)))
    return text


def _probe_observed(probe: Mapping[str, Any], container: dict[str, Any]) -> str:
    action = next((a for a in _PROBE_ACTIONS if isinstance(probe.get(a), dict)), None)
    if action is None:
        return _("a probe with no action")
    handler = probe[action]
    text = f"`{action}`"
    if action in ("httpGet", "tcpSocket", "grpc"):
        port = handler.get("port")
        resolved = resolve_port(port, container_ports(container))
        if resolved.number is None or not resolved.declared:
            text += _(" on port `{port}` (not a port the container declares)").format(port=port)
        elif str(port) != str(resolved.number):
            text += _(" on port `{port}` ({number})").format(port=port, number=resolved.number)
        else:
            text += _(" on port {port}").format(port=resolved.number)
    if action == "httpGet":
        text += _(", path `{path}`").format(path=handler.get("path") or "/")
    if action == "exec":
        text += _(", running {command}").format(command=_inline(handler.get("command")))
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
        wanted = _(" or ").join(kinds)
        return _sentences(
            f"{source}: ",
            [
                (
                    Comparison(
                        _("What {source} uses").format(source=source),
                        _("a {kinds}").format(kinds=wanted),
                        _("none"),
                    ),
                    _("it uses no {kinds}").format(kinds=wanted),
                )
            ],
        )
    read = _read_objects(evidence)
    if read is None:
        # More objects than the evidence keeps: the grader's own sentences.
        problems = [str(p) for p in evidence.get("problems") or []]
        if not problems:
            return None
        return _sentences(
            f"{source}: ",
            [(Comparison(_("Reference"), _("an object that exists"), p), p) for p in problems],
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
        wanted += (
            _(", port `{port}`").format(port=ref.key)
            if ref.kind == "Service"
            else _(", key `{key}`").format(key=ref.key)
        )
    if target is None:
        others = sorted(str(_meta(o).get("name")) for o in objects if o.get("kind") == ref.kind)
        have = _("it does not exist") + (
            _(" (there is {others})").format(others=_listed(others)) if others else ""
        )
        observed = _("none") + (
            _("; there is {others}").format(others=_listed(others)) if others else ""
        )
        sentence = _("{where} uses {wanted}, but {have}").format(
            where=ref.where, wanted=wanted, have=have
        )
        return Comparison(ref.where, wanted, observed), sentence
    if ref.kind == "Service":
        ports = [mapping(p) for p in mapping(target.get("spec")).get("ports") or []]
        have = ", ".join(f"`{p.get('name') or p.get('port')}`" for p in ports) or _("none")
        observed = _("its ports: {ports}").format(ports=have)
        sentence = _("{where} uses {wanted}, but {kind} `{name}` has no such port ({observed})")
    else:
        keys = sorted(
            str(k) for f in ("data", "binaryData", "stringData") for k in mapping(target.get(f))
        )
        have = ", ".join(f"`{k}`" for k in keys) or _("none")
        observed = _("its keys: {keys}").format(keys=have)
        sentence = _("{where} uses {wanted}, but {kind} `{name}` has no such key ({observed})")
    return (
        Comparison(ref.where, wanted, observed),
        sentence.format(
            where=ref.where, wanted=wanted, kind=ref.kind, name=ref.name, observed=observed
        ),
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
    ) or _("nothing")  # fmt: skip
    source = _object(role)
    missing = evidence.get("missing") or []
    if missing:
        shown = ", ".join(f"`{m}`" for m in missing[:6])
        return _sentences(
            f"{source}: ",
            [
                (Comparison(_("What {source} allows").format(source=source), wanted, granted),
                 _("it does not allow {missing}; the lab expects {wanted}").format(missing=shown, wanted=wanted)),
            ],
        )  # fmt: skip
    extra = evidence.get("excess") or []
    if extra:
        shown = "; ".join(f"`{e}`" for e in extra[:6])
        return _sentences(
            f"{source}: ",
            [
                (Comparison(_("What {source} allows").format(source=source),
                            _("{wanted}, and nothing more").format(wanted=wanted), granted),
                 _("it allows more than needed: {extra}; the lab expects {wanted} and nothing more").format(
                     extra=shown, wanted=wanted)),
                (Comparison(_("Allowed beyond that"), _("nothing"), shown), ""),
            ],
        )  # fmt: skip
    return None


def _grant_text(verbs: Iterable[Any], resources: Iterable[Any], groups: Iterable[Any]) -> str:
    named = [str(g) for g in groups]
    where = (
        ""
        if named in ([""], [])
        else _(" (API group {groups})").format(groups=", ".join(f"`{g or 'core'}`" for g in named))
    )
    return _("`{verbs}` on `{resources}`{where}").format(
        verbs=", ".join(map(str, verbs)), resources=", ".join(map(str, resources)), where=where
    )


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
            shown = str(revision) if revision is not None else _("none")
            found.append(
                (
                    Comparison(_("Revision (`kubectl rollout history`)"), expected, shown),
                    _("it is at revision {revision}; the lab expects {expected}").format(
                        revision=shown, expected=expected
                    ),
                )
            )
    if "replicaSets" in want:
        owned = len(evidence.get("replicaSets") or [])
        if not _within(owned, want["replicaSets"]):
            expected = _bounds_text(want["replicaSets"])
            found.append(
                (
                    Comparison(_("ReplicaSets it owns"), expected, str(owned)),
                    ngettext(
                        "it owns {count} ReplicaSet; the lab expects {expected}",
                        "it owns {count} ReplicaSets; the lab expects {expected}",
                        owned,
                    ).format(count=owned, expected=expected),
                )
            )
    if want.get("complete") and not rollout_complete(deployment):
        status = mapping(deployment.get("status"))
        replicas = mapping(deployment.get("spec")).get("replicas", 1)
        shown = _("{updated} of {replicas} updated, {available} available").format(
            updated=status.get("updatedReplicas", 0),
            replicas=replicas,
            available=status.get("availableReplicas", 0),
        )
        found.append(
            (
                Comparison(_("Rollout (`kubectl rollout status`)"), _("complete"), shown),
                _("its rollout is not complete ({progress}); the lab expects it complete").format(
                    progress=shown
                ),
            )
        )
    if want.get("rolledBack") and "revisionHistory" in evidence and not evidence["revisionHistory"]:
        found.append(
            (
                Comparison(_("Pod template"), _("an earlier revision's, brought back by `kubectl rollout undo`"), _("a new one (no rollback)")),
                _("its Pod template is not one of an earlier revision; the lab expects a rollback"),
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
    have = _inline(tolerations) if tolerations else _("none")
    return _sentences(
        "",
        [
            (Comparison(_("Tolerations"), _("one for the taint {taint}").format(taint=shown), have),
             _("the Pods of {object} do not tolerate the taint {taint} (their tolerations: {tolerations}); the lab expects them to").format(
                 object=_object(objects[0]), taint=shown, tolerations=have)),
        ],
    )  # fmt: skip


def _binds(rule: Rule, evidence: Mapping[str, Any]) -> Explanation | None:
    claims = evidence.get("objects") or []
    if not claims:
        return _none_found(rule, evidence)
    volume = f"PersistentVolume `{rule.compiled}`"
    if "volume" not in evidence:
        return Explanation(
            _("There is no {volume} for the claim to bind to; the lab expects one.").format(
                volume=volume
            ),
            [Comparison(volume, _("present"), _("none"))],
        )
    claim = claims[0]
    phase = mapping(claim.get("status")).get("phase")
    bound = mapping(claim.get("spec")).get("volumeName")
    # A claim read from a cluster says whether it bound, and to which volume.
    observed = f"`{phase or 'Pending'}`" + (
        _(", bound to `{volume}`").format(volume=bound) if bound else ""
    )
    return _sentences(
        f"{_object(claim)}: ",
        [
            (
                Comparison(_("Binds to"), volume, observed),
                _("it is {observed}; the lab expects it bound to {volume}").format(
                    observed=observed, volume=volume
                ),
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
        summary += _more(more)
    return Explanation(summary, [comparison for comparison, _s in found])


def _more(count: int) -> str:
    return ngettext(
        " ({count} more difference below.)", " ({count} more differences below.)", count
    ).format(count=count)


def _how_many(selector: Selector) -> str:
    return _("How many {what}").format(what=_plural(selector, 2))


def _within(n: int, bounds: Mapping[str, int]) -> bool:
    return n == bounds.get("equals", n) and n >= bounds.get("min", n) and n <= bounds.get("max", n)


def _bounds_text(bounds: Mapping[str, int]) -> str:
    words = {"equals": N_("exactly {n}"), "min": N_("at least {n}"), "max": N_("at most {n}")}
    return _(" and ").join(_(words[k]).format(n=v) for k, v in bounds.items())


def _listed(names: Iterable[Any]) -> str:
    """Names from the grader's words (`Pod web-1`, `the Pods of Deployment db`) with code marks."""
    shown = []
    for name in list(names)[:3]:
        text = str(name)
        head, _sep, last = text.rpartition(" ")
        shown.append(f"{head} `{last}`" if head else f"`{text}`")
    return ", ".join(shown)


def _none_found(rule: Rule, evidence: Mapping[str, Any]) -> Explanation:
    nearby = evidence.get("nearby")
    summary = _("There is no {what} in your namespace{nearby}; the lab expects one.").format(
        what=_described(rule.select),
        nearby=_(" (it has {objects})").format(objects=_kind_list(rule.select.kind, nearby))
        if nearby
        else "",
    )
    observed = _("none") + (
        _("; there is {others}").format(others=", ".join(f"`{n}`" for n in nearby))
        if nearby
        else ""
    )
    return Explanation(summary, [Comparison(_described(rule.select), _("present"), observed)])


def _described(selector: Selector) -> str:
    text = selector.kind
    if selector.name:
        text += f" `{selector.name}`"
    if selector.labels:
        text = _("{what} labelled {labels}").format(
            what=text, labels=_labels(dict(selector.labels))
        )
    return text


def _pods_of(target: Selector) -> str:
    if target.kind == "Pod" and not target.name:
        return _("the Pods in your namespace")
    if target.kind == "Pod":
        return f"Pod `{target.name}`"
    return _("the Pods of {what}").format(what=_described(target))


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
        kind = _("{kind} named `{name}`").format(kind=kind, name=selector.name)
    if selector.labels:
        kind = _("{what} labelled {labels}").format(
            what=kind, labels=_labels(dict(selector.labels))
        )
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
        return _("with no labels")
    return "`" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "`"


def _selector_text(selector: Mapping[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expression in selector.get("matchExpressions") or []:
        values = ",".join(str(v) for v in expression.get("values") or [])
        parts.append(f"{expression.get('key')} {expression.get('operator')} ({values})")
    return "`" + ", ".join(parts) + "`" if parts else _("everything (an empty selector)")


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
        return _("one of {values}").format(values=", ".join(_inline(w) for w in wanted))
    if comparison == "min":
        return _("at least {n}").format(n=wanted)
    if comparison == "max":
        return _("at most {n}").format(n=wanted)
    if comparison == "matches":
        return _("text matching `{pattern}`").format(pattern=wanted)
    return _("set") if wanted else _("not set")


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
            return [(path or _("the object"), _("a mapping"), _inline(actual))]
        found: list[tuple[str, str, str]] = []
        for key, value in expected.items():
            child = f"{path}.{key}" if path else str(key)
            if key not in actual:
                found.append((child, _inline(value), _("not set")))
            else:
                found.extend(_differences(actual[key], value, child))
        return found
    if isinstance(expected, list):
        if mismatches(actual, expected, path):
            missing = [item for item in expected if not _has_item(actual, item)]
            wanted = _(" and ").join(
                _("an item like {item}").format(item=_inline(i)) for i in missing
            ) or _("items like {items}").format(items=_inline(expected))
            return [(path, wanted, _inline(actual) if actual is not None else _("not set"))]
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
