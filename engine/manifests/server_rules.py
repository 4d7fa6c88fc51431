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

from engine.i18n import _
from engine.manifests.findings import Document, Finding, Path, either, shown
from engine.manifests.suggest import closest

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
                claims = {
                    name
                    for _, claim in _items(_get(data, ("spec", "volumeClaimTemplates")))
                    if isinstance(name := _get(claim, ("metadata", "name")), str)
                }
                _check_pod_spec(doc, pod_spec, (*template_path, "spec"), out, kind, claims)
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
    elif kind == "LimitRange":
        _check_limit_range(doc, spec, out)
    if kind == "ReplicationController":
        _check_replication_controller(doc, data, out)
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
                    _("`metadata.name` is required: every object needs a name."),
                )
            )
        return
    name = meta.get("name")
    if not template:
        if name is None and meta.get("generateName"):
            out.append(
                doc.finding(
                    "warning",
                    "generate-name",
                    (*path, "generateName"),
                    _(
                        "`generateName` only works with `kubectl create` (each create picks a "
                        "new name); `kubectl apply` needs a fixed `name` and refuses this "
                        "object. Use `kubectl create -f`, or give it a `name`."
                    ),
                )
            )
        elif name is None:
            out.append(
                doc.finding(
                    "error",
                    "missing-field",
                    path,
                    _("`name` is required in `metadata`: every object needs a name."),
                    suggestion="name",
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
                        _("Annotation key `{key}`: {problem}").format(
                            key=shown(key), problem=problem
                        ),
                    )
                )


def _check_name(doc: Document, kind: str, name: str, path: Path, out: list[Finding]) -> None:
    if kind in LABEL_NAMED:
        ok = len(name) <= 63 and DNS_LABEL.match(name)
        rule = _(
            "at most 63 lowercase letters, digits and `-`, starting and ending with a letter "
            "or digit"
        )
    else:
        ok = len(name) <= 253 and DNS_SUBDOMAIN.match(name)
        rule = _(
            "lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit"
        )
    if not ok:
        suggestion = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
        message = _('"{name}" is not a valid {kind} name: use {rule}.').format(
            name=shown(name), kind=kind, rule=rule
        )
        if suggestion and suggestion != name:
            message += " " + _("Try `{suggestion}`.").format(suggestion=shown(suggestion))
        out.append(doc.finding("error", "invalid-name", path, message))


def _label_key_problem(key: str) -> str | None:
    prefix, _slash, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS_SUBDOMAIN.match(prefix)):
        return _("the prefix `{prefix}` must be a DNS subdomain such as `example.com`.").format(
            prefix=shown(prefix)
        )
    if not name or len(name) > 63 or not LABEL_NAME.match(name):
        return _(
            "the name part must be 1-63 letters, digits, `-`, `_` or `.`, starting and ending "
            "with a letter or digit."
        )
    return None


def _check_label(doc: Document, key: str, value: Any, path: Path, out: list[Finding]) -> None:
    problem = _label_key_problem(key)
    if problem:
        out.append(
            doc.finding(
                "error",
                "invalid-label",
                path,
                _("Label key `{key}`: {problem}").format(key=shown(key), problem=problem),
            )
        )
    if isinstance(value, str) and value and (len(value) > 63 or not LABEL_NAME.match(value)):
        out.append(
            doc.finding(
                "error",
                "invalid-label",
                path,
                _(
                    'Label value "{value}" must be at most 63 letters, digits, `-`, `_` or `.`, '
                    "starting and ending with a letter or digit (no spaces or slashes)."
                ).format(value=shown(value)),
            )
        )


