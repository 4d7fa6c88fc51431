"""Pods as the cluster sees them: which ones a selector picks, which ports they declare.

A manifest holds Pods and workloads with Pod templates; a cluster snapshot
holds Pods, their workloads and the EndpointSlices of Services. These
helpers read both the same way, so a rule asks "which Pods does this Service
select, and which port does its `targetPort` reach on them" and gets the
answer a cluster would give.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engine.i18n import _
from engine.manifests.server_rules import TEMPLATE_PATHS, selector_matches


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def listing(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def name_of(obj: dict[str, Any]) -> str:
    return str(mapping(obj.get("metadata")).get("name") or "(unnamed)")


@dataclass
class PodShape:
    """A Pod, or the Pod a workload's template stands for."""

    owner: dict[str, Any]  # the Pod itself, or the workload
    labels: dict[str, Any]
    spec: dict[str, Any]

    @property
    def described(self) -> str:
        if self.owner.get("kind") == "Pod":
            return f"Pod {name_of(self.owner)}"
        return _("the Pods of {kind} {name}").format(
            kind=self.owner.get("kind"), name=name_of(self.owner)
        )

    def containers(self) -> list[dict[str, Any]]:
        return [c for c in listing(self.spec.get("containers")) if isinstance(c, dict)]

    def container(self, name: str | None) -> dict[str, Any] | None:
        containers = self.containers()
        if name is None:
            return containers[0] if len(containers) == 1 else None
        return next((c for c in containers if c.get("name") == name), None)

    def declared_ports(self) -> list[tuple[str | None, int, str]]:
        return [port for c in self.containers() for port in container_ports(c)]


def container_ports(container: dict[str, Any]) -> list[tuple[str | None, int, str]]:
    """(name, number, protocol) of every port the container declares."""
    ports = []
    for item in listing(container.get("ports")):
        if isinstance(item, dict) and isinstance(item.get("containerPort"), int):
            name = item.get("name")
            ports.append(
                (str(name) if name else None, item["containerPort"], str(item.get("protocol") or "TCP"))
            )  # fmt: skip
    return ports


def template_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    path = TEMPLATE_PATHS.get(str(obj.get("kind")))
    if path is None:
        return None
    node: Any = obj
    for part in path:
        node = mapping(node).get(str(part))
    return node if isinstance(node, dict) else None


def pod_shape(obj: dict[str, Any]) -> PodShape | None:
    if obj.get("kind") == "Pod":
        meta = mapping(obj.get("metadata"))
        return PodShape(obj, mapping(meta.get("labels")), mapping(obj.get("spec")))
    template = template_of(obj)
    if template is None:
        return None
    meta = mapping(template.get("metadata"))
    return PodShape(obj, mapping(meta.get("labels")), mapping(template.get("spec")))


def pod_shapes(objects: list[dict[str, Any]]) -> Iterator[PodShape]:
    for obj in objects:
        if isinstance(obj, dict):
            shape = pod_shape(obj)
            if shape is not None:
                yield shape


