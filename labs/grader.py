"""Grading a lab on a real cluster: the Kubernetes boundary meets the pure grader.

``engine.grading.lab`` evaluates checks over what a ``ClusterReader`` shows
it; this module is that reader for a ``kube.Cluster``, and the one place that
plays a solution or a mistake into a namespace (``verify_labs``, tests).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import yaml

from engine.assertions import Rule, RuleResult
from engine.grading import lab as lab_grading
from engine.grading.lab import LabGrade
from kube import Cluster, Forbidden, KubeError, NotFound
from workspaces import lab_state


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


# What a solution may write that only the cluster knows: a student copies these values
# from kubectl's output; a reference solution names them (labs whose checks compare a
# recorded answer with the cluster: ``answer``).
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
PLACEHOLDER_NAMES = re.compile(
    r"^(namespace|serverVersion|nodeCount|uid:[A-Za-z]+/[a-z0-9][a-z0-9.-]*)$"
)


def apply_steps(
    cluster: Cluster, namespace: str, manifests: str | None, steps: list[dict[str, Any]]
) -> None:
    """Play a solution, an alternative or a mistake into a namespace: manifests, then each step
    (``workspaces.lab_state.play_steps``: patch, delete, apply, as a student does with kubectl).

    ``{{ namespace }}``, ``{{ serverVersion }}``, ``{{ nodeCount }}`` and
    ``{{ uid:Kind/name }}`` are filled in from the cluster just before the text that holds
    them is played.
    """
    if manifests:
        cluster.apply(fill_placeholders(cluster, namespace, manifests), namespace)
    for step in steps:
        text = json.dumps(step)
        if PLACEHOLDER.search(text):
            step = json.loads(fill_placeholders(cluster, namespace, text, quote=json.dumps))
        lab_state.play_steps(cluster, namespace, [step])


def fill_placeholders(
    cluster: Cluster, namespace: str, text: str, *, quote: Callable[[str], str] | None = None
) -> str:
    """Every ``{{ ... }}`` in ``text`` replaced by what the cluster says."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "namespace":
            found = namespace
        elif name == "serverVersion":
            found = cluster.version()
        elif name == "nodeCount":
            found = str(len(cluster.list_objects("v1", "Node", None)))
        elif name.startswith("uid:"):
            kind, _, object_name = name[4:].partition("/")
            found = str(_find(cluster, namespace, kind, object_name)["metadata"]["uid"])
        else:
            raise KubeError(f"unknown placeholder {{{{ {name} }}}}")
        # Inside JSON the value lands in a string already: keep its quotes out.
        return quote(found)[1:-1] if quote else found

    return PLACEHOLDER.sub(value, text)


def _find(cluster: Cluster, namespace: str, kind: str, name: str) -> dict[str, Any]:
    for api_version in ("v1", "apps/v1", "batch/v1", "rbac.authorization.k8s.io/v1"):
        try:
            return cluster.get_object(
                api_version=api_version, kind=kind, name=name, namespace=namespace
            )
        except NotFound:
            continue
    raise NotFound(f"no {kind} {name} to fill in {{{{ uid:{kind}/{name} }}}}")


RBAC_SETTLE_SECONDS = 30.0


def wait_for_rbac(
    cluster: Cluster, namespace: str, *, wait_seconds: float = RBAC_SETTLE_SECONDS
) -> None:
    """Wait until the API server's authorizer has taken in every Role and RoleBinding change
    made so far in the namespace.

    The authorizer reads RBAC objects from its own caches, a moment behind what was
    written: a SubjectAccessReview right after a RoleBinding may still answer as before.
    A sentinel Role and RoleBinding, written after everything else, are seen last (each
    cache takes in its kind's changes in order): once the sentinel grants, the rest is in.
    """
    user = f"lfs158-tutor:rbac-settled:{secrets.token_hex(4)}"
    name = "lfs158-tutor-rbac-settled"
    cluster.apply(
        yaml.safe_dump_all([
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": name},
             "rules": [{"apiGroups": [""], "resources": ["configmaps"], "resourceNames": [name], "verbs": ["get"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": name},
             "subjects": [{"kind": "User", "name": user, "apiGroup": "rbac.authorization.k8s.io"}],
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name}},
        ]),
        namespace,
    )  # fmt: skip
    deadline = time.monotonic() + wait_seconds
    try:
        while not _sentinel_allowed(cluster, namespace, user, name):
            if time.monotonic() > deadline:
                raise KubeError(f"the authorizer did not take in the RBAC changes of {namespace}")
            time.sleep(0.1)
    finally:
        for kind in ("RoleBinding", "Role"):
            cluster.delete_object(
                api_version="rbac.authorization.k8s.io/v1",
                kind=kind,
                name=name,
                namespace=namespace,
            )


def _sentinel_allowed(cluster: Cluster, namespace: str, user: str, name: str) -> bool:
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": user,
            "resourceAttributes": {
                "namespace": namespace,
                "verb": "get",
                "resource": "configmaps",
                "name": name,
            },
        },
    }
    answer = cluster.request(
        "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", body=review
    )
    return bool(answer.get("status", {}).get("allowed"))