def _check_pod_spec(
    doc: Document,
    spec: dict[str, Any],
    path: Path,
    out: list[Finding],
    owner: str,
    claims: set[str] | None = None,
) -> None:
    names: set[str] = set()
    volumes = {
        name for _, v in _items(spec.get("volumes")) if isinstance(name := v.get("name"), str)
    } | (claims or set())
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
                            _(
                                'Container name "{name}" must be lowercase letters, digits '
                                "and `-` (at most 63)."
                            ).format(name=shown(name)),
                        )
                    )
                if name in names:
                    out.append(
                        doc.finding(
                            "error",
                            "invalid-value",
                            (*where, "name"),
                            _(
                                'Two containers are named "{name}": names must be unique in a Pod.'
                            ).format(name=shown(name)),
                        )
                    )
                names.add(name)
            if not container.get("image"):
                out.append(
                    doc.finding(
                        "error",
                        "missing-image",
                        where,
                        _(
                            "Container {name} has no `image`: say which image to run, "
                            "e.g. `image: nginx:1.27`."
                        ).format(name=shown(name) if isinstance(name, str) and name else index),
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
                            _(
                                'Port name "{name}" must be at most 15 lowercase letters, '
                                "digits and `-`, with at least one letter."
                            ).format(name=shown(port_name)),
                        )
                    )
            for mount_index, mount in _items(container.get("volumeMounts")):
                mount_name = mount.get("name")
                if isinstance(mount_name, str) and mount_name not in volumes:
                    out.append(
                        doc.finding(
                            "error",
                            "invalid-value",
                            (*where, "volumeMounts", mount_index, "name"),
                            _(
                                'This volumeMount uses the volume "{name}", but the Pod has no '
                                'volume of that name: add one named "{name}" under `volumes` '
                                "(in a StatefulSet, or a `volumeClaimTemplates` entry)."
                            ).format(name=shown(mount_name)),
                        )
                    )
            resources = container.get("resources")
            if isinstance(resources, dict):
                for section in ("requests", "limits"):
                    values = resources.get(section)
                    if isinstance(values, dict):
                        for resource in values:
                            _resource_name(
                                doc, resource, (*where, "resources", section, resource), out
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
                _("A Pod needs at least one container."),
            )
        )
    restart = spec.get("restartPolicy")
    allowed = {
        "Pod": ("Always", "OnFailure", "Never"),
        "Job": ("OnFailure", "Never"),
        "CronJob": ("OnFailure", "Never"),
    }.get(owner, ("Always",))
    if restart is not None and restart not in allowed:
        choices = either([f"`{a}`" for a in allowed])
        if owner in ("Job", "CronJob"):
            message = _(
                '`restartPolicy` "{value}" is not allowed here: use {choices} '
                "(Pods of a Job must finish: use `OnFailure` or `Never`)."
            )
        elif owner != "Pod":
            message = _(
                '`restartPolicy` "{value}" is not allowed here: use {choices} '
                "(a workload's Pods always restart)."
            )
        else:
            message = _('`restartPolicy` "{value}" is not allowed here: use {choices}.')
        out.append(
            doc.finding(
                "error",
                "invalid-value",
                (*path, "restartPolicy"),
                message.format(value=shown(restart), choices=choices),
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
                    _('Volume name "{name}" must be lowercase letters, digits and `-`.').format(
                        name=shown(name)
                    ),
                )
            )


def _check_probe(doc: Document, probe: dict[str, Any], path: Path, out: list[Finding]) -> None:
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if probe.get(h) is not None]
    if len(handlers) != 1:
        if handlers:
            message = _(
                "A probe needs exactly one of `exec`, `httpGet`, `tcpSocket` or `grpc`; "
                "this one has {handlers}."
            ).format(handlers=", ".join(f"`{h}`" for h in handlers))
        else:
            message = _("A probe needs exactly one of `exec`, `httpGet`, `tcpSocket` or `grpc`.")
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
                _(
                    "Port {port} is out of range: `{field}` must be between {low} and {high}."
                ).format(port=shown(value), field=path[-1], low=low, high=high),
            )
        )