def label_selector_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The object's selector as a LabelSelector (a Service's map becomes `matchLabels`)."""
    selector = mapping(obj.get("spec")).get("selector")
    if not isinstance(selector, dict) or not selector:
        return None
    if obj.get("kind") in ("Service", "ReplicationController"):
        return {"matchLabels": selector}
    return selector


def selects(selector: dict[str, Any] | None, labels: dict[str, Any]) -> bool:
    return selector is not None and selector_matches(selector, labels)


def selected_by(selector: dict[str, Any] | None, objects: list[dict[str, Any]]) -> list[PodShape]:
    """Every Pod (and Pod template) among the objects whose labels the selector matches.

    In a snapshot a workload's Pods and its template are both here; they
    carry the same labels and containers, so judging both changes nothing.
    """
    return [shape for shape in pod_shapes(objects) if selects(selector, shape.labels)]


@dataclass
class Resolved:
    """Where a named or numbered port leads on one Pod shape."""

    number: int | None
    declared: bool  # the container(s) declare this port
    why: str = ""  # why it leads nowhere


def resolve_port(port: Any, ports: list[tuple[str | None, int, str]]) -> Resolved:
    """A `targetPort` or probe `port` (number or name) against declared container ports."""
    if isinstance(port, bool):
        return Resolved(None, False, _("{port} is not a port").format(port=repr(port)))
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if isinstance(port, int):
        declared = any(number == port for _n, number, _d in ports)
        return Resolved(port, declared, "" if declared else _undeclared(port, ports))
    if isinstance(port, str):
        for name, number, _d in ports:
            if name == port:
                return Resolved(number, True)
        names = [n for n, _p, _d in ports if n]
        have = (
            _("it declares {names}").format(names=", ".join(names))
            if names
            else _("no container port has a name")
        )
        why = _("no container port is named {port} ({have})").format(port=repr(port), have=have)
        return Resolved(None, False, why)
    return Resolved(None, False, _("no port given"))


def _undeclared(port: int, ports: list[tuple[str | None, int, str]]) -> str:
    if not ports:
        return _("no container declares port {port} (the containers declare no ports)").format(
            port=port
        )
    numbers = ", ".join(str(n) for _n, n, _d in ports)
    return _("no container declares port {port} (they declare {numbers})").format(
        port=port, numbers=numbers
    )


def service_port(service: dict[str, Any], number: int | None) -> dict[str, Any] | None:
    ports = [p for p in listing(mapping(service.get("spec")).get("ports")) if isinstance(p, dict)]
    if number is None:
        return ports[0] if len(ports) == 1 else None
    return next((p for p in ports if p.get("port") == number), None)


def endpoint_slices(objects: list[dict[str, Any]], service_name: str) -> list[dict[str, Any]]:
    return [
        o
        for o in objects
        if o.get("kind") == "EndpointSlice"
        and mapping(mapping(o.get("metadata")).get("labels")).get("kubernetes.io/service-name")
        == service_name
    ]


def ready_endpoints(slices: list[dict[str, Any]], port_name: str | None) -> tuple[int, set[int]]:
    """How many ready endpoints the slices list for the Service port, and on which Pod ports."""
    count, numbers = 0, set()
    for endpoint_slice in slices:
        ports = [p for p in listing(endpoint_slice.get("ports")) if isinstance(p, dict)]
        matching = [p for p in ports if (p.get("name") or None) == (port_name or None)]
        if not matching:
            continue
        numbers |= {p["port"] for p in matching if isinstance(p.get("port"), int)}
        for endpoint in listing(endpoint_slice.get("endpoints")):
            conditions = mapping(mapping(endpoint).get("conditions"))
            # An unknown readiness counts as ready (the EndpointSlice API's rule).
            if conditions.get("ready") is not False:
                count += 1
    return count, numbers


# ---------------------------------------------------------------- references


@dataclass(frozen=True)
class Reference:
    """A name an object refers to, which must exist for it to work."""

    kind: str  # ConfigMap, Secret, PersistentVolumeClaim, Service
    name: str
    key: str | None  # a ConfigMap or Secret key, or a Service port (number or name)
    optional: bool
    where: str  # how the referring object refers to it


def references_of(obj: dict[str, Any]) -> list[Reference]:
    """Every ConfigMap, Secret, claim and Service the object refers to."""
    if obj.get("kind") == "Ingress":
        return _ingress_references(obj)
    shape = pod_shape(obj)
    return _pod_references(shape.spec) if shape else []


def _pod_references(spec: dict[str, Any]) -> list[Reference]:
    found: list[Reference] = []
    containers = listing(spec.get("containers")) + listing(spec.get("initContainers"))
    for container in containers:
        container = mapping(container)
        cname = container.get("name")
        for env in listing(container.get("env")):
            value_from = mapping(mapping(env).get("valueFrom"))
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = mapping(value_from.get(field))
                if ref:
                    found.append(Reference(kind, str(ref.get("name")), str(ref.get("key")),
                                           bool(ref.get("optional")),
                                           _("container {container}: env {name}").format(
                                               container=cname, name=mapping(env).get("name")
                                           )))  # fmt: skip
        for source in listing(container.get("envFrom")):
            for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                ref = mapping(mapping(source).get(field))
                if ref:
                    found.append(Reference(kind, str(ref.get("name")), None, bool(ref.get("optional")),
                                           _("container {container}: envFrom").format(container=cname)))  # fmt: skip
    for volume in listing(spec.get("volumes")):
        volume = mapping(volume)
        where = _("volume {name}").format(name=volume.get("name"))
        config_map = mapping(volume.get("configMap"))
        if config_map:
            found += _volume_items("ConfigMap", str(config_map.get("name")), config_map, where)
        secret = mapping(volume.get("secret"))
        if secret:
            found += _volume_items("Secret", str(secret.get("secretName")), secret, where)
        claim = mapping(volume.get("persistentVolumeClaim"))
        if claim:
            found.append(
                Reference("PersistentVolumeClaim", str(claim.get("claimName")), None, False, where)
            )
        for source in listing(mapping(volume.get("projected")).get("sources")):
            for field, kind, key in (
                ("configMap", "ConfigMap", "name"),
                ("secret", "Secret", "name"),
            ):
                ref = mapping(mapping(source).get(field))
                if ref:
                    found += _volume_items(kind, str(ref.get(key)), ref, where)
    return found


def _volume_items(kind: str, name: str, source: dict[str, Any], where: str) -> list[Reference]:
    optional = bool(source.get("optional"))
    items = [mapping(i) for i in listing(source.get("items"))]
    if not items:
        return [Reference(kind, name, None, optional, where)]
    return [Reference(kind, name, str(i.get("key")), optional, where) for i in items]


def _ingress_references(ingress: dict[str, Any]) -> list[Reference]:
    spec = mapping(ingress.get("spec"))
    found = []
    backends = [("default backend", mapping(spec.get("defaultBackend")))]
    for rule in listing(spec.get("rules")):
        host = mapping(rule).get("host") or "*"
        for path in listing(mapping(mapping(rule).get("http")).get("paths")):
            backends.append(
                (f"{host}{mapping(path).get('path') or ''}", mapping(mapping(path).get("backend")))
            )
    for where, backend in backends:
        service = mapping(backend.get("service"))
        if not service:
            continue
        port = mapping(service.get("port"))
        key = port.get("number", port.get("name"))
        found.append(Reference("Service", str(service.get("name")), None if key is None else str(key),
                               False, _("backend of {path}").format(path=where)))  # fmt: skip
    for tls in listing(spec.get("tls")):
        secret = mapping(tls).get("secretName")
        if secret:
            found.append(Reference("Secret", str(secret), None, False, "tls"))
    return found


def keys_of(obj: dict[str, Any]) -> set[str]:
    """The keys a ConfigMap or Secret holds (`stringData` counts: the API server merges it)."""
    keys: set[str] = set()
    for field in ("data", "binaryData", "stringData"):
        keys |= {str(k) for k in mapping(obj.get(field))}
    return keys


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    return next(
        (o for o in objects if o.get("kind") == kind and mapping(o.get("metadata")).get("name") == name),
        None,
    )  # fmt: skip


def check_reference(objects: list[dict[str, Any]], ref: Reference) -> str | None:
    """Why the reference leads nowhere, or None when it resolves."""
    target = find(objects, ref.kind, ref.name)
    if target is None:
        if ref.optional:
            return None
        return _("{where} refers to the {kind} {name}, which does not exist").format(
            where=ref.where, kind=ref.kind, name=ref.name
        )
    if ref.key is None:
        return None
    if ref.kind == "Service":
        ports = [mapping(p) for p in listing(mapping(target.get("spec")).get("ports"))]
        if any(str(p.get("port")) == ref.key or p.get("name") == ref.key for p in ports):
            return None
        have = ", ".join(str(p.get("name") or p.get("port")) for p in ports) or _("none")
        return _(
            "{where} uses port {port} of Service {name}, which has no such port (it has {ports})"
        ).format(where=ref.where, port=ref.key, name=ref.name, ports=have)
    if ref.key in keys_of(target) or ref.optional:
        return None
    have = ", ".join(sorted(keys_of(target))) or _("no keys")
    return _("{where} refers to the key {key} of {kind} {name}, which has {keys}").format(
        where=ref.where, key=ref.key, kind=ref.kind, name=ref.name, keys=have
    )


# ---------------------------------------------------------------- tolerations


def tolerates(toleration: dict[str, Any], taint: dict[str, Any]) -> bool:
    """Kubernetes' Toleration.ToleratesTaint: an empty effect matches every effect."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    operator = toleration.get("operator") or "Equal"
    if key and key != taint.get("key"):
        return False
    if not key and operator != "Exists":
        return False
    if operator == "Exists":
        return True
    return str(toleration.get("value") or "") == str(taint.get("value") or "")
