"""Reset a student's workspace for a lab: delete what they made for it.

The lab says what it looks at (the kinds its checks select): every object of
those kinds in the student's namespace is deleted, except what the tutor
itself keeps there (labelled ``lfs158-tutor/toolbox`` or
``lfs158-tutor/student``: the terminal's toolbox, the student's Role, quota
and limits) and what Kubernetes makes in every namespace (the ``default``
ServiceAccount, the ``kube-root-ca.crt`` ConfigMap). Pods of a deleted
Deployment go with it (background propagation).

This is the place to extend: a lab with a start state (some labs begin
broken) re-applies it here after the deletion.
"""

from __future__ import annotations

import logging
from typing import Protocol

from kube import Cluster, KubeError
from workspaces.resolve import Workspace

log = logging.getLogger(__name__)

KEEP = "!lfs158-tutor/toolbox,!lfs158-tutor/student"
KEEP_NAMES = "metadata.name!=default,metadata.name!=kube-root-ca.crt"
# Kinds a check may name without an apiVersion.
API_VERSIONS = {
    "Pod": "v1", "Service": "v1", "ConfigMap": "v1", "Secret": "v1",
    "PersistentVolumeClaim": "v1", "ServiceAccount": "v1", "ResourceQuota": "v1",
    "LimitRange": "v1", "ReplicationController": "v1",
    "Deployment": "apps/v1", "ReplicaSet": "apps/v1", "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1",
    "Ingress": "networking.k8s.io/v1", "NetworkPolicy": "networking.k8s.io/v1",
    "Role": "rbac.authorization.k8s.io/v1", "RoleBinding": "rbac.authorization.k8s.io/v1",
    "HorizontalPodAutoscaler": "autoscaling/v2",
}  # fmt: skip
# Never deleted by a reset: made and kept by Kubernetes, or not objects at all.
NEVER = {"Namespace", "Node", "Event", "Endpoints", "EndpointSlice", "SubjectAccessReview"}


class ResettableLab(Protocol):
    """What a reset needs of a lab (labs.models.Lab)."""

    slug: str

    def reset_kinds(self) -> list[tuple[str | None, str]]: ...


def kinds_to_reset(lab_kinds: list[tuple[str | None, str]]) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for api_version, kind in lab_kinds:
        if kind in NEVER:
            continue
        version = api_version or API_VERSIONS.get(kind)
        if version:
            found.setdefault(kind, version)
    return sorted((v, k) for k, v in found.items())


def workspace_reset(
    workspace: Workspace, lab: ResettableLab | list[tuple[str | None, str]], *, cluster: Cluster
) -> list[str]:
    """Delete the lab's objects in the workspace's namespace; returns the kinds deleted."""
    lab_kinds = lab if isinstance(lab, list) else lab.reset_kinds()
    deleted = []
    for api_version, kind in kinds_to_reset(lab_kinds):
        try:
            resource = cluster.resource(api_version, kind)
        except KubeError:
            continue  # the cluster does not serve it: nothing of it to delete
        if not resource.namespaced:
            continue
        query = [("propagationPolicy", "Background"), ("labelSelector", KEEP)]
        if kind in ("ServiceAccount", "ConfigMap"):
            query.append(("fieldSelector", KEEP_NAMES))
        cluster.request("DELETE", resource.path(workspace.namespace), query=query)
        deleted.append(kind)
    log.info("reset %s in %s: %s", getattr(lab, "slug", "a lab"), workspace.namespace, deleted)
    return deleted