def _enum(doc: Document, value: Any, which: str, path: Path, out: list[Finding]) -> None:
    allowed = ENUMS[which]
    if value in allowed:
        return
    exact = next(
        (a for a in allowed if isinstance(value, str) and a.lower() == value.lower()), None
    )
    choices = ", ".join(f"`{a}`" for a in allowed)
    if exact:
        message = _(
            '"{value}" is not allowed for `{field}`: use one of {choices} — did you mean '
            "`{guess}`? Capital letters matter."
        )
    else:
        message = _('"{value}" is not allowed for `{field}`: use one of {choices}')
    out.append(
        doc.finding(
            "error",
            "invalid-value",
            path,
            message.format(value=shown(value), field=path[-1], choices=choices, guess=exact),
            suggestion=exact or "",
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
                _(
                    "The selector is empty: it would select every Pod. Add `matchLabels` that "
                    "equal the template's labels."
                ),
            )
        )
        return
    labels = labels if isinstance(labels, dict) else {}
    if not selector_matches(selector, labels):
        wanted = _pairs(match_labels) or _("its matchExpressions")
        have = _pairs(labels) or _("no labels")
        out.append(
            doc.finding(
                "error",
                "selector-mismatch",
                ("spec", "selector"),
                _(
                    "The selector ({wanted}) does not match the Pod template's labels ({have}). "
                    "The API server refuses this: the Pods it creates must be selected by it. "
                    "Make `spec.selector.matchLabels` equal to `spec.template.metadata.labels`."
                ).format(wanted=wanted, have=have),
            )
        )


def selector_matches(selector: dict[str, Any], labels: dict[str, Any]) -> bool:
    """A label selector (matchLabels and matchExpressions) against a set of labels."""
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, dict):
        for key, value in match_labels.items():
            if str(labels.get(key)) != str(value) or key not in labels:
                return False
    for _index, expression in _items(selector.get("matchExpressions")):
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
                _(
                    "A Service needs `ports`: which port it listens on and which container "
                    "port it forwards to."
                ),
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
                        _('targetPort "{value}" is a number in quotes: remove the quotes.').format(
                            value=shown(target)
                        ),
                    )
                )
            else:
                out.append(
                    doc.finding(
                        "error",
                        "invalid-value",
                        (*path, "targetPort"),
                        _(
                            'targetPort "{value}" is not a valid port name (at most 15 lowercase '
                            "letters, digits and `-`)."
                        ).format(value=shown(target)),
                    )
                )
        node_port = port.get("nodePort")
        # 0 means "unset" (what `kubectl get -o yaml` may print): allowed on any type.
        if node_port is not None and node_port != 0:
            if service_type not in ("NodePort", "LoadBalancer"):
                out.append(
                    doc.finding(
                        "error",
                        "invalid-value",
                        (*path, "nodePort"),
                        _(
                            "`nodePort` is only allowed on NodePort and LoadBalancer Services, "
                            "not {type}."
                        ).format(type=shown(service_type)),
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
                    _("When a Service has several ports, each needs a `name`."),
                )
            )
        if name and name in names:
            out.append(
                doc.finding(
                    "error",
                    "invalid-value",
                    (*path, "name"),
                    _('Two ports are named "{name}".').format(name=shown(name)),
                )
            )
        names.add(name)
    external = spec.get("externalName")
    if service_type == "ExternalName" and isinstance(external, str) and external:
        host = external.removesuffix(".")
        if len(host) > 253 or not DNS_SUBDOMAIN.match(host):
            out.append(
                doc.finding(
                    "error",
                    "invalid-value",
                    ("spec", "externalName"),
                    _(
                        '`externalName` "{value}" must be a DNS name such as '
                        "`db.example.com`: lowercase letters, digits, `-` and `.`, with no "
                        "`https://`, port or path."
                    ).format(value=shown(external)),
                )
            )
    if service_type == "ExternalName" and not spec.get("externalName"):
        out.append(
            doc.finding(
                "error",
                "missing-field",
                ("spec",),
                _("An ExternalName Service needs `externalName`, the DNS name it points to."),
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
                        _(
                            "The value of `{key}` is not base64. Values under `data` must be "
                            'base64-encoded (`echo -n "..." | base64`), or move plain text to '
                            "`stringData`. Remember: base64 is an encoding, not encryption."
                        ).format(key=shown(key)),
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
                _('Key "{key}" may contain only letters, digits, `-`, `_` and `.`.').format(
                    key=shown(key)
                ),
            )
        )


