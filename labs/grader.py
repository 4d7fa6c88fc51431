"""Grading a lab on a real cluster: the Kubernetes boundary meets the pure grader.

``engine.grading.lab`` evaluates checks over what a ``ClusterReader`` shows
it; this module is that reader for a ``kube.Cluster``, and the one place that
plays a solution, an alternative or a mistake into a namespace
(``verify_labs``, tests): manifests, merge patches and kubectl-like
commands (``engine.grading.steps``), sent through the Kubernetes client.
No shell and no kubectl binary are involved.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import yaml

from engine.assertions import Rule, RuleResult
from engine.assertions.kinds import rollout_complete
from engine.grading import lab as lab_grading
from engine.grading.lab import LabGrade
from engine.grading.steps import (
    PLACEHOLDER,
    Command,
    StepError,
    exposed_service,
    fill,
    parse_command,
    undo_template,
)
from kube import Cluster, Forbidden, KubeError, NotFound
from workspaces import lab_state

ROLLOUT_POLL_SECONDS = 0.5


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

    def server_version(self) -> str | None:
        try:
            return self.cluster.version()
        except KubeError:
            return None

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
    on_waiting: Callable[[RuleResult], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> LabGrade:
    """Grade the namespace. Raises ``KubeError`` only when the cluster cannot be read at all."""
    return lab_grading.grade(
        ClusterReader(cluster), checks, namespace, on_result=on_result, on_waiting=on_waiting,
        clock=clock, sleep=sleep,
    )  # fmt: skip


def cluster_facts(cluster: Cluster, namespace: str) -> dict[str, Any]:
    """The values `{{ namespace }}`, `{{ nodeCount }}` and `{{ serverVersion }}` stand for."""
    return {
        "namespace": namespace,
        "nodeCount": len(ClusterReader(cluster).list_objects("v1", "Node", namespace)),
        "serverVersion": cluster.version(),
    }


def apply_steps(
    cluster: Cluster, namespace: str, manifests: str | None, steps: list[dict[str, Any]]
) -> None:
    """Play a solution, an alternative or a mistake into a namespace: manifests, then each step.

    Before each step the controllers take in the one before
    (``workspaces.lab_state.settle``), as they do while a person types the next
    command: a Deployment changed twice gets two revisions. ``{{ namespace }}``,
    ``{{ serverVersion }}``, ``{{ nodeCount }}`` and ``{{ uid:Kind/name }}`` are
    filled in from the cluster just before the text that holds them is played.

    Raises ``KubeError`` when the API server refuses a request and
    ``StepError`` when a step cannot be played (an earlier revision that
    does not exist, a container that is not there).
    """
    facts: dict[str, Any] | None = None

    def uid(kind: str, name: str) -> str:
        return str(_find(cluster, namespace, kind, name)["metadata"]["uid"])

    def filled(text: str) -> str:
        nonlocal facts
        if not PLACEHOLDER.search(text):
            return text
        if facts is None:
            facts = cluster_facts(cluster, namespace)
        return fill(text, facts, uid)

    if manifests:
        cluster.apply(filled(manifests), namespace)
    for step in steps:
        if "patch" in step or "delete" in step:
            # Played as a start state's steps are (they settle first themselves).
            lab_state.play_steps(cluster, namespace, [json.loads(filled(json.dumps(step)))])
            continue
        lab_state.settle(cluster, namespace)
        if "apply" in step:
            cluster.apply(filled(step["apply"]), namespace)
        else:
            play(cluster, namespace, parse_command(filled(step["kubectl"])))


_CONTAINER_PATHS = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


def play(cluster: Cluster, namespace: str, command: Command) -> None:
    """Send what kubectl would send for one command."""
    target = command.target
    assert target is not None
    where = {"api_version": target.api_version, "kind": target.kind, "name": target.name, "namespace": namespace}  # fmt: skip
    if command.verb == "create":
        assert command.obj is not None
        cluster.create_object(command.obj, namespace)
    elif command.verb == "expose":
        obj = cluster.get_object(target.api_version, target.kind, target.name, namespace)
        cluster.create_object(exposed_service(command, obj), namespace)
    elif command.verb == "scale":
        cluster.patch(**where, patch={"spec": {"replicas": command.options["replicas"]}})
    elif command.verb == "set-image":
        obj = cluster.get_object(target.api_version, target.kind, target.name, namespace)
        path = _CONTAINER_PATHS.get(target.kind, ("spec", "template", "spec"))
        node: Any = obj
        for part in path:
            node = (node or {}).get(part)
        names = {c.get("name") for c in (node or {}).get("containers") or []}
        missing = [c for c in command.options["images"] if c not in names]
        if missing:
            raise StepError(f"{command.text}: no container named {', '.join(missing)}")
        containers = [{"name": c, "image": i} for c, i in command.options["images"].items()]
        body: dict[str, Any] = {"containers": containers}
        for part in reversed(path):
            body = {part: body}
        cluster.patch(**where, patch=body, patch_type="strategic")
    elif command.verb in ("label", "annotate"):
        field = "labels" if command.verb == "label" else "annotations"
        cluster.patch(**where, patch={"metadata": {field: command.options["changes"]}})
    elif command.verb == "patch":
        cluster.patch(**where, patch=command.options["body"], patch_type=command.options["type"])
    elif command.verb == "rollout-status":
        _wait(cluster, namespace, target.name, rollout_complete, command.options["timeout"])
    elif command.verb == "rollout-undo":
        # kubectl rollout undo is client-side: it copies an earlier ReplicaSet's
        # Pod template back into the Deployment.
        deployment = _wait(cluster, namespace, target.name, _observed, 30)
        uid = deployment["metadata"].get("uid")
        owned = [
            rs for rs in cluster.list_objects("apps/v1", "ReplicaSet", namespace)
            if any(ref.get("uid") == uid for ref in rs["metadata"].get("ownerReferences") or [])
        ]  # fmt: skip
        template, annotations = undo_template(deployment, owned, command.options["revision"])
        patch = [
            {"op": "replace", "path": "/spec/template", "value": template},
            {"op": "replace", "path": "/metadata/annotations", "value": annotations},
        ]
        cluster.patch(**where, patch=patch, patch_type="json")
    elif command.verb == "delete":
        cluster.delete_object(target.api_version, target.kind, target.name, namespace)
    else:  # parse_command reads no other verb
        raise StepError(f"cannot play {command.text}")


def _observed(deployment: dict[str, Any]) -> bool:
    status, meta = deployment.get("status") or {}, deployment.get("metadata") or {}
    return bool(status.get("observedGeneration", 0) >= meta.get("generation", 1))


def _wait(
    cluster: Cluster,
    namespace: str,
    name: str,
    done: Callable[[dict[str, Any]], bool],
    timeout: float,
) -> dict[str, Any]:
    """The Deployment once ``done`` holds; after ``timeout`` seconds, as it is (like kubectl, which gives up)."""
    deadline = time.monotonic() + timeout
    while True:
        deployment = cluster.get_object("apps/v1", "Deployment", name, namespace)
        if done(deployment) or time.monotonic() > deadline:
            return deployment
        time.sleep(ROLLOUT_POLL_SECONDS)


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
