"""A lab's start state in a workspace: created when the lab starts, and again on Reset.

Worker side only: every function here talks to a cluster for seconds.

- ``lab_start`` creates the objects of the start state that are missing and
  never overwrites one that exists: the student's work is theirs.
- ``lab_reset`` deletes what belongs to the lab (its footprint:
  ``labs.footprint``, and every object labelled with the lab, which the tutor
  stamps on what it creates), waits until it is gone, and creates the start
  state again.

Objects the tutor creates carry ``lfs158-tutor/lab: <lab>``. A start state may
hold a PersistentVolume, which is cluster-wide: the tutor names it
``<namespace>-<name>``, labels it with the namespace too and reserves it for a
claim in that namespace (``claimRef``), so each student gets their own and a
reset or a clean-up finds it again. Objects the classroom set-up made
(labelled ``lfs158-tutor/student``: the student's Role, quota...) and the
browser terminal's toolbox (``lfs158-tutor/toolbox``) are never deleted.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from django.utils.translation import gettext as _

from kube import Cluster, Conflict, Forbidden, KubeError, NotFound

log = logging.getLogger(__name__)

LAB_LABEL = "lfs158-tutor/lab"
NAMESPACE_LABEL = "lfs158-tutor/namespace"
CLASSROOM_LABEL = "lfs158-tutor/student"
# What the tutor keeps in a student's namespace for itself: never part of a lab.
KEPT_LABELS = (CLASSROOM_LABEL, "lfs158-tutor/toolbox")
# Cluster-wide kinds a start state may hold (the tutor makes one per namespace).
CLUSTER_KINDS = (("v1", "PersistentVolume"),)
DELETE_SECONDS = 90.0
POLL_SECONDS = 0.5
# How long a step waits for the controllers to take in the one before (a person typing the
# next command does not wait longer).
SETTLE_SECONDS = 30.0
WORKLOADS = (("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"))


class LabState(Protocol):
    """What a lab says about its start state (``labs.models.Lab`` is one)."""

    @property
    def slug(self) -> str: ...

    @property
    def start_state(self) -> str: ...

    @property
    def footprint(self) -> list[dict[str, Any]]: ...

    @property
    def start_steps(self) -> list[dict[str, Any]]: ...


class StillDeleting(KubeError):
    """Objects of the lab were still being deleted when time ran out: try again."""

    transient = True


@dataclass
class Outcome:
    deleted: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)


def _describe(obj: dict[str, Any]) -> str:
    return f"{obj.get('kind')} {(obj.get('metadata') or {}).get('name')}"


def cluster_name(namespace: str, name: str) -> str:
    """The name of a start state's cluster-wide object in one namespace's copy."""
    return f"{namespace}-{name}"[:253].rstrip("-.")


def start_state_objects(
    cluster: Cluster, namespace: str, *, slug: str, manifests: str
) -> list[dict[str, Any]]:
    """The start state's objects as the tutor creates them in ``namespace``: labelled, and
    cluster-wide ones named and reserved for the namespace."""
    objects = []
    for doc in yaml.safe_load_all(manifests or ""):
        if not isinstance(doc, dict):
            continue
        obj = copy.deepcopy(doc)
        meta = obj.setdefault("metadata", {})
        meta.setdefault("labels", {})[LAB_LABEL] = slug
        if not cluster.resource(obj["apiVersion"], obj["kind"]).namespaced:
            meta["name"] = cluster_name(namespace, meta["name"])
            meta["labels"][NAMESPACE_LABEL] = namespace
            claim_ref = (obj.get("spec") or {}).get("claimRef")
            if isinstance(claim_ref, dict):
                claim_ref["namespace"] = namespace
        objects.append(obj)
    return objects


def lab_start(cluster: Cluster, namespace: str, lab: LabState) -> Outcome:
    """Create what is missing of the start state; an object that exists is left as it is.

    A start state's steps (a rollout that went wrong, say) run only when every object
    was created just now: on objects the student already worked on they would undo
    the work.
    """
    outcome = Outcome()
    objects = start_state_objects(cluster, namespace, slug=lab.slug, manifests=lab.start_state)
    for obj in objects:
        try:
            cluster.create_object(obj, namespace)
        except Conflict:
            continue  # there already: the student's work (or an earlier start) stays
        except Forbidden as exc:
            if NAMESPACE_LABEL in obj["metadata"]["labels"]:
                raise Forbidden(
                    _(
                        "this lab needs a {kind}, which the tutor may not create on this "
                        "cluster (an operator allows it with deploy/optional/rbac-volumes.yaml)"
                    ).format(kind=obj["kind"])
                ) from exc
            raise
        outcome.created.append(_describe(obj))
    if lab.start_steps and len(outcome.created) == len(objects):
        play_steps(cluster, namespace, lab.start_steps)
    return outcome


def play_steps(cluster: Cluster, namespace: str, steps: list[dict[str, Any]]) -> None:
    """Steps as a student types them with kubectl: ``patch`` (a merge patch), ``delete``
    (waits until the object is gone, dependents first, as ``kubectl delete`` does), ``apply``
    (server-side apply). Before each, the controllers take in the one before: a Deployment
    changed twice in a row gets two revisions, as it does for a person."""
    for step in steps:
        settle(cluster, namespace)
        if "patch" in step:
            patch = step["patch"]
            cluster.patch(
                api_version=patch["apiVersion"], kind=patch["kind"], name=patch["name"],
                namespace=namespace, patch=patch["patch"],
            )  # fmt: skip
        elif "delete" in step:
            target = step["delete"]
            obj = {
                "apiVersion": target["apiVersion"],
                "kind": target["kind"],
                "metadata": {"name": target["name"]},
            }
            if cluster.delete_object(
                api_version=target["apiVersion"], kind=target["kind"], name=target["name"],
                namespace=namespace, foreground=True, missing_ok=True,
            ):  # fmt: skip
                _wait_gone(
                    cluster, namespace, [obj], wait_seconds=DELETE_SECONDS, clock=time.monotonic
                )
        elif "apply" in step:
            cluster.apply(step["apply"], namespace)


def settle(cluster: Cluster, namespace: str, *, wait_seconds: float = SETTLE_SECONDS) -> None:
    """Wait until every workload's controller has seen its latest change (observedGeneration)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        behind = []
        for api_version, kind in WORKLOADS:
            for obj in _list(cluster, api_version, kind, namespace, ""):
                seen = (obj.get("status") or {}).get("observedGeneration") or 0
                if seen < (obj.get("metadata") or {}).get("generation", 0):
                    behind.append(obj)
        if not behind or time.monotonic() > deadline:
            return
        time.sleep(POLL_SECONDS / 2)