def _size(doc: Document, kind: str, total: int, out: list[Finding]) -> None:
    if total > MAX_OBJECT_DATA:
        out.append(
            doc.finding(
                "error",
                "too-large-object",
                (),
                _(
                    "This {kind} holds {size} KiB; the API server refuses more than 1 MiB. "
                    "Use a volume instead."
                ).format(kind=kind, size=total // 1024),
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
                        _('Path "{path}" must start with `/`.').format(path=shown(path)),
                    )
                )
            number = _get(entry, ("backend", "service", "port", "number"))
            _port(doc, number, (*where, "backend", "service", "port", "number"), out)


def _check_volume_claim(doc: Document, kind: str, spec: dict[str, Any], out: list[Finding]) -> None:
    modes = spec.get("accessModes")
    if not modes:
        out.append(
            doc.finding(
                "error",
                "missing-field",
                ("spec",),
                _("A {kind} needs `accessModes`, e.g. `accessModes: [ReadWriteOnce]`.").format(
                    kind=kind
                ),
            )
        )
    size = (
        _get(spec, ("capacity", "storage"))
        if kind == "PersistentVolume"
        else _get(spec, ("resources", "requests", "storage"))
    )
    if size is None and not (kind == "PersistentVolumeClaim" and spec.get("dataSourceRef")):
        where = "capacity" if kind == "PersistentVolume" else "resources.requests"
        out.append(
            doc.finding(
                "error",
                "missing-field",
                ("spec",),
                _("A {kind} needs its size: `{where}.storage`, e.g. `storage: 1Gi`.").format(
                    kind=kind, where=where
                ),
            )
        )
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
                if minimum == 0:
                    message = _("`{field}` cannot be negative (it is {value}).")
                else:
                    message = _("`{field}` cannot be less than {minimum} (it is {value}).")
                out.append(
                    doc.finding(
                        "error",
                        "negative-value",
                        (*path, key),
                        message.format(field=key, minimum=minimum, value=shown(child)),
                    )
                )
            elif isinstance(child, dict | list):
                _check_counts(doc, child, (*path, key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                _check_counts(doc, item, (*path, index), out)


# Resource names a container may request or be limited to (besides hugepages-<size> and
# extended resources such as `nvidia.com/gpu`): Kubernetes' IsStandardContainerResourceName.
CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")
LIMIT_RANGE_SECTIONS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")


def _resource_name(
    doc: Document,
    name: Any,
    path: Path,
    out: list[Finding],
    allowed: tuple[str, ...] = CONTAINER_RESOURCES,
) -> None:
    if not isinstance(name, str) or name in allowed or name.startswith("hugepages-"):
        return
    if "/" in name and "kubernetes.io/" not in name and not name.startswith("requests."):
        return  # an extended resource: a device plugin's name, e.g. nvidia.com/gpu
    guess = closest(name, allowed, cutoff=0.5)
    choices = ", ".join(f"`{a}`" for a in allowed)
    if guess:
        message = _(
            "`{name}` is not a resource the API server knows — did you mean `{guess}`? "
            "Use {choices}."
        )
    else:
        message = _("`{name}` is not a resource the API server knows. Use {choices}.")
    out.append(
        doc.finding(
            "error",
            "unknown-resource",
            path,
            message.format(name=shown(name), guess=guess, choices=choices),
            suggestion=guess or "",
        )
    )


def _check_limit_range(doc: Document, spec: dict[str, Any], out: list[Finding]) -> None:
    for index, limit in _items(spec.get("limits")):
        kind = limit.get("type")
        allowed = ("storage",) if kind == "PersistentVolumeClaim" else CONTAINER_RESOURCES
        for section in LIMIT_RANGE_SECTIONS:
            values = limit.get(section)
            if isinstance(values, dict):
                for resource in values:
                    _resource_name(
                        doc, resource, ("spec", "limits", index, section, resource), out, allowed
                    )


def _check_replication_controller(doc: Document, data: dict[str, Any], out: list[Finding]) -> None:
    selector = _get(data, ("spec", "selector"))
    labels = _get(data, ("spec", "template", "metadata", "labels"))
    if not selector and not labels:
        out.append(
            doc.finding(
                "error",
                "missing-field",
                ("spec",),
                _(
                    "A ReplicationController needs labels on its Pod template "
                    "(`spec.template.metadata.labels`) — its `selector` defaults to them — "
                    "or a `selector`: without either it cannot find its Pods."
                ),
            )
        )
