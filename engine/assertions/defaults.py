"""The API server's defaults, applied to a manifest before any rule looks at it.

A student who leaves out a field that has a default wrote the same object as
one who spells the default out: the API server fills it in, and a cluster
shows it. Rules therefore judge the defaulted object. Only defaults that
rules compare are applied (documented in content/README.md); objects from a
cluster already carry them, so applying them again changes nothing.

`stringData` of a Secret is merged into `data` (base64), as the API server
does; it is also kept, so a rule can still ask how the Secret was written.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from engine.assertions.workloads import listing, mapping, template_of

_REPLICATED = {"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"}
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}  # fmt: skip


def with_defaults(obj: Any) -> Any:
    """A copy of the object as the API server would store it (for the fields rules compare)."""
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("kind")
    if not isinstance(kind, str):
        return obj  # not an object the API server would take: nothing to default
    obj = copy.deepcopy(obj)
    spec = obj.get("spec")
    if kind == "Service" and isinstance(spec, dict):
        _service(spec)
    elif kind == "Secret":
        _secret(obj)
    elif kind in ("RoleBinding", "ClusterRoleBinding"):
        for subject in listing(obj.get("subjects")):
            if isinstance(subject, dict) and "apiGroup" not in subject:
                subject["apiGroup"] = "" if subject.get("kind") == "ServiceAccount" else "rbac.authorization.k8s.io"  # fmt: skip
    elif kind in ("PersistentVolumeClaim", "PersistentVolume") and isinstance(spec, dict):
        spec.setdefault("volumeMode", "Filesystem")
        if kind == "PersistentVolume":
            spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    if isinstance(spec, dict):
        if kind in _REPLICATED:
            spec.setdefault("replicas", 1)
        if kind == "Job":
            _job(spec)
        if kind == "CronJob":
            spec.setdefault("concurrencyPolicy", "Allow")
            spec.setdefault("suspend", False)
            job_spec = mapping(spec.get("jobTemplate")).get("spec")
            if isinstance(job_spec, dict):
                _job(job_spec)
        for claim in listing(spec.get("volumeClaimTemplates")):
            if isinstance(mapping(claim).get("spec"), dict):
                claim["spec"].setdefault("volumeMode", "Filesystem")
    if kind == "Pod" and isinstance(spec, dict):
        _pod_spec(spec, restart="Always")
    else:
        template = template_of(obj)
        if template is not None and isinstance(template.get("spec"), dict):
            _pod_spec(template["spec"], restart=None if kind in ("Job", "CronJob") else "Always")
    return obj


def _service(spec: dict[str, Any]) -> None:
    spec.setdefault("type", "ExternalName" if spec.get("externalName") else "ClusterIP")
    if spec["type"] == "ExternalName":
        return
    for port in listing(spec.get("ports")):
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            if "targetPort" not in port and "port" in port:
                port["targetPort"] = port["port"]


def _secret(obj: dict[str, Any]) -> None:
    obj.setdefault("type", "Opaque")
    plain = obj.get("stringData")
    if isinstance(plain, dict) and plain:
        data: dict[str, Any] = obj["data"] if isinstance(obj.get("data"), dict) else {}
        for key, value in plain.items():
            if isinstance(value, str):
                data[key] = base64.b64encode(value.encode()).decode()
        obj["data"] = data


def _job(spec: dict[str, Any]) -> None:
    spec.setdefault("backoffLimit", 6)
    if "completions" not in spec and "parallelism" not in spec:
        spec["completions"] = 1
        spec["parallelism"] = 1


def _pod_spec(spec: dict[str, Any], *, restart: str | None) -> None:
    if restart:
        spec.setdefault("restartPolicy", restart)
    for toleration in listing(spec.get("tolerations")):
        if isinstance(toleration, dict) and "operator" not in toleration:
            toleration["operator"] = "Equal"
    for container in listing(spec.get("containers")) + listing(spec.get("initContainers")):
        if not isinstance(container, dict):
            continue
        for port in listing(container.get("ports")):
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
        for probe_name in _PROBES:
            probe = container.get(probe_name)
            if isinstance(probe, dict):
                for key, value in _PROBE_DEFAULTS.items():
                    probe.setdefault(key, value)
                if isinstance(probe.get("httpGet"), dict):
                    probe["httpGet"].setdefault("scheme", "HTTP")
