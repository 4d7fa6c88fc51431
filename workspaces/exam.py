"""Exam workspaces: a namespace of its own for each exam attempt.

An exam must start from nothing the student made before (a lab done last
week would pass an exam task by itself), so each attempt gets a fresh
namespace, on the same cluster as the student's labs:

- local mode: on the tutor's cluster, next to TUTOR_LAB_NAMESPACE;
- classroom mode: with the student's own ServiceAccount bound to the same
  Role, quota and limits as their lab namespace, so their kubeconfig works
  in it (``kubectl -n <namespace>``);
- the student's own cluster: made with their kubeconfig.

Making and deleting it talks to a cluster: workers only (``exams.runs``).
"""

from __future__ import annotations

import logging

import yaml
from django.contrib.auth.models import User
from django.utils.crypto import salted_hmac

from kube import Cluster
from workspaces import classroom, lab_state
from workspaces.models import StudentNamespace

log = logging.getLogger(__name__)

EXAM_LABEL = "lfs158-tutor/exam"
PREFIX = "lfs158-exam-"


def exam_namespace_name(user: User, key: str) -> str:
    """``lfs158-exam-<hash>``: keyed with the installation's secret, one per attempt."""
    digest = salted_hmac("workspaces.exam-namespace", f"{user.pk}:{key}").hexdigest()
    return f"{PREFIX}{digest[:16]}"


def exam_namespace_prepare(
    *, cluster: Cluster, user: User, name: str, classroom_mode: bool
) -> None:
    """Create the attempt's namespace (again, harmlessly, if it exists)."""
    labels = {classroom.STUDENT_LABEL: str(user.pk), EXAM_LABEL: "true"}
    if not classroom_mode:
        namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}  # fmt: skip
        cluster.apply(yaml.safe_dump(namespace), "")
        cluster.wait_until_usable(name)
        return
    # The student's ServiceAccount lives in their lab namespace: it must exist first.
    own: StudentNamespace = classroom.student_namespace_provision(cluster=cluster, user=user)
    manifests = [
        m for m in classroom.student_manifests(name, user) if m["kind"] != "ServiceAccount"
    ]
    for manifest in manifests:
        if manifest["kind"] == "Namespace":
            manifest["metadata"]["labels"][EXAM_LABEL] = "true"
        if manifest["kind"] == "RoleBinding":
            manifest["subjects"] = [
                {
                    "kind": "ServiceAccount",
                    "name": classroom.SERVICE_ACCOUNT,
                    "namespace": own.namespace,
                }
            ]
    cluster.apply(yaml.safe_dump_all(manifests, sort_keys=False), name)
    cluster.wait_until_usable(name)
    log.info("prepared exam namespace %s for user %s", name, user.pk)


def exam_namespace_release(*, cluster: Cluster, name: str) -> None:
    """Delete the attempt's namespace once it is graded (its evidence is kept in the database),
    and the cluster-wide copies a task's start state made for it (a PersistentVolume)."""
    cluster.delete_namespace(name)
    lab_state.namespace_copies_delete(cluster, name)