def lab_reset(
    cluster: Cluster,
    namespace: str,
    lab: LabState,
    *,
    wait_seconds: float = DELETE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Delete everything of the lab, wait until it is gone, and create the start state again."""
    deleted = lab_clear(cluster, namespace, lab, wait_seconds=wait_seconds, clock=clock)
    outcome = lab_start(cluster, namespace, lab)
    outcome.deleted = deleted
    return outcome


def lab_clear(
    cluster: Cluster,
    namespace: str,
    lab: LabState,
    *,
    wait_seconds: float = DELETE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> list[str]:
    """Delete the lab's objects in the namespace (and its cluster-wide copies); wait for them."""
    found = _lab_objects(cluster, namespace, lab)
    refused: list[str] = []
    for obj in found:
        meta = obj["metadata"]
        try:
            cluster.delete_object(
                api_version=obj["apiVersion"], kind=obj["kind"], name=meta["name"],
                namespace=namespace, foreground=True, missing_ok=True,
            )  # fmt: skip
        except Forbidden as exc:
            refused.append(f"{_describe(obj)} ({exc})")
    if refused:
        raise Forbidden(_("could not delete {objects}").format(objects="; ".join(refused)))
    _wait_gone(cluster, namespace, found, wait_seconds=wait_seconds, clock=clock)
    return [_describe(o) for o in found]


def namespace_copies_delete(cluster: Cluster, namespace: str) -> list[str]:
    """Delete the cluster-wide objects the tutor made for a namespace (its PersistentVolumes).

    Deleting a namespace leaves them behind: a clean-up, and verify_labs, call this.
    """
    deleted = []
    for api_version, kind in CLUSTER_KINDS:
        try:
            items = cluster.list_objects(
                api_version, kind, None, label_selector=f"{NAMESPACE_LABEL}={namespace}"
            )
        except (NotFound, Forbidden):
            continue
        for obj in items:
            try:
                if cluster.delete_object(
                    api_version=api_version,
                    kind=kind,
                    name=obj["metadata"]["name"],
                    namespace="",
                    missing_ok=True,
                ):
                    deleted.append(_describe(obj))
            except Forbidden:
                log.warning("may not delete %s of namespace %s", _describe(obj), namespace)
    return deleted


def _lab_objects(cluster: Cluster, namespace: str, lab: LabState) -> list[dict[str, Any]]:
    """Every object of the lab that exists now, without the classroom's own, each once."""
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def keep(items: list[dict[str, Any]], api_version: str, kind: str) -> None:
        for obj in items:
            labels = (obj.get("metadata") or {}).get("labels") or {}
            if any(label in labels for label in KEPT_LABELS):
                continue
            obj.setdefault("apiVersion", api_version)
            obj.setdefault("kind", kind)
            found.setdefault((kind, obj["metadata"]["name"]), obj)

    kinds = {(e["apiVersion"], e["kind"]) for e in lab.footprint}
    for doc in yaml.safe_load_all(lab.start_state or ""):
        if isinstance(doc, dict):
            kinds.add((doc["apiVersion"], doc["kind"]))
    for api_version, kind in sorted(kinds):
        if not _namespaced(cluster, api_version, kind):
            continue
        keep(
            _list(cluster, api_version, kind, namespace, f"{LAB_LABEL}={lab.slug}"),
            api_version,
            kind,
        )
    for api_version, kind in CLUSTER_KINDS:
        selector = f"{LAB_LABEL}={lab.slug},{NAMESPACE_LABEL}={namespace}"
        keep(_list(cluster, api_version, kind, None, selector), api_version, kind)
    for entry in lab.footprint:
        api_version, kind = entry["apiVersion"], entry["kind"]
        if not _namespaced(cluster, api_version, kind):
            continue
        if "name" in entry:
            try:
                obj = cluster.get_object(
                    api_version=api_version, kind=kind, name=entry["name"], namespace=namespace
                )
            except (NotFound, Forbidden):
                continue
            keep([obj], api_version, kind)
        else:
            selector = ",".join(f"{k}={v}" for k, v in entry["labels"].items())
            keep(_list(cluster, api_version, kind, namespace, selector), api_version, kind)
    return list(found.values())


def _namespaced(cluster: Cluster, api_version: str, kind: str) -> bool:
    try:
        return cluster.resource(api_version, kind).namespaced
    except NotFound:
        return False  # the cluster does not serve the kind: nothing of it to delete


def _list(
    cluster: Cluster, api_version: str, kind: str, namespace: str | None, selector: str
) -> list[dict[str, Any]]:
    try:
        return cluster.list_objects(api_version, kind, namespace, label_selector=selector)
    except (NotFound, Forbidden):
        return []


def _wait_gone(
    cluster: Cluster,
    namespace: str,
    objects: list[dict[str, Any]],
    *,
    wait_seconds: float,
    clock: Callable[[], float],
) -> None:
    deadline = clock() + wait_seconds
    waiting = list(objects)
    while waiting:
        still = []
        for obj in waiting:
            try:
                cluster.get_object(
                    api_version=obj["apiVersion"], kind=obj["kind"],
                    name=obj["metadata"]["name"], namespace=namespace,
                )  # fmt: skip
            except NotFound:
                continue
            still.append(obj)
        if not still:
            return
        if clock() > deadline:
            raise StillDeleting(
                _("still being deleted after {seconds}s: {objects}; try again in a minute").format(
                    seconds=f"{wait_seconds:.0f}", objects=", ".join(_describe(o) for o in still)
                )
            )
        time.sleep(POLL_SECONDS)
        waiting = still
