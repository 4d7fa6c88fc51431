"""Rules the API server enforces that the OpenAPI schemas do not express.

Each check mirrors a validation in Kubernetes' own code (names, labels,
selectors, ports, counts, Secret data, object size, enumerations) and was
compared with ``kubectl apply --dry-run=server`` on a 1.35 API server
(tests/cluster/test_validator_vs_server.py).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator
from typing import Any

from engine.manifests.findings import Document, Finding, Path, shown

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
IANA_SVC_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
MAX_OBJECT_DATA = 1024 * 1024

# Kinds whose names must be DNS labels (63 characters, no dots).
LABEL_NAMED = {"Service", "Namespace"}
# Workloads and where their Pod template lives.
TEMPLATE_PATHS: dict[str, Path] = {
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
SELECTOR_REQUIRED = {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"}

ENUMS: dict[str, tuple[str, ...]] = {
    "service-type": ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
    "protocol": ("TCP", "UDP", "SCTP"),
    "image-pull-policy": ("Always", "IfNotPresent", "Never"),
    "path-type": ("Exact", "Prefix", "ImplementationSpecific"),
    "access-mode": ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"),
    "reclaim-policy": ("Retain", "Delete", "Recycle"),
    "deployment-strategy": ("RollingUpdate", "Recreate"),
    "concurrency-policy": ("Allow", "Forbid", "Replace"),
    "statefulset-strategy": ("RollingUpdate", "OnDelete"),
    "pod-management-policy": ("OrderedReady", "Parallel"),
}
NON_NEGATIVE: dict[str, int] = {
    "replicas": 0,
    "minReadySeconds": 0,
    "revisionHistoryLimit": 0,
    "progressDeadlineSeconds": 1,
    "initialDelaySeconds": 0,
    "periodSeconds": 1,
    "timeoutSeconds": 1,
    "successThreshold": 1,
    "failureThreshold": 1,
    "terminationGracePeriodSeconds": 0,
    "parallelism": 0,
    "completions": 0,
    "backoffLimit": 0,
    "activeDeadlineSeconds": 1,
    "ttlSecondsAfterFinished": 0,
    "successfulJobsHistoryLimit": 0,
    "failedJobsHistoryLimit": 0,
    "startingDeadlineSeconds": 0,
}


def check(doc: Document, kind: str) -> list[Finding]:
    data = doc.data
    out: list[Finding] = []
    _check_metadata(doc, kind, data.get("metadata"), ("metadata",), out)
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    template_path = TEMPLATE_PATHS.get(kind)
    if kind == "Pod":
        _check_pod_spec(doc, spec, ("spec",), out, kind)
    elif template_path:
        template = _get(data, template_path)
        if isinstance(template, dict):
            _check_metadata(
                doc,
                "Pod",
                template.get("metadata"),
                (*template_path, "metadata"),
                out,
                template=True,
            )
            pod_spec = template.get("spec")
            if isinstance(pod_spec, dict):
                _check_pod_spec(doc, pod_spec, (*template_path, "spec"), out, kind)
        _check_selector(doc, kind, data, template_path, out)
        _check_workload_enums(doc, kind, spec, out)
    elif kind == "Service":
        _check_service(doc, spec, out)
    elif kind == "Secret":
        _check_secret(doc, data, out)
    elif kind == "ConfigMap":
        _check_config_map(doc, data, out)
    elif kind == "Ingress":
        _check_ingress(doc, spec, out)
    elif kind in ("PersistentVolume", "PersistentVolumeClaim"):
        _check_volume_claim(doc, kind, spec, out)
    _check_counts(doc, data, (), out)
    return out


def _get(data: Any, path: Path) -> Any:
    for part in path:
        if isinstance(part, str) and isinstance(data, dict):
            data = data.get(part)
        elif isinstance(part, int) and isinstance(data, list) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _items(value: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield index, item


def _check_metadata(
    doc: Document, kind: str, meta: Any, path: Path, out: list[Finding], template: bool = False
) -> None:
    if not isinstance(meta, dict):
        if not template:
            out.append(
                doc.finding(
                    "error",
                    "missing-field",
                    (),
                    "`metadata.name` is required: every object needs a name.",
                )
            )
        return
    name = meta.get("name")
    if not template:
        if name is None and not meta.get("generateName"):
            out.append(
                doc.finding(
                    "error",
                    "missing-field",
                    path,
                    "`name` is required in `metadata`: every object needs a name.",
                )
            )
        elif isinstance(name, str):
            _check_name(doc, kind, name, (*path, "name"), out)
    labels = meta.get("labels")
    if isinstance(labels, dict):
        for key, value in labels.items():
            _check_label(doc, key, value, (*path, "labels", key), out)
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        for key in annotations:
            problem = _label_key_problem(key)
            if problem:
                out.append(
                    doc.finding(
                        "error",
                        "invalid-label",
                        (*path, "annotations", key),
                        f"Annotation key `{shown(key)}`: {problem}",
                    )
                )


def _check_name(doc: Document, kind: str, name: str, path: Path, out: list[Finding]) -> None:
    if kind in LABEL_NAMED:
        ok = len(name) <= 63 and DNS_LABEL.match(name)
        rule = "at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit"
    else:
        ok = len(name) <= 253 and DNS_SUBDOMAIN.match(name)
        rule = "lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit"
    if not ok:
        suggestion = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        hint = f" Try `{shown(suggestion)}`." if suggestion and suggestion != name else ""
        out.append(
            doc.finding(
                "error",
                "invalid-name",
                path,
                f'"{shown(name)}" is not a valid {kind} name: use {rule}.{hint}',
            )
        )


def _label_key_problem(key: str) -> str | None:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix)):
        return f"the prefix `{shown(prefix)}` must be a DNS subdomain such as `example.com`."
    if not name or len(name) > 63 or not LABEL_NAME.match(name):
        return "the name part must be 1-63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit."
    return None


def _check_label(doc: Document, key: str, value: Any, path: Path, out: list[Finding]) -> None:
    problem = _label_key_problem(key)
    if problem:
        out.append(
            doc.finding("error", "invalid-label", path, f"Label key `{shown(key)}`: {problem}")
        )
    if isinstance(value, str) and value and (len(value) > 63 or not LABEL_NAME.match(value)):
        out.append(
            doc.finding(
                "error",
                "invalid-label",
                path,
                f'Label value "{shown(value)}" must be at most 63 letters, digits, `-`, `_` or `.`, '
                "starting and ending with a letter or digit (no spaces or slashes).",
            )
        )


def _check_pod_spec(
    doc: Document, spec: dict[str, Any], path: Path, out: list[Finding], owner: str
) -> None:
    names: set[str] = set()
    for field in ("initContainers", "containers"):
        for index, container in _items(spec.get(field)):
            where = (*path, field, index)
            name = container.get("name")
            if isinstance(name, str):
                if not DNS_LABEL.match(name) or len(name) > 63:
                    out.append(
                        doc.finding(
                            "error",
                            "invalid-name",
                            (*where, "name"),
                            f'Container name "{shown(name)}" must be lowercase letters, digits and `-` (at most 63).',
                        )
                    )
                if name in names:
                    out.append(
                        doc.finding(
                            "error",
                            "invalid-value",
                            (*where, "name"),
                            f'Two containers are named "{shown(name)}": names must be unique in a Pod.',
                        )
                    )
                names.add(name)
            if not container.get("image"):
                out.append(
                    doc.finding(
                        "error",
                        "missing-image",
                        where,
                        f"Container {shown(name) if isinstance(name, str) and name else index} has no `image`: say which image to run, e.g. `image: nginx:1.27`.",
                    )
                )
            policy = container.get("imagePullPolicy")
            if policy is not None:
                _enum(doc, policy, "image-pull-policy", (*where, "imagePullPolicy"), out)
            for port_index, port in _items(container.get("ports")):
                port_path = (*where, "ports", port_index)
                _port(doc, port.get("containerPort"), (*port_path, "containerPort"), out)
                _port(doc, port.get("hostPort"), (*port_path, "hostPort"), out, optional=True)
                if port.get("protocol") is not None:
                    _enum(doc, port["protocol"], "protocol", (*port_path, "protocol"), out)
                port_name = port.get("name")
                if isinstance(port_name, str) and not _is_port_name(port_name):
                    out.append(
                        doc.finding(
                            "error",
                            "invalid-value",
                            (*port_path, "name"),
                            f'Port name "{shown(port_name)}" must be at most 15 lowercase letters, digits and `-`, with at least one letter.',
                        )
                    )
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                value = container.get(probe)
                if isinstance(value, dict):
                    _check_probe(doc, value, (*where, probe), out)
    if not _get(spec, ("containers",)) and "containers" in spec:
        out.append(
            doc.finding(
                "error",
                "missing-field",
                (*path, "containers"),
                "A Pod needs at least one container.",
            )
        )
    restart = spec.get("restartPolicy")
    allowed = {
        "Pod": ("Always", "OnFailure", "Never"),
        "Job": ("OnFailure", "Never"),
        "CronJob": ("OnFailure", "Never"),
    }.get(owner, ("Always",))
    if restart is not None and restart not in allowed:
        why = (
            " (Pods of a Job must finish: use `OnFailure` or `Never`)"
            if owner in ("Job", "CronJob")
            else " (a workload's Pods always restart)"
            if owner != "Pod"
            else ""
        )
        out.append(
            doc.finding(
                "error",
                "invalid-value",
                (*path, "restartPolicy"),
                f'`restartPolicy` "{shown(restart)}" is not allowed here: use {" or ".join(f"`{a}`" for a in allowed)}{why}.',
            )
        )
    for index, volume in _items(spec.get("volumes")):
        name = volume.get("name")
        if isinstance(name, str) and (len(name) > 63 or not DNS_LABEL.match(name)):
            out.append(
                doc.finding(
                    "error",
                    "invalid-name",
                    (*path, "volumes", index, "name"),
                    f'Volume name "{shown(name)}" must be lowercase letters, digits and `-`.',
                )
            )


def _check_probe(doc: Document, probe: dict[str, Any], path: Path, out: list[Finding]) -> None:
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if probe.get(h) is not None]
    if len(handlers) != 1:
        message = "A probe needs exactly one of `exec`, `httpGet`, `tcpSocket` or `grpc`" + (
            f"; this one has {', '.join(f'`{h}`' for h in handlers)}." if handlers else "."
        )
        out.append(
            doc.finding(
                "error", "missing-field" if not handlers else "invalid-value", path, message
            )
        )
    for handler in ("httpGet", "tcpSocket"):
        port = _get(probe, (handler, "port"))
        if isinstance(port, int) and not isinstance(port, bool):
            _port(doc, port, (*path, handler, "port"), out)


def _is_port_name(name: str) -> bool:
    return (
        len(name) <= 15
        and bool(IANA_SVC_NAME.match(name))
        and "--" not in name
        and any(c.isalpha() for c in name)
    )


def _port(
    doc: Document,
    value: Any,
    path: Path,
    out: list[Finding],
    optional: bool = False,
    low: int = 1,
    high: int = 65535,
) -> None:
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        return
    if optional and value == 0:
        return
    if not low <= value <= high:
        out.append(
            doc.finding(
                "error",
                "port-out-of-range",
                path,
                f"Port {shown(value)} is out of range: `{path[-1]}` must be between {low} and {high}.",
            )
        )


def _enum(doc: Document, value: Any, which: str, path: Path, out: list[Finding]) -> None:
    allowed = ENUMS[which]
    if value in allowed:
        return
    exact = next(
        (a for a in allowed if isinstance(value, str) and a.lower() == value.lower()), None
    )
    hint = f" — did you mean `{exact}`? Capital letters matter." if exact else ""
    choices = ", ".join(f"`{a}`" for a in allowed)
    out.append(
        doc.finding(
            "error",
            "invalid-value",
            path,
            f'"{shown(value)}" is not allowed for `{path[-1]}`: use one of {choices}{hint}',
        )
    )


def _check_selector(
    doc: Document, kind: str, data: dict[str, Any], template_path: Path, out: list[Finding]
) -> None:
    if kind in ("Job", "CronJob", "ReplicationController"):
        return
    selector = _get(data, ("spec", "selector"))
    labels = _get(data, (*template_path, "metadata", "labels"))
    if kind in SELECTOR_REQUIRED and selector is None:
        return  # the schema reports the missing field
    if not isinstance(selector, dict):
        return
    match_labels: dict[str, Any] = (
        selector["matchLabels"] if isinstance(selector.get("matchLabels"), dict) else {}
    )
    expressions = [e for _, e in _items(selector.get("matchExpressions"))]
    if not match_labels and not expressions:
        out.append(
            doc.finding(
                "error",
                "invalid-value",
                ("spec", "selector"),
                "The selector is empty: it would select every Pod. Add `matchLabels` that equal the template's labels.",
            )
        )
        return
    labels = labels if isinstance(labels, dict) else {}
    if not selector_matches(selector, labels):
        wanted = _pairs(match_labels) or "its matchExpressions"
        have = _pairs(labels) or "no labels"
        out.append(
            doc.finding(
                "error",
                "selector-mismatch",
                ("spec", "selector"),
                f"The selector ({wanted}) does not match the Pod template's labels ({have}). "
                "The API server refuses this: the Pods it creates must be selected by it. "
                "Make `spec.selector.matchLabels` equal to `spec.template.metadata.labels`.",
            )
        )


def selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """A label selector (matchLabels and matchExpressions) against a set of labels."""
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, dict):
        for key, value in match_labels.items():
            if str(labels.get(key)) != str(value) or key not in labels:
                return False
    for _, expression in _items(selector.get("matchExpressions")):
        key, operator = expression.get("key"), expression.get("operator")
        if not isinstance(key, str):
            continue  # the schema reports a key that is not text
        raw_values = expression.get("values")
        values = [str(v) for v in raw_values] if isinstance(raw_values, list) else []
        present = key in labels
        actual = str(labels.get(key))
        if operator == "In" and not (present and actual in values):
            return False
        if operator == "NotIn" and present and actual in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _pairs(labels: dict[str, Any]) -> str:
    return shown(", ".join(f"{shown(k)}: {shown(v)}" for k, v in labels.items()), 200)


def _check_workload_enums(
    doc: Document, kind: str, spec: dict[str, Any], out: list[Finding]
) -> None:
    if kind == "Deployment" and _get(spec, ("strategy", "type")) is not None:
        _enum(
            doc, spec["strategy"]["type"], "deployment-strategy", ("spec", "strategy", "type"), out
        )
    if kind in ("StatefulSet", "DaemonSet") and _get(spec, ("updateStrategy", "type")) is not None:
        _enum(
            doc,
            spec["updateStrategy"]["type"],
            "statefulset-strategy",
            ("spec", "updateStrategy", "type"),
            out,
        )
    if kind == "StatefulSet" and spec.get("podManagementPolicy") is not None:
        _enum(
            doc,
            spec["podManagementPolicy"],
            "pod-management-policy",
            ("spec", "podManagementPolicy"),
            out,
        )
    if kind == "CronJob" and spec.get("concurrencyPolicy") is not None:
        _enum(
            doc, spec["concurrencyPolicy"], "concurrency-policy", ("spec", "concurrencyPolicy"), out
        )


def _check_service(doc: Document, spec: dict[str, Any], out: list[Finding]) -> None:
    service_type = spec.get("type", "ClusterIP")
    if spec.get("type") is not None:
        _enum(doc, service_type, "service-type", ("spec", "type"), out)
    ports = list(_items(spec.get("ports")))
    if not ports and service_type != "ExternalName" and spec.get("clusterIP") != "None":
        out.append(
            doc.finding(
                "error",
                "missing-field",
                ("spec",),
                "A Service needs `ports`: which port it listens on and which container port it forwards to.",
            )
        )
    names = set()
    for index, port in ports:
        path = ("spec", "ports", index)
        _port(doc, port.get("port"), (*path, "port"), out)
        target = port.get("targetPort")
        if isinstance(target, int) and not isinstance(target, bool):
            _port(doc, target, (*path, "targetPort"), out)
        elif isinstance(target, str) and not _is_port_name(target):
            if target.isdigit():
                out.append(
                    doc.finding(
                        "error",
                        "invalid-value",
                        (*path, "targetPort"),
                        f'targetPort "{shown(target)}" is a number in quotes: remove the quotes.',
                    )
                )
            else:
                out.append(
                    doc.finding(
                        "error",
                        "invalid-value",
                        (*path, "targetPort"),
                        f'targetPort "{shown(target)}" is not a valid port name (at most 15 lowercase letters, digits and `-`).',
                    )
                )
        node_port = port.get("nodePort")
        if node_port is not None:
            if service_type not in ("NodePort", "LoadBalancer"):
                out.append(
                    doc.finding(
                        "error",
                        "invalid-value",
                        (*path, "nodePort"),
                        f"`nodePort` is only allowed on NodePort and LoadBalancer Services, not {shown(service_type)}.",
                    )
                )
            else:
                _port(doc, node_port, (*path, "nodePort"), out, low=30000, high=32767)
        if port.get("protocol") is not None:
            _enum(doc, port["protocol"], "protocol", (*path, "protocol"), out)
        name = port.get("name")
        if not isinstance(name, str):
            name = None  # not text: the schema reports it
        if len(ports) > 1 and not name:
            out.append(
                doc.finding(
                    "error",
                    "missing-field",
                    path,
                    "When a Service has several ports, each needs a `name`.",
                )
            )
        if name and name in names:
            out.append(
                doc.finding(
                    "error",
                    "invalid-value",
                    (*path, "name"),
                    f'Two ports are named "{shown(name)}".',
                )
            )
        names.add(name)
    if service_type == "ExternalName" and not spec.get("externalName"):
        out.append(
            doc.finding(
                "error",
                "missing-field",
                ("spec",),
                "An ExternalName Service needs `externalName`, the DNS name it points to.",
            )
        )


def _check_secret(doc: Document, data: dict[str, Any], out: list[Finding]) -> None:
    values = data.get("data")
    total = 0
    if isinstance(values, dict):
        for key, value in values.items():
            path = ("data", key)
            _config_key(doc, key, path, out)
            if not isinstance(value, str):
                continue
            try:
                total += len(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                out.append(
                    doc.finding(
                        "error",
                        "invalid-base64",
                        path,
                        f"The value of `{shown(key)}` is not base64. Values under `data` must be base64-encoded "
                        f'(`echo -n "..." | base64`), or move plain text to `stringData`. '
                        "Remember: base64 is an encoding, not encryption.",
                    )
                )
    strings = data.get("stringData")
    if isinstance(strings, dict):
        for key, value in strings.items():
            _config_key(doc, key, ("stringData", key), out)
            total += len(str(value).encode())
    _size(doc, "Secret", total, out)


def _check_config_map(doc: Document, data: dict[str, Any], out: list[Finding]) -> None:
    total = 0
    for field in ("data", "binaryData"):
        values = data.get(field)
        if isinstance(values, dict):
            for key, value in values.items():
                _config_key(doc, key, (field, key), out)
                total += len(str(value).encode())
    _size(doc, "ConfigMap", total, out)


def _config_key(doc: Document, key: str, path: Path, out: list[Finding]) -> None:
    if len(key) > 253 or not CONFIG_KEY.match(key):
        out.append(
            doc.finding(
                "error",
                "invalid-value",
                path,
                f'Key "{shown(key)}" may contain only letters, digits, `-`, `_` and `.`.',
            )
        )


def _size(doc: Document, kind: str, total: int, out: list[Finding]) -> None:
    if total > MAX_OBJECT_DATA:
        out.append(
            doc.finding(
                "error",
                "too-large-object",
                (),
                f"This {kind} holds {total // 1024} KiB; the API server refuses more than 1 MiB. Use a volume instead.",
            )
        )


def _check_ingress(doc: Document, spec: dict[str, Any], out: list[Finding]) -> None:
    for index, rule in _items(spec.get("rules")):
        for path_index, entry in _items(_get(rule, ("http", "paths"))):
            where = ("spec", "rules", index, "http", "paths", path_index)
            if entry.get("pathType") is not None:
                _enum(doc, entry["pathType"], "path-type", (*where, "pathType"), out)
            path = entry.get("path")
            if (
                isinstance(path, str)
                and entry.get("pathType") in ("Exact", "Prefix")
                and not path.startswith("/")
            ):
                out.append(
                    doc.finding(
                        "error",
                        "invalid-value",
                        (*where, "path"),
                        f'Path "{shown(path)}" must start with `/`.',
                    )
                )
            number = _get(entry, ("backend", "service", "port", "number"))
            _port(doc, number, (*where, "backend", "service", "port", "number"), out)


def _check_volume_claim(doc: Document, kind: str, spec: dict[str, Any], out: list[Finding]) -> None:
    modes = spec.get("accessModes")
    if isinstance(modes, list):  # not a list: the schema reports the wrong type
        for index, mode in enumerate(modes):
            _enum(doc, mode, "access-mode", ("spec", "accessModes", index), out)
    if kind == "PersistentVolume" and spec.get("persistentVolumeReclaimPolicy") is not None:
        _enum(
            doc,
            spec["persistentVolumeReclaimPolicy"],
            "reclaim-policy",
            ("spec", "persistentVolumeReclaimPolicy"),
            out,
        )


def _check_counts(doc: Document, value: Any, path: Path, out: list[Finding]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            minimum = NON_NEGATIVE.get(key)
            if (
                minimum is not None
                and isinstance(child, int)
                and not isinstance(child, bool)
                and child < minimum
            ):
                what = "negative" if minimum == 0 else f"less than {minimum}"
                out.append(
                    doc.finding(
                        "error",
                        "negative-value",
                        (*path, key),
                        f"`{key}` cannot be {what} (it is {shown(child)}).",
                    )
                )
            elif isinstance(child, dict | list):
                _check_counts(doc, child, (*path, key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                _check_counts(doc, item, (*path, index), out)
