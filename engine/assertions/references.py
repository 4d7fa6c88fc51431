"""``resolves``: the references an object makes lead somewhere real.

An Ingress whose backend Service has no ready endpoint, a TLS Secret whose
certificate names another host, a claim that is bound to nothing: each object
is fine on its own, and the application is broken. A content file names which
references must resolve::

    select: {kind: Deployment, name: web}
    resolves: [claims, service-account]

That a referenced ConfigMap, Secret, claim or Service exists with the keys
(ports) named is the language's ``references`` kind (engine.assertions.kinds):
this module judges what lies beyond existence.

- ``claims``: every PersistentVolumeClaim a Pod template mounts exists and is Bound;
- ``service-account``: the Pod template's ServiceAccount exists;
- ``backends``: every Service an Ingress routes to exists, has the port the
  backend names (by number or by name) and has at least one ready endpoint;
- ``tls``: every Secret an Ingress names under ``tls`` is a ``kubernetes.io/tls``
  Secret whose certificate is valid now and names every host of that ``tls``
  entry (a certificate for another host is refused by every browser);
- ``volume``: a PersistentVolumeClaim is Bound to a PersistentVolume that
  exists and is bound back to it;
- ``scale-target``: a HorizontalPodAutoscaler's target exists, and for each
  resource it scales on by utilization, every container of the target requests
  that resource (without a request there is no utilization to compute).

Every problem found is listed, in words a beginner can act on.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from engine.assertions import extensions
from engine.assertions.ext_common import name_of as _name
from engine.assertions.rules import RuleError
from engine.manifests.server_rules import TEMPLATE_PATHS

MAX_PROBLEMS = 5


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    if obj.get("kind") == "Pod":
        spec = obj.get("spec")
        return spec if isinstance(spec, dict) else None
    path = TEMPLATE_PATHS.get(str(obj.get("kind")))
    if path is None:
        return None
    node: Any = obj
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    spec = node.get("spec") if isinstance(node, dict) else None
    return spec if isinstance(spec, dict) else None


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return _dicts(spec.get("initContainers")) + _dicts(spec.get("containers"))


def _named(objects: list[dict[str, Any]], kind: str, name: Any) -> dict[str, Any] | None:
    for obj in objects:
        if obj.get("kind") == kind and _map(obj.get("metadata")).get("name") == name:
            return obj
    return None


def _keys(obj: dict[str, Any]) -> set[str]:
    return {str(k) for k in _map(obj.get("data"))} | {str(k) for k in _map(obj.get("binaryData"))}


# --- claims, ServiceAccounts ---------------------------------------------------------------


def _claim_problems(obj: dict[str, Any], objects: list[dict[str, Any]]) -> list[str]:
    spec = _pod_spec(obj)
    found = []
    for volume in _dicts((spec or {}).get("volumes")):
        name = _map(volume.get("persistentVolumeClaim")).get("claimName")
        if name is None:
            continue
        claim = _named(objects, "PersistentVolumeClaim", name)
        if claim is None:
            found.append(
                f'volume "{volume.get("name")}" mounts the claim "{name}", which does not exist'
            )
        elif _map(claim.get("status")).get("phase") != "Bound":
            phase = _map(claim.get("status")).get("phase") or "not bound"
            found.append(
                f'volume "{volume.get("name")}" mounts the claim "{name}", which is {phase}'
            )
    return found


def _service_account_problems(obj: dict[str, Any], objects: list[dict[str, Any]]) -> list[str]:
    spec = _pod_spec(obj)
    if spec is None:
        return []
    name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    if _named(objects, "ServiceAccount", name) is None:
        return [f'the Pods run as ServiceAccount "{name}", which does not exist']
    return []


# --- Ingress ------------------------------------------------------------------------------


def _backends(ingress: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    spec = _map(ingress.get("spec"))
    default = _map(_map(spec.get("defaultBackend")).get("service"))
    if default:
        yield "the default backend", default
    for rule in _dicts(spec.get("rules")):
        host = rule.get("host") or "any host"
        for path in _dicts(_map(rule.get("http")).get("paths")):
            service = _map(_map(path.get("backend")).get("service"))
            if service:
                yield f"{host} {path.get('path') or '/'}", service


def _ready_endpoints(objects: list[dict[str, Any]], service: str) -> int:
    count = 0
    for obj in objects:
        labels = _map(_map(obj.get("metadata")).get("labels"))
        if (
            obj.get("kind") == "EndpointSlice"
            and labels.get("kubernetes.io/service-name") == service
        ):
            count += sum(
                1 for e in _dicts(obj.get("endpoints"))
                if _map(e.get("conditions")).get("ready") is not False
            )  # fmt: skip
    return count


def _backend_problems(obj: dict[str, Any], objects: list[dict[str, Any]]) -> list[str]:
    found = []
    for where, backend in _backends(obj):
        name, port = backend.get("name"), _map(backend.get("port"))
        service = _named(objects, "Service", name)
        if service is None:
            found.append(f'{where} goes to Service "{name}", which does not exist')
            continue
        ports = _dicts(_map(service.get("spec")).get("ports"))
        if "number" in port:
            ok = any(p.get("port") == port["number"] for p in ports)
            wanted = f"port {port['number']}"
        else:
            ok = any(p.get("name") == port.get("name") for p in ports)
            wanted = f'the port named "{port.get("name")}"'
        if not ok:
            have = (
                ", ".join(
                    f"{p.get('port')}" + (f" ({p['name']})" if p.get("name") else "") for p in ports
                )
                or "none"
            )
            found.append(f'{where} goes to {wanted} of Service "{name}", whose ports are {have}')
        elif not _ready_endpoints(objects, str(name)):
            found.append(
                f'{where} goes to Service "{name}", which has no ready endpoints (it selects no ready Pod)'
            )
    return found


def _tls_problems(obj: dict[str, Any], objects: list[dict[str, Any]]) -> list[str]:
    found = []
    for entry in _dicts(_map(obj.get("spec")).get("tls")):
        name = entry.get("secretName")
        hosts = [str(h) for h in entry.get("hosts") or []]
        secret = _named(objects, "Secret", name)
        if secret is None:
            found.append(
                f'TLS for {", ".join(hosts) or "all hosts"} uses Secret "{name}", which does not exist'
            )
        elif secret.get("type") != "kubernetes.io/tls" or not {"tls.crt", "tls.key"} <= _keys(
            secret
        ):
            found.append(
                f'Secret "{name}" is not a TLS Secret (type kubernetes.io/tls with tls.crt and tls.key)'
            )
        else:
            certificate = _map(secret.get("data")).get("tls.crt")
            found += [f'Secret "{name}": {p}' for p in certificate_problems(certificate, hosts)]
    return found


def certificate_problems(
    encoded: Any, hosts: list[str], *, now: datetime | None = None
) -> list[str]:
    """Why a base64 PEM certificate does not serve these hosts now (empty when it does)."""
    try:
        certificate = x509.load_pem_x509_certificate(base64.b64decode(str(encoded), validate=True))
    except (ValueError, TypeError, binascii.Error):
        return ["tls.crt holds no PEM certificate"]
    now = now or datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return [
            f"the certificate is valid from {certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}, not now"
        ]
    names = _certificate_names(certificate)
    if not names:
        return [
            "the certificate names no host in subjectAltName, and browsers no longer accept "
            "the common name (CN) alone"
        ]
    missing = [h for h in hosts if not any(_host_matches(pattern, h) for pattern in names)]
    if missing:
        return [f"the certificate is for {', '.join(sorted(names))}, not for {', '.join(missing)}"]
    return []


def _certificate_names(certificate: x509.Certificate) -> set[str]:
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return set()
    return {n.lower() for n in extension.value.get_values_for_type(x509.DNSName)}


def _host_matches(pattern: str, host: str) -> bool:
    """A certificate name against a host: ``*.example.com`` covers exactly one more label."""
    host = host.lower()
    if pattern.startswith("*."):
        head, _sep, rest = host.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == host


# --- claims and volumes, autoscalers --------------------------------------------------------


def _volume_problems(obj: dict[str, Any], objects: list[dict[str, Any]]) -> list[str]:
    if obj.get("kind") != "PersistentVolumeClaim":
        return []
    meta, spec, status = _map(obj.get("metadata")), _map(obj.get("spec")), _map(obj.get("status"))
    if status.get("phase") != "Bound":
        return [f"the claim is {status.get('phase') or 'not bound'}, not Bound"]
    volume = _named(objects, "PersistentVolume", spec.get("volumeName"))
    if volume is None:
        return [
            f'the claim names the PersistentVolume "{spec.get("volumeName")}", which does not exist'
        ]
    ref = _map(_map(volume.get("spec")).get("claimRef"))
    if ref.get("name") != meta.get("name") or ref.get("namespace") != meta.get("namespace"):
        return [f'the PersistentVolume "{spec.get("volumeName")}" is bound to another claim']
    return []


def _scale_target_problems(obj: dict[str, Any], objects: list[dict[str, Any]]) -> list[str]:
    spec = _map(obj.get("spec"))
    ref = _map(spec.get("scaleTargetRef"))
    target = _named(objects, str(ref.get("kind")), ref.get("name"))
    if target is None:
        return [f'it scales {ref.get("kind")} "{ref.get("name")}", which does not exist']
    pod = _pod_spec(target) or {}
    found = []
    for metric in _dicts(spec.get("metrics")):
        resource = _map(metric.get("resource"))
        if (
            metric.get("type") != "Resource"
            or _map(resource.get("target")).get("type") != "Utilization"
        ):
            continue
        for container in _dicts(pod.get("containers")):
            requests = _map(_map(container.get("resources")).get("requests"))
            if resource.get("name") not in requests:
                found.append(
                    f'container "{container.get("name")}" of {ref.get("kind")} "{ref.get("name")}" '
                    f"requests no {resource.get('name')}, so its {resource.get('name')} utilization cannot be computed"
                )
    return found


_CHECKS: dict[str, tuple[Callable[[dict[str, Any], list[dict[str, Any]]], list[str]], set[extensions.KindKey]]] = {
    "claims": (_claim_problems, {("v1", "PersistentVolumeClaim")}),
    "service-account": (_service_account_problems, {("v1", "ServiceAccount")}),
    "backends": (_backend_problems, {("v1", "Service"), ("discovery.k8s.io/v1", "EndpointSlice")}),
    "tls": (_tls_problems, {("v1", "Secret")}),
    "volume": (_volume_problems, {("v1", "PersistentVolume")}),
    "scale-target": (
        _scale_target_problems,
        {("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("apps/v1", "ReplicaSet")},
    ),
}  # fmt: skip


# What the language's `references` kind already judges (every key a Pod template reads exists).
_MOVED = {
    "config-maps": "references: {kinds: [ConfigMap]}",
    "secrets": "references: {kinds: [Secret]}",
}


def _compile(rule_id: str, raw: dict[str, Any]) -> tuple[str, ...]:
    argument = raw["resolves"]
    if isinstance(argument, str):
        argument = [argument]
    if not isinstance(argument, list) or not argument:
        raise RuleError(f"rule {rule_id}: `resolves` lists what must resolve, e.g. [config-maps]")
    moved = [a for a in argument if a in _MOVED]
    if moved:
        raise RuleError(
            f"rule {rule_id}: `resolves: [{moved[0]}]` is `{_MOVED[moved[0]]}` (one implementation: "
            "engine.assertions.kinds)"
        )
    unknown = [a for a in argument if a not in _CHECKS]
    if unknown:
        raise RuleError(
            f"rule {rule_id}: `resolves` does not know {unknown}; use {', '.join(_CHECKS)}"
        )
    return tuple(dict.fromkeys(argument))


def _evaluate(
    rule: Any, selected: list[dict[str, Any]], objects: list[dict[str, Any]]
) -> tuple[bool, str, dict[str, Any]]:
    if not selected:
        return False, f"Expected a {rule.select.describe()}, found none.", {"selected": 0}
    problems = []
    for obj in selected:
        for reference in rule.compiled:
            check, _unused = _CHECKS[reference]
            problems += [f"{obj.get('kind')} {_name(obj)}: {p}" for p in check(obj, objects)]
    if problems:
        shown = "; ".join(problems[:MAX_PROBLEMS])
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        return False, f"{shown}{more}.", {"problems": problems}
    what = ", ".join(rule.compiled)
    return (
        True,
        f"Every reference ({what}) of {rule.select.describe()} resolves.",
        {"selected": len(selected)},
    )


def _reads(rule: Any) -> set[extensions.KindKey]:
    return set().union(*(_CHECKS[r][1] for r in rule.compiled))


extensions.register(
    extensions.Extension(name="resolves", compile=_compile, evaluate=_evaluate, reads=_reads)
)
