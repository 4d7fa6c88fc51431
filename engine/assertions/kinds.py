"""The rule kinds that judge meaning: what a Service reaches, what a Role grants...

Each kind compiles its argument once (a ValueError says what is wrong in
the content file) and judges every selected object against the other
objects of the manifest or the lab's snapshot. Messages say what was
observed against what was expected; the evidence keeps both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.assertions.model import Context, Rule, RuleError, Verdict, none_selected, quoted
from engine.assertions.partial import show
from engine.assertions.quantity import parse_quantity
from engine.assertions.rbac import Authorizer, Grant, Request, Subject, excess, role_allows
from engine.assertions.selection import Selector
from engine.assertions.workloads import (
    PodShape,
    check_reference,
    container_ports,
    endpoint_slices,
    find,
    label_selector_of,
    listing,
    mapping,
    name_of,
    pod_shape,
    ready_endpoints,
    references_of,
    resolve_port,
    selected_by,
    selects,
    service_port,
    tolerates,
)
from engine.i18n import N_, _, ngettext

POD_READS = (Selector(kind="Pod", api_version="v1"),)
_SLICES = Selector(kind="EndpointSlice", api_version="discovery.k8s.io/v1")
_REVISION = "deployment.kubernetes.io/revision"
_REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
_REFERENCE_KINDS = ("ConfigMap", "Secret", "PersistentVolumeClaim", "Service")
_PROBE_TYPES = ("readiness", "liveness", "startup")
_PROBE_ACTIONS = ("httpGet", "tcpSocket", "exec", "grpc")


def _keys(argument: Any, allowed: set[str], what: str) -> dict[str, Any]:
    if argument is None:
        argument = {}
    if not isinstance(argument, dict):
        raise ValueError(f"`{what}` must be a mapping")
    stray = sorted(set(argument) - allowed)
    if stray:
        raise ValueError(
            f"`{what}` does not take `{stray[0]}` (it takes {', '.join(sorted(allowed))})"
        )
    return argument


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"`{what}` must be a whole number")
    return value


def _bounds(value: Any, what: str) -> dict[str, int]:
    bounds = _keys(value, {"equals", "min", "max"}, what)
    if not bounds:
        raise ValueError(f"`{what}` takes `equals`, `min` and/or `max`")
    return {k: _int(v, f"{what}.{k}") for k, v in bounds.items()}


def _within(n: int, bounds: dict[str, int]) -> bool:
    return n == bounds.get("equals", n) and n >= bounds.get("min", n) and n <= bounds.get("max", n)


def _say(bounds: dict[str, int]) -> str:
    words = {"equals": N_("exactly {n}"), "min": N_("at least {n}"), "max": N_("at most {n}")}
    return _(" and ").join(_(words[k]).format(n=v) for k, v in bounds.items())


def _target(argument: Any, what: str) -> Selector:
    target = _keys(argument, {"kind", "name"}, what)
    if not isinstance(target.get("kind"), str):
        raise ValueError(f"`{what}` needs a `kind` (and usually a `name`)")
    return Selector(kind=target["kind"], name=target.get("name"))


# ---------------------------------------------------------------- selects


def pods_outside(
    selector: dict[str, Any] | None, targets: list[dict[str, Any]], objects: list[dict[str, Any]]
) -> list[str]:
    """The Pods (or Pod templates) the selector picks that belong to none of the targets."""
    outside = []
    for shape in selected_by(selector, objects):
        if any(_belongs(shape, target) for target in targets):
            continue
        if shape.described not in outside:
            outside.append(shape.described)
    return outside


def _belongs(shape: PodShape, target: dict[str, Any]) -> bool:
    """Whether a Pod (or a Pod template) is one of the target's own Pods.

    A workload's template is its own; a Pod (or a ReplicaSet's template) is
    the target's when the target owns it, directly or, for a Deployment's
    Pods, through a ReplicaSet named `<deployment>-<pod-template-hash>`.
    Another workload's Pods are not, even when the target's selector happens
    to match them.
    """
    if shape.owner is target:
        return True
    if target.get("kind") == "Pod":
        return shape.owner.get("kind") == "Pod" and name_of(shape.owner) == name_of(target)
    meta = mapping(shape.owner.get("metadata"))
    template_hash = mapping(meta.get("labels")).get("pod-template-hash")
    for ref in listing(meta.get("ownerReferences")):
        ref = mapping(ref)
        if ref.get("kind") == target.get("kind") and ref.get("name") == name_of(target):
            return True
        if (
            ref.get("kind") == "ReplicaSet"
            and target.get("kind") == "Deployment"
            and ref.get("name") == f"{name_of(target)}-{template_hash}"
        ):
            return True
    return False


def assert_selects(rule: Rule, selected: list[Any], context: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    target_sel = Selector(kind=rule.argument["kind"], name=rule.argument.get("name"))
    targets = [o for o in context.objects if target_sel.picks(o)]
    if not targets:
        message = _("Expected a {what} to select, found none.").format(what=target_sel.describe())
        return False, message, {}
    for obj in selected:
        selector = label_selector_of(obj)
        for target in targets:
            shape = pod_shape(target)
            labels = shape.labels if shape else {}
            if not selects(selector, labels):
                shown = show(selector.get("matchLabels", selector) if selector else None)
                return (
                    False,
                    _(
                        "{kind} {name} selects {selector}, but the Pods of {target} are "
                        "labelled {labels}."
                    ).format(
                        kind=rule.select.kind,
                        name=quoted(obj),
                        selector=shown,
                        target=target_sel.describe(),
                        labels=show(labels),
                    ),
                    {"selector": selector, "labels": labels},
                )
        if rule.argument.get("only"):
            extra = pods_outside(selector, targets, context.objects)
            if extra:
                shown = show(selector.get("matchLabels", selector) if selector else None)
                return (
                    False,
                    _("{kind} {name} selects {selector}, which also picks {others}.").format(
                        kind=rule.select.kind, name=quoted(obj), selector=shown,
                        others=", ".join(extra[:3]),
                    ),
                    {"selector": selector, "also_selected": extra},
                )  # fmt: skip
    message = _("{what} selects the Pods of {target}.").format(
        what=rule.select.describe(), target=target_sel.describe()
    )
    return True, message, {}


# ---------------------------------------------------------------- service


@dataclass(frozen=True)
class ServiceRule:
    type: str | None
    target: Selector | None
    only: bool
    port: int | None
    target_port: int | None
    node_port: int | None
    protocol: str | None
    endpoints: dict[str, int] | None

    @property
    def judges_pods(self) -> bool:
        """The rule is about the Pods the Service reaches, not only about the Service itself."""
        return self.target is not None or self.target_port is not None or self.endpoints is not None

    @property
    def judges_port(self) -> bool:
        """The rule is about a port, not only about which Pods the Service selects."""
        return any(
            v is not None
            for v in (self.port, self.target_port, self.node_port, self.protocol, self.endpoints)
        )


def _compile_service(
    argument: Any, _unused: Selector, lab: bool
) -> tuple[ServiceRule, tuple[Selector, ...]]:
    arg = _keys(argument, {"type", "selects", "only", "port", "targetPort", "nodePort", "protocol", "endpoints"}, "service")  # fmt: skip
    if "type" in arg and arg["type"] not in (
        "ClusterIP",
        "NodePort",
        "LoadBalancer",
        "ExternalName",
    ):
        raise ValueError("`service.type` must be ClusterIP, NodePort, LoadBalancer or ExternalName")
    target = _target(arg["selects"], "service.selects") if "selects" in arg else None
    only = arg.get("only", False)
    if not isinstance(only, bool) or (only and target is None):
        raise ValueError("`service.only: true` needs `service.selects` (the Pods it may select)")
    if "endpoints" in arg and not lab:
        raise ValueError("`service.endpoints` counts what a cluster shows: it is only for labs")
    rule = ServiceRule(
        type=arg.get("type"),
        target=target,
        only=only,
        port=_int(arg["port"], "service.port") if "port" in arg else None,
        target_port=_int(arg["targetPort"], "service.targetPort") if "targetPort" in arg else None,
        node_port=_int(arg["nodePort"], "service.nodePort") if "nodePort" in arg else None,
        protocol=arg.get("protocol"),
        endpoints=_bounds(arg["endpoints"], "service.endpoints") if "endpoints" in arg else None,
    )
    reads = list(POD_READS)
    if target is not None:
        reads.append(target)
    if lab:
        reads.append(_SLICES)
    return rule, tuple(reads)


def _service(rule: Rule, selected: list[Any], context: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    want: ServiceRule = rule.compiled
    evidence: dict[str, Any] = {}
    for service in selected:
        problems, evidence = _judge_service(service, want, context)
        if problems:
            return False, f"Service {quoted(service)}: " + "; ".join(problems[:3]) + ".", {**evidence, "problems": problems}  # fmt: skip
    return True, _("{what} reaches its Pods as expected.").format(what=rule.select.describe()), evidence  # fmt: skip


def _judge_service(
    service: dict[str, Any], want: ServiceRule, context: Context
) -> tuple[list[str], dict[str, Any]]:
    """What is wrong with the Service against the rule: its type, its Pods, its port."""
    spec = mapping(service.get("spec"))
    problems: list[str] = []
    kind = spec.get("type", "ClusterIP")
    evidence: dict[str, Any] = {"type": kind}
    if want.type and kind != want.type:
        problems.append(
            _("it is a {type} Service, expected {expected}").format(type=kind, expected=want.type)
        )
    if kind == "ExternalName":
        return problems, evidence
    port: dict[str, Any] | None = None
    if want.judges_port:
        port = service_port(service, want.port)
        if port is None:
            ports = [str(mapping(p).get("port")) for p in listing(spec.get("ports"))]
            which = (
                _("port {port}").format(port=want.port)
                if want.port is not None
                else _("a single port")
            )
            missing = _("it has no {which} (its ports: {ports})").format(
                which=which, ports=", ".join(ports) or _("none")
            )
            return [*problems, missing], evidence
        evidence["port"] = port.get("port")
        problems += _port_problems(port, want)
    if not want.judges_pods:
        return problems, evidence
    selector = label_selector_of(service)
    evidence["selector"] = (selector or {}).get("matchLabels")
    if selector is None:
        return [*problems, _("it has no selector, so it selects no Pods")], evidence
    targets: list[dict[str, Any]] = []
    if want.target is not None:
        targets = [o for o in context.objects if want.target.picks(o)]
        if not targets:
            none = _("there is no {what} for it to select").format(what=want.target.describe())
            return [*problems, none], evidence
        for target in targets:
            shape = pod_shape(target)
            labels = shape.labels if shape else {}
            if not selects(selector, labels):
                problems.append(
                    _("it selects {selector}, but the Pods of {target} are labelled {labels}").format(
                        selector=show(selector["matchLabels"]), target=want.target.describe(),
                        labels=show(labels),
                    )
                )  # fmt: skip
                evidence["target_labels"] = labels
    pods = selected_by(selector, context.objects)
    evidence["pods"] = sorted({p.described for p in pods})
    if want.only and targets:
        extra = pods_outside(selector, targets, context.objects)
        if extra:
            problems.append(_("it also selects {others}").format(others=", ".join(extra[:3])))
            evidence["also_selected"] = extra
    if not pods:
        seen = sorted({show(p.labels) for p in selected_by({}, context.objects)})
        problems.append(
            _("it selects {selector}, which matches no Pod").format(
                selector=show(selector["matchLabels"])
            )
            + (
                _(" (the Pods here are labelled {labels})").format(labels=", ".join(seen[:3]))
                if seen
                else ""
            )
        )
        return problems, evidence
    if port is not None and want.target_port is not None:
        problems += _reach_problems(port, pods, want.target_port, evidence)
    slices = endpoint_slices(context.objects, name_of(service)) if port is not None else []
    if port is not None and (slices or want.endpoints is not None):
        # On a cluster, the EndpointSlices say where the port really leads.
        count, numbers = ready_endpoints(slices, port.get("name"))
        evidence["ready_endpoints"], evidence["endpoint_ports"] = count, sorted(numbers)
        if want.target_port is not None and numbers and want.target_port not in numbers:
            shown = ", ".join(str(n) for n in sorted(numbers))
            problems.append(
                _(
                    "its EndpointSlice sends port {port} to port {target} of the Pods, "
                    "expected {expected}"
                ).format(port=port.get("port"), target=shown, expected=want.target_port)
            )
        if want.endpoints is not None and not _within(count, want.endpoints):
            problems.append(
                ngettext(
                    "it has {count} ready endpoint, expected {expected}",
                    "it has {count} ready endpoints, expected {expected}",
                    count,
                ).format(count=count, expected=_say(want.endpoints))
            )
    return problems, evidence


def _port_problems(port: dict[str, Any], want: ServiceRule) -> list[str]:
    problems = []
    if want.protocol and port.get("protocol", "TCP") != want.protocol:
        problems.append(
            _("port {port} is {protocol}, expected {expected}").format(
                port=port.get("port"), protocol=port.get("protocol"), expected=want.protocol
            )
        )
    if want.node_port is not None and port.get("nodePort") != want.node_port:
        problems.append(
            _("its node port is {found}, expected {expected}").format(
                found=port.get("nodePort", _("not set")), expected=want.node_port
            )
        )
    return problems


def _reach_problems(
    port: dict[str, Any], pods: list[PodShape], wanted: int, evidence: dict[str, Any]
) -> list[str]:
    """Where the port's targetPort leads on each selected Pod: a port it declares, the wanted one."""
    target_port = port.get("targetPort", port.get("port"))
    evidence["targetPort"] = target_port
    reached = set()
    for pod in pods:
        resolved = resolve_port(target_port, pod.declared_ports())
        if resolved.number is None or not resolved.declared:
            return [
                _("its targetPort {port} leads nowhere on {pod}: {why}").format(
                    port=target_port, pod=pod.described, why=resolved.why
                )
            ]
        reached.add(resolved.number)
    evidence["reaches"] = sorted(reached)
    if reached != {wanted}:
        shown = ", ".join(str(n) for n in sorted(reached))
        return [
            _("port {port} reaches port {target} of the Pods, expected {expected}").format(
                port=port.get("port"), target=shown, expected=wanted
            )
        ]
    return []


