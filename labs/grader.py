"""Grading a lab on a real cluster: the Kubernetes boundary meets the pure grader.

``engine.grading.lab`` evaluates checks over what a ``ClusterReader`` shows
it; this module is that reader for a ``kube.Cluster``, and the one place that
plays a solution or a mistake into a namespace (``verify_labs``, tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from engine.assertions import Rule, RuleResult
from engine.grading import lab as lab_grading
from engine.grading.lab import LabGrade
from kube import Cluster, Forbidden, KubeError, NotFound


class ClusterReader:
    """A ``kube.Cluster`` as ``engine.grading.lab`` reads it."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def list_objects(self, api_version: str, kind: str, namespace: str) -> list[dict[str, Any]]:
        try:
            return self.cluster.list_objects(api_version, kind, namespace)
        except NotFound:
            # The cluster does not serve this kind (an old version): nothing of it exists.
            return []

    def can_i(
        self, *, user: str, groups: list[str], verb: str, resource: str, namespace: str,
        group: str = "", subresource: str = "",
    ) -> bool | None:  # fmt: skip
        try:
            return self.cluster.can_i(
                user=user, groups=groups, verb=verb, resource=resource, namespace=namespace,
                group=group, subresource=subresource,
            )  # fmt: skip
        except Forbidden:
            return None

    def events(self, namespace: str) -> list[dict[str, Any]]:
        try:
            return self.cluster.list_objects("v1", "Event", namespace)
        except KubeError:
            return []

    def discovery(self, path: str) -> Any:
        # Only the discovery paths the assertion language allows reach here (/version, /apis...).
        try:
            return self.cluster.request("GET", path)
        except (NotFound, Forbidden):
            return None


def grade(
    cluster: Cluster,
    checks: list[Rule],
    namespace: str,
    *,
    on_result: Callable[[RuleResult], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> LabGrade:
    """Grade the namespace. Raises ``KubeError`` only when the cluster cannot be read at all."""
    return lab_grading.grade(
        ClusterReader(cluster), checks, namespace, on_result=on_result, clock=clock, sleep=sleep
    )


DELETE_SECONDS = 60.0


def apply_steps(
    cluster: Cluster, namespace: str, manifests: str | None, steps: list[dict[str, Any]]
) -> None:
    """Play a solution, an alternative or a mistake into a namespace: manifests, then each step.

    Steps do what a student does with kubectl: ``patch`` (a merge patch),
    ``delete`` (waits until the object is gone, dependents first, as
    ``kubectl delete`` waits), ``apply`` (server-side apply of manifests).
    """
    if manifests:
        cluster.apply(manifests, namespace)
    for step in steps:
        if "patch" in step:
            patch = step["patch"]
            cluster.patch(
                api_version=patch["apiVersion"],
                kind=patch["kind"],
                name=patch["name"],
                namespace=namespace,
                patch=patch["patch"],
            )
        elif "delete" in step:
            _delete(cluster, namespace, step["delete"])
        elif "apply" in step:
            cluster.apply(step["apply"], namespace)


def _delete(cluster: Cluster, namespace: str, target: dict[str, Any]) -> None:
    where = {"api_version": target["apiVersion"], "kind": target["kind"], "name": target["name"]}
    if not cluster.delete_object(**where, namespace=namespace, foreground=True):
        return
    deadline = time.monotonic() + DELETE_SECONDS
    while True:
        try:
            cluster.get_object(**where, namespace=namespace)
        except NotFound:
            return
        if time.monotonic() > deadline:
            raise KubeError(
                f"{target['kind']} {target['name']} was still being deleted after {DELETE_SECONDS:.0f}s"
            )
        time.sleep(0.25)
