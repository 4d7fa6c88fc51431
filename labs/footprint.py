"""What a lab leaves in a workspace: the objects "Reset" deletes before the start state comes back.

A student's namespace serves every lab, so a reset must not sweep whole
kinds away (a reset of the Ingress lab must not delete the Deployments of
the Services lab). The lab file says what belongs to it: every object its
start state, reference solution, alternatives and recorded mistakes create
or change, by kind and name; and the objects its checks look at, by name,
or by labels when a check selects by labels (Pods of a Deployment that a
student may have created by hand). The tutor also stamps the objects of a
start state with the lab's label, so an object an older version of the lab
created is found too (``workspaces.lab_state``).

Objects Kubernetes manages itself (EndpointSlices, Events) and cluster-wide
kinds are never in a footprint: only the tutor's own, labelled, cluster-wide
objects of a start state are deleted, and by label.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from engine.assertions.rules import Selector
from engine.grading.lab import selector_key

# Kinds no lab file may claim, or that Kubernetes maintains on its own.
MANAGED_KINDS = frozenset(
    {"EndpointSlice", "Endpoints", "Event", "ControllerRevision", "Lease",
     "SubjectAccessReview", "APIDiscovery", "TokenRequest"}
)  # fmt: skip
# Cluster-scoped kinds a lab file may name (reading them is fine; only a start state's
# PersistentVolumes are created, by the tutor, per namespace).
CLUSTER_SCOPED_KINDS = frozenset(
    {"Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole",
     "ClusterRoleBinding", "IngressClass", "PriorityClass", "RuntimeClass", "CSIDriver",
     "CustomResourceDefinition", "APIService", "CertificateSigningRequest",
     "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
     "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
)  # fmt: skip
# Objects every namespace has from birth.
BUILT_IN = frozenset({("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")})


def documents(manifests: str | None) -> list[dict[str, Any]]:
    """The mapping documents of a manifest text that the loader has already validated."""
    if not manifests:
        return []
    return [d for d in yaml.safe_load_all(manifests) if isinstance(d, dict)]


def _named(api_version: Any, kind: Any, name: Any) -> dict[str, Any] | None:
    if not (isinstance(api_version, str) and isinstance(kind, str) and isinstance(name, str)):
        return None
    if kind in MANAGED_KINDS or kind in CLUSTER_SCOPED_KINDS or (kind, name) in BUILT_IN:
        return None
    return {"apiVersion": api_version, "kind": kind, "name": name}


def _step_entries(steps: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any] | None]:
    for step in steps:
        for verb in ("patch", "delete"):
            if verb in step:
                target = step[verb]
                yield _named(target.get("apiVersion"), target.get("kind"), target.get("name"))
        if "apply" in step:
            for doc in documents(step["apply"]):
                yield _named(
                    doc.get("apiVersion"), doc.get("kind"), (doc.get("metadata") or {}).get("name")
                )


def lab_footprint(front: dict[str, Any]) -> list[dict[str, Any]]:
    """Every object of the lab (by kind and name, or kind and labels), sorted and without repeats."""
    entries: list[dict[str, Any] | None] = []
    plays = [front.get("start_state") or {}, front["solution"]]
    plays += list(front.get("alternatives") or []) + list(front.get("mistakes") or [])
    for play in plays:
        for doc in documents(play.get("manifests")):
            meta = doc.get("metadata") or {}
            entries.append(_named(doc.get("apiVersion"), doc.get("kind"), meta.get("name")))
            claim = (
                (doc.get("spec") or {}).get("claimRef")
                if doc.get("kind") == "PersistentVolume"
                else None
            )
            if isinstance(claim, dict):
                # The claim a volume is reserved for belongs to the lab: while it exists, the
                # volume cannot be deleted (and a reset could not give a fresh one).
                entries.append(_named("v1", "PersistentVolumeClaim", claim.get("name")))
        entries += _step_entries(play.get("steps") or [])
    for check in front.get("checks") or []:
        select = check.get("select")
        if not isinstance(select, dict) or not isinstance(select.get("kind"), str):
            continue
        kind = select["kind"]
        if kind in MANAGED_KINDS or kind in CLUSTER_SCOPED_KINDS:
            continue
        api_version = select.get("apiVersion") or selector_key_of(kind)
        if select.get("name"):
            entries.append(_named(api_version, kind, select["name"]))
        elif select.get("labels"):
            labels = {str(k): str(v) for k, v in select["labels"].items()}
            entries.append({"apiVersion": api_version, "kind": kind, "labels": labels})
    unique: dict[str, dict[str, Any]] = {}
    for entry in entries:
        if entry is not None:
            unique.setdefault(yaml.safe_dump(entry, sort_keys=True), entry)
    return sorted(
        unique.values(), key=lambda e: (e["kind"], e.get("name", ""), str(e.get("labels")))
    )


def selector_key_of(kind: str) -> str:
    """The apiVersion the grader uses for a kind a check names without one."""
    return selector_key(Selector(kind=kind))[0]


def describe(entry: dict[str, Any]) -> str:
    """One footprint entry in words: ``Deployment web`` or ``Pods labelled app=web``."""
    if "name" in entry:
        return f"{entry['kind']} {entry['name']}"
    labels = ", ".join(f"{k}={v}" for k, v in entry["labels"].items())
    return f"every {entry['kind']} labelled {labels}"