# ---------------------------------------------------------------- probe


@dataclass(frozen=True)
class ProbeRule:
    container: str | None
    type: str
    action: str | None
    port: int | None
    path: str | None
    command: tuple[str, ...] | None


def _compile_probe(
    argument: Any, _unused: Selector, __: bool
) -> tuple[ProbeRule, tuple[Selector, ...]]:
    arg = _keys(argument, {"container", "type", "action", "port", "path", "command"}, "probe")
    if arg.get("type") not in _PROBE_TYPES:
        raise ValueError(f"`probe.type` must be one of {', '.join(_PROBE_TYPES)}")
    if "action" in arg and arg["action"] not in _PROBE_ACTIONS:
        raise ValueError(f"`probe.action` must be one of {', '.join(_PROBE_ACTIONS)}")
    command = arg.get("command")
    if command is not None and not (
        isinstance(command, list) and all(isinstance(c, str) for c in command)
    ):
        raise ValueError("`probe.command` must be a list of strings")
    return ProbeRule(
        container=arg.get("container"),
        type=arg["type"],
        action=arg.get("action"),
        port=_int(arg["port"], "probe.port") if "port" in arg else None,
        path=arg.get("path"),
        command=tuple(command) if command is not None else None,
    ), ()


def _probe(rule: Rule, selected: list[Any], _unused: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    want: ProbeRule = rule.compiled
    for obj in selected:
        problem, evidence = _judge_probe(obj, want)
        if problem:
            return False, f"{obj.get('kind')} {quoted(obj)}: {problem}.", evidence
    return True, _("The {type} probe is as expected.").format(type=want.type), {}


def _judge_probe(obj: dict[str, Any], want: ProbeRule) -> tuple[str | None, dict[str, Any]]:
    shape = pod_shape(obj)
    container = shape.container(want.container) if shape else None
    if container is None:
        which = (
            _("a container named {name}").format(name=want.container)
            if want.container
            else _("exactly one container")
        )
        return _("it has no {which}").format(which=which), {}
    name = container.get("name")
    probe = container.get(f"{want.type}Probe")
    if not isinstance(probe, dict):
        return _("the container {name} has no {type}Probe").format(name=name, type=want.type), {}
    action = next((a for a in _PROBE_ACTIONS if isinstance(probe.get(a), dict)), None)
    evidence: dict[str, Any] = {"container": name, "action": action}
    if action is None:
        return (
            _("the {type}Probe of {name} has no action (httpGet, tcpSocket, exec or grpc)").format(
                type=want.type, name=name
            ),
            evidence,
        )
    if want.action and action != want.action:
        return _("the {type}Probe of {name} uses {action}, expected {expected}").format(
            type=want.type, name=name, action=action, expected=want.action
        ), evidence
    handler = probe[action]
    # The port is judged when the rule names one: it must be declared by the
    # container, directly or through its name.
    if action in ("httpGet", "tcpSocket", "grpc") and want.port is not None:
        resolved = resolve_port(handler.get("port"), container_ports(container))
        evidence["port"], evidence["reaches"] = handler.get("port"), resolved.number
        if resolved.number is None or not resolved.declared:
            return (
                _("the {type}Probe of {name} checks port {port}, but {why}").format(
                    type=want.type, name=name, port=handler.get("port"), why=resolved.why
                ),
                evidence,
            )
        if resolved.number != want.port:
            return (
                _("the {type}Probe of {name} reaches port {port}, expected {expected}").format(
                    type=want.type, name=name, port=resolved.number, expected=want.port
                ),
                evidence,
            )
    if want.path is not None:
        path = handler.get("path") or "/"
        if path != want.path:
            return _("the {type}Probe of {name} requests {path}, expected {expected}").format(
                type=want.type, name=name, path=path, expected=want.path
            ), evidence
    if want.command is not None and tuple(handler.get("command") or ()) != want.command:
        return _("the {type}Probe of {name} runs {command}, expected {expected}").format(
            type=want.type, name=name, command=show(handler.get("command")),
            expected=show(list(want.command)),
        ), evidence  # fmt: skip
    return None, evidence


# ---------------------------------------------------------------- references


def _compile_references(
    argument: Any, _unused: Selector, __: bool
) -> tuple[tuple[str, ...], tuple[Selector, ...]]:
    arg = _keys(argument, {"kinds"}, "references")
    kinds = arg.get("kinds", list(_REFERENCE_KINDS))
    if not isinstance(kinds, list) or not kinds or any(k not in _REFERENCE_KINDS for k in kinds):
        raise ValueError(f"`references.kinds` lists some of {', '.join(_REFERENCE_KINDS)}")
    return tuple(kinds), tuple(Selector(kind=k, api_version="v1") for k in kinds)


def _references(rule: Rule, selected: list[Any], context: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    kinds: tuple[str, ...] = rule.compiled
    checked = 0
    for obj in selected:
        refs = [r for r in references_of(obj) if r.kind in kinds]
        if not refs:
            message = _("{kind} {name} refers to no {kinds}.").format(
                kind=obj.get("kind"), name=quoted(obj), kinds=_(" or ").join(kinds)
            )
            return False, message, {}
        problems = [p for p in (check_reference(context.objects, r) for r in refs) if p]
        if problems:
            return False, f"{obj.get('kind')} {quoted(obj)}: " + "; ".join(problems[:3]) + ".", {"problems": problems}  # fmt: skip
        checked += len(refs)
    return (
        True,
        _("Every reference ({count}) leads to an object that exists.").format(count=checked),
        {"references": checked},
    )


# ---------------------------------------------------------------- permissions


def _grant(item: Any, where: str) -> Grant:
    entry = _keys(item, {"apiGroups", "resources", "verbs"}, where)
    groups = entry.get("apiGroups", [""])
    for key, value in (
        ("apiGroups", groups),
        ("resources", entry.get("resources")),
        ("verbs", entry.get("verbs")),
    ):
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise ValueError(f"`{where}.{key}` must be a list of names")
    return Grant(tuple(groups), tuple(entry["resources"]), tuple(entry["verbs"]))


def _compile_permissions(argument: Any, _unused: Selector, __: bool) -> tuple[tuple[tuple[Grant, ...], bool], tuple[Selector, ...]]:  # fmt: skip
    arg = _keys(argument, {"allows", "only"}, "permissions")
    allows = arg.get("allows")
    if not isinstance(allows, list) or not allows:
        raise ValueError("`permissions.allows` lists what the role must allow")
    only = arg.get("only", False)
    if not isinstance(only, bool):
        raise ValueError("`permissions.only` must be true or false")
    return (tuple(_grant(a, f"permissions.allows[{i}]") for i, a in enumerate(allows)), only), ()


def _permissions(rule: Rule, selected: list[Any], _unused: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    grants, only = rule.compiled
    for role in selected:
        rules = role.get("rules")
        missing = []
        for grant in grants:
            for group in grant.groups:
                for resource in grant.resources:
                    base, _sep, sub = resource.partition("/")
                    for verb in grant.verbs:
                        if not role_allows(
                            rules, Request(verb=verb, resource=base, group=group, subresource=sub)
                        ):
                            missing.append(f"{verb} {resource}" + (f" ({group})" if group else ""))
        if missing:
            message = _("{kind} {name} does not allow {missing}.").format(
                kind=role.get("kind"), name=quoted(role), missing=", ".join(missing[:4])
            )
            return False, message, {"missing": missing}
        extra = excess(rules, grants) if only else []
        if extra:
            message = _("{kind} {name} allows more than needed: {extra}.").format(
                kind=role.get("kind"), name=quoted(role), extra="; ".join(extra[:3])
            )
            return False, message, {"excess": extra}
    wanted = "; ".join(g.describe() for g in grants)
    return (
        True,
        (
            _("{what} allows {wanted} and nothing more.") if only else _("{what} allows {wanted}.")
        ).format(what=rule.select.describe(), wanted=wanted),
        {},
    )


# ---------------------------------------------------------------- access


@dataclass(frozen=True)
class AccessItem:
    """One question for the RBAC authorizer and the answer it must give."""

    user: str | None
    service_account: str | None
    groups: tuple[str, ...]
    request: Request
    namespace: str | None
    allowed: bool

    def subject(self, namespace: str) -> Subject:
        if self.service_account:
            return Subject.service_account(namespace, self.service_account)
        return Subject.user_named(str(self.user), self.groups)

    def describe(self) -> str:
        who = (
            _("ServiceAccount {name}").format(name=self.service_account)
            if self.service_account
            else _("user {name}").format(name=self.user)
        )
        where = (
            _(" in namespace {namespace}").format(namespace=self.namespace)
            if self.namespace
            else ""
        )
        sentence = (
            _("{who} may {request}{where}") if self.allowed else _("{who} may not {request}{where}")
        )
        return sentence.format(who=who, request=self.request.describe(), where=where)  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.user, "serviceAccount": self.service_account, "groups": list(self.groups),
            "verb": self.request.verb, "resource": self.request.resource, "group": self.request.group,
            "subresource": self.request.subresource, "name": self.request.name,
            "namespace": self.namespace, "allowed": self.allowed,
        }  # fmt: skip


_ACCESS_ITEM_KEYS = {"user", "serviceAccount", "groups", "verb", "resource", "group", "subresource", "name", "namespace"}  # fmt: skip


def _access_item(raw: Any, allowed: bool, where: str) -> AccessItem:
    item = _keys(raw, _ACCESS_ITEM_KEYS, where)
    who = [k for k in ("user", "serviceAccount") if item.get(k)]
    if len(who) != 1:
        raise ValueError(f"`{where}` needs exactly one of `user` or `serviceAccount`")
    for key in ("verb", "resource"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise ValueError(f"`{where}` needs a `{key}`")
    groups = item.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise ValueError(f"`{where}.groups` must be a list of group names")
    resource, _sep, sub = str(item["resource"]).partition("/")
    return AccessItem(
        user=item.get("user"),
        service_account=item.get("serviceAccount"),
        groups=tuple(groups),
        request=Request(
            verb=item["verb"],
            resource=resource,
            group=str(item.get("group") or ""),
            subresource=str(item.get("subresource") or sub),
            name=str(item.get("name") or ""),
        ),
        namespace=item.get("namespace"),
        allowed=allowed,
    )


def compile_access(
    rule_id: str, raw: Any, *, lab: bool
) -> tuple[dict[str, Any], tuple[AccessItem, ...]]:
    """`access` in either form: one question with `allowed: bool`, or `allowed:`/`denied:` lists."""
    if not isinstance(raw, dict):
        raise RuleError(f"rule {rule_id}: `access` must be a mapping")
    try:
        if isinstance(raw.get("allowed"), list) or "denied" in raw:
            _keys(raw, {"allowed", "denied"}, "access")
            allowed, denied = raw.get("allowed") or [], raw.get("denied") or []
            if (
                not isinstance(allowed, list)
                or not isinstance(denied, list)
                or not (allowed or denied)
            ):
                raise ValueError("`access.allowed` and `access.denied` are lists of questions")
            items = tuple(
                _access_item(a, True, f"access.allowed[{i}]") for i, a in enumerate(allowed)
            )
            items += tuple(
                _access_item(d, False, f"access.denied[{i}]") for i, d in enumerate(denied)
            )
        else:
            if not isinstance(raw.get("allowed"), bool):
                raise ValueError(
                    "`access` needs `allowed: true` or `allowed: false` (or `allowed:`/`denied:` lists)"
                )
            question = {k: v for k, v in raw.items() if k != "allowed"}
            items = (_access_item(question, raw["allowed"], "access"),)
    except ValueError as exc:
        raise RuleError(f"rule {rule_id}: {exc}") from exc
    return raw, items


def access_from_objects(rule: Rule, context: Context) -> Verdict:
    """An `access` rule answered from the RBAC objects themselves (a manifest, not a cluster)."""
    authorizer = Authorizer(context.objects)
    answers = []
    wrong = []
    for item in rule.compiled:
        namespace = item.namespace or "default"
        allowed, why = authorizer.allowed(item.subject(namespace), item.request, namespace)
        answers.append({**item.as_dict(), "answer": allowed, "because": why})
        if allowed != item.allowed:
            reason = f" ({'; '.join(why)})" if why else ""
            wrong.append(
                (
                    _("expected: {question}; these objects say yes{reason}")
                    if allowed
                    else _("expected: {question}; these objects say no{reason}")
                ).format(question=item.describe(), reason=reason)
            )
    if wrong:
        return False, "; ".join(wrong[:3]).capitalize() + ".", {"access": answers}
    return True, _("Every access question has the expected answer."), {"access": answers}


# ---------------------------------------------------------------- rollout


def _compile_rollout(
    argument: Any, _unused: Selector, __: bool
) -> tuple[dict[str, Any], tuple[Selector, ...]]:
    arg = _keys(argument, {"revision", "replicaSets", "complete", "rolledBack"}, "rollout")
    if not arg:
        raise ValueError(
            "`rollout` needs at least one of revision, replicaSets, complete, rolledBack"
        )
    compiled: dict[str, Any] = {}
    if "revision" in arg:
        compiled["revision"] = _bounds(arg["revision"], "rollout.revision")
    if "replicaSets" in arg:
        compiled["replicaSets"] = _bounds(arg["replicaSets"], "rollout.replicaSets")
    for flag in ("complete", "rolledBack"):
        if flag in arg:
            if not isinstance(arg[flag], bool):
                raise ValueError(f"`rollout.{flag}` must be true or false")
            compiled[flag] = arg[flag]
    return compiled, (Selector(kind="ReplicaSet", api_version="apps/v1"),)


def _revision(obj: dict[str, Any]) -> int | None:
    value = mapping(mapping(obj.get("metadata")).get("annotations")).get(_REVISION)
    return int(value) if isinstance(value, str) and value.isdigit() else None


def _owned(deployment: dict[str, Any], objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    meta = mapping(deployment.get("metadata"))
    owned = []
    for rs in objects:
        if rs.get("kind") != "ReplicaSet":
            continue
        for ref in listing(mapping(rs.get("metadata")).get("ownerReferences")):
            ref = mapping(ref)
            same_uid = (
                not meta.get("uid") or not ref.get("uid") or ref.get("uid") == meta.get("uid")
            )
            if ref.get("kind") == "Deployment" and ref.get("name") == meta.get("name") and same_uid:
                owned.append(rs)
                break
    return owned


def _rollout(rule: Rule, selected: list[Any], context: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    want = rule.compiled
    for deployment in selected:
        revision = _revision(deployment)
        owned = _owned(deployment, context.objects)
        evidence = {"revision": revision, "replicaSets": sorted((_revision(r) or 0) for r in owned)}
        problems = []
        if "revision" in want and (revision is None or not _within(revision, want["revision"])):
            problems.append(
                _("it is at revision {revision}, expected {expected} (`kubectl rollout history`)").format(
                    revision=revision if revision is not None else _("none"),
                    expected=_say(want["revision"]),
                )
            )  # fmt: skip
        if "replicaSets" in want and not _within(len(owned), want["replicaSets"]):
            problems.append(
                ngettext(
                    "it owns {count} ReplicaSet, expected {expected}",
                    "it owns {count} ReplicaSets, expected {expected}",
                    len(owned),
                ).format(count=len(owned), expected=_say(want["replicaSets"]))
            )
        if want.get("complete") and not rollout_complete(deployment):
            status = mapping(deployment.get("status"))
            problems.append(
                _(
                    "its rollout is not complete ({updated} of {replicas} updated, {available} "
                    "available; `kubectl rollout status`)"
                ).format(
                    updated=status.get("updatedReplicas", 0),
                    replicas=mapping(deployment.get("spec")).get("replicas", 1),
                    available=status.get("availableReplicas", 0),
                )
            )
        if want.get("rolledBack"):
            current = next(
                (r for r in owned if revision is not None and _revision(r) == revision), None
            )
            history = mapping(mapping(current or {}).get("metadata")).get("annotations") or {}
            evidence["revisionHistory"] = history.get(_REVISION_HISTORY)
            if not history.get(_REVISION_HISTORY):
                problems.append(
                    _(
                        "its current Pod template is not one of an earlier revision "
                        "(no rollback happened)"
                    )
                )
        if problems:
            return False, f"Deployment {quoted(deployment)}: " + "; ".join(problems) + ".", evidence
    return True, _("{what} has rolled out as expected.").format(what=rule.select.describe()), {}


def rollout_complete(deployment: dict[str, Any]) -> bool:
    """`kubectl rollout status` says "successfully rolled out"."""
    meta, spec, status = (mapping(deployment.get(k)) for k in ("metadata", "spec", "status"))
    replicas = spec.get("replicas", 1)
    updated = status.get("updatedReplicas", 0)
    return (
        status.get("observedGeneration", 0) >= meta.get("generation", 1)
        and updated >= replicas
        and status.get("replicas", 0) <= updated
        and status.get("availableReplicas", 0) >= updated
    )


# ---------------------------------------------------------------- tolerates


def _compile_tolerates(
    argument: Any, _unused: Selector, __: bool
) -> tuple[dict[str, Any], tuple[Selector, ...]]:
    taint = _keys(argument, {"key", "value", "effect"}, "tolerates")
    if not isinstance(taint.get("key"), str) or taint.get("effect") not in (
        "NoSchedule",
        "PreferNoSchedule",
        "NoExecute",
    ):
        raise ValueError("`tolerates` names a taint: `key` and `effect` (NoSchedule, PreferNoSchedule or NoExecute)")  # fmt: skip
    return taint, ()


def _tolerates(rule: Rule, selected: list[Any], _unused: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    taint = rule.compiled
    shown = (
        f"{taint['key']}"
        + (f"={taint['value']}" if taint.get("value") else "")
        + f":{taint['effect']}"
    )
    for obj in selected:
        shape = pod_shape(obj)
        tolerations = [
            t
            for t in listing(shape.spec.get("tolerations") if shape else None)
            if isinstance(t, dict)
        ]
        if not any(tolerates(t, taint) for t in tolerations):
            message = _(
                "The Pods of {kind} {name} do not tolerate the taint {taint} (their tolerations: "
                "{tolerations})."
            ).format(
                kind=obj.get("kind"), name=quoted(obj), taint=shown,
                tolerations=show(tolerations) if tolerations else _("none"),
            )  # fmt: skip
            return False, message, {"tolerations": tolerations}
    return True, _("The Pods tolerate the taint {taint}.").format(taint=shown), {}


# ---------------------------------------------------------------- binds


def _compile_binds(argument: Any, select: Selector, __: bool) -> tuple[str, tuple[Selector, ...]]:
    target = _keys(argument, {"kind", "name"}, "binds")
    if (
        select.kind != "PersistentVolumeClaim"
        or target.get("kind", "PersistentVolume") != "PersistentVolume"
    ):
        raise ValueError("`binds` judges a PersistentVolumeClaim binding to a PersistentVolume")
    if not isinstance(target.get("name"), str):
        raise ValueError("`binds` needs the `name` of the PersistentVolume")
    return target["name"], (
        Selector(kind="PersistentVolume", api_version="v1", name=target["name"]),
    )


def _binds(rule: Rule, selected: list[Any], context: Context) -> Verdict:
    if not selected:
        return none_selected(rule)
    pv_name: str = rule.compiled
    pv = find(context.objects, "PersistentVolume", pv_name)
    if pv is None:
        message = _("There is no PersistentVolume {name} for the claim to bind to.")
        return False, message.format(name=pv_name), {}
    for claim in selected:
        problem = _binding_problem(claim, pv)
        if problem:
            message = _("PersistentVolumeClaim {claim} would not bind to {volume}: {problem}.")
            message = message.format(claim=quoted(claim), volume=pv_name, problem=problem)
            return False, message, {"volume": pv_name}
    message = _("The claim binds to the PersistentVolume {volume}.").format(volume=pv_name)
    return True, message, {"volume": pv_name}


def _binding_problem(claim: dict[str, Any], pv: dict[str, Any]) -> str | None:
    claim_spec, pv_spec = mapping(claim.get("spec")), mapping(pv.get("spec"))
    pv_name = name_of(pv)
    phase = mapping(claim.get("status")).get("phase")
    if phase is not None:  # from a cluster: the binding either happened or it did not
        if phase == "Bound" and claim_spec.get("volumeName") == pv_name:
            return None
        bound = claim_spec.get("volumeName")
        return _("it is {phase}").format(phase=phase) + (
            _(", bound to {volume}").format(volume=bound) if bound and bound != pv_name else ""
        )
    if claim_spec.get("volumeName") not in (None, "", pv_name):
        return _("it names the volume {volume}").format(volume=claim_spec["volumeName"])
    claim_class, pv_class = (
        claim_spec.get("storageClassName"),
        pv_spec.get("storageClassName") or "",
    )
    if claim_class is None and pv_class:
        return _(
            "it names no StorageClass, so it gets the cluster's default class, not {volume_class}"
        ).format(volume_class=pv_class)
    if (claim_class or "") != pv_class:
        return _("it asks for the class {claim_class}, the volume is in {volume_class}").format(
            claim_class=repr(claim_class), volume_class=repr(pv_class)
        )
    missing = [
        m
        for m in listing(claim_spec.get("accessModes"))
        if m not in listing(pv_spec.get("accessModes"))
    ]
    if missing or not listing(claim_spec.get("accessModes")):
        return _("the volume does not offer {modes}").format(
            modes=", ".join(missing) or _("the access modes it asks for")
        )
    wanted = parse_quantity(
        mapping(mapping(claim_spec.get("resources")).get("requests")).get("storage")
    )
    offered = parse_quantity(mapping(pv_spec.get("capacity")).get("storage"))
    if wanted is None or offered is None or offered < wanted:
        return _("the volume is smaller than the request")
    if claim_spec.get("volumeMode", "Filesystem") != pv_spec.get("volumeMode", "Filesystem"):
        return _("their volume modes differ")
    ref = mapping(pv_spec.get("claimRef"))
    if ref and ref.get("name") != name_of(claim):
        return _("the volume is reserved for the claim {claim}").format(claim=ref.get("name"))
    selector = claim_spec.get("selector")
    if isinstance(selector, dict) and selector and not selects(selector, mapping(mapping(pv.get("metadata")).get("labels"))):  # fmt: skip
        return _("its selector does not match the volume's labels")
    return None


# ---------------------------------------------------------------- registry

Compile = Callable[[Any, Selector, bool], tuple[Any, tuple[Selector, ...]]]
Judge = Callable[[Rule, list[Any], Context], Verdict]

KINDS: dict[str, tuple[Compile, Judge]] = {
    "service": (_compile_service, _service),
    "probe": (_compile_probe, _probe),
    "references": (_compile_references, _references),
    "permissions": (_compile_permissions, _permissions),
    "rollout": (_compile_rollout, _rollout),
    "tolerates": (_compile_tolerates, _tolerates),
    "binds": (_compile_binds, _binds),
}


def compile_kind(
    name: str, argument: Any, select: Selector, *, lab: bool
) -> tuple[Any, tuple[Selector, ...]]:
    return KINDS[name][0](argument, select, lab)


def evaluate_kind(rule: Rule, selected: list[Any], context: Context) -> Verdict:
    if rule.assertion == "selects":
        return assert_selects(rule, selected, context)
    if rule.assertion == "access":
        return access_from_objects(rule, context)
    return KINDS[rule.assertion][1](rule, selected, context)
