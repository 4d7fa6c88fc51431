"""A student's own cluster: the kubeconfig they upload, checked, stored encrypted, used to grade.

Off unless the operator enables it (``TUTOR_STUDENT_CLUSTERS``): the worker
connects wherever the kubeconfig points, so the server must be on the
operator's allow-list (``TUTOR_STUDENT_CLUSTER_ALLOWED``) and is never a
link-local or metadata address (``kube.check_untrusted``). The check
runs when the file is saved and again whenever a worker connects, since the
allow-list, or what a name resolves to, may have changed meanwhile.

The kubeconfig holds the student's credentials: nothing here logs it, and
pages show only its server, context and namespace.

Saving checks what can be checked without the network (the file's shape,
code and file keys, the server's name and port against the allow-list); the
connection test, which resolves the name and talks to the server, runs in a
worker on the queue of untrusted clusters (``student_cluster_test``), with a
deadline for the whole exchange, and the page shows its result when it comes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404
from django.utils import timezone

from core import crypto
from engine.yaml import YamlProblem, load_document
from kube import BadKubeconfig, Cluster, KubeError, check_untrusted_static, kubeconfig_from_data
from kube.kubeconfig import MAX_BYTES, context_parts, size_message
from workspaces.models import StudentCluster

log = logging.getLogger(__name__)

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# A kubeconfig of one context has a few dozen values; kubectl's biggest has hundreds.
MAX_KUBECONFIG_VALUES = 5_000
# The connection test: one version request and one list, all within this.
TEST_SECONDS = 20.0


class StudentClustersDisabled(Http404):
    """The operator has not enabled students' own clusters: the pages do not exist."""


def enabled() -> bool:
    return bool(settings.TUTOR_STUDENT_CLUSTERS)


def require_enabled() -> None:
    if not enabled():
        raise StudentClustersDisabled("Students' own clusters are not enabled")


def allowed_servers() -> list[str]:
    return list(settings.TUTOR_STUDENT_CLUSTER_ALLOWED)


def student_cluster_for(*, user: User | AnonymousUser) -> StudentCluster | None:
    """The student's own cluster while the feature is on; None otherwise."""
    if not enabled() or not user.is_authenticated:
        return None
    return StudentCluster.objects.filter(user=user).first()


def student_kubeconfig_read(text: str) -> dict[str, Any]:
    """A student's kubeconfig text as data: the one YAML loader, its budget, a kubeconfig's shape.

    Raises BadKubeconfig with a message for the student (never anything else).
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_BYTES:
        raise BadKubeconfig(size_message(size))
    try:
        document = load_document(text, max_bytes=MAX_BYTES, max_nodes=MAX_KUBECONFIG_VALUES)
    except YamlProblem as problem:
        raise BadKubeconfig(
            f"the kubeconfig is not valid YAML (line {problem.line}: {problem.message})"
        ) from problem
    return kubeconfig_from_data(document.data)


def student_cluster_save(
    *, user: User, text: str, context: str = "", namespace: str = ""
) -> StudentCluster:
    """Check an uploaded kubeconfig and keep it (encrypted) as the student's lab cluster.

    Raises BadKubeconfig with a message for the student when the file is
    unusable or refused; nothing is stored then. The namespace defaults to
    the context's, else ``default``. Nothing here waits for the network: the
    caller asks a worker to test the connection (``services``).
    """
    require_enabled()
    if not text.strip():
        raise BadKubeconfig("the kubeconfig is empty")
    config = student_kubeconfig_read(text)
    chosen, cluster, _, context_namespace = context_parts(config, context.strip() or None)
    namespace = namespace.strip() or str(context_namespace or "") or "default"
    if not _DNS_LABEL.match(namespace):
        raise BadKubeconfig(
            f"{namespace[:70]!r} is not a namespace name: lowercase letters, digits and "
            "'-', at most 63 characters"
        )
    check_untrusted_static(
        config, context=chosen, allowed_hosts=settings.TUTOR_STUDENT_CLUSTER_ALLOWED
    )
    server = str(cluster.get("server"))
    student_cluster, _ = StudentCluster.objects.update_or_create(
        user=user,
        defaults={
            "kubeconfig_encrypted": crypto.encrypt(text),
            "context": chosen,
            "server": server[:300],
            "namespace": namespace,
            "checked_at": None,
            "test_requested_at": None,
            "kubernetes_version": "",
            "problem": "",
        },
    )
    log.info("user %s saved their own lab cluster (%s)", user.pk, server)
    return student_cluster


def student_cluster_delete(*, user: User) -> bool:
    deleted, _ = StudentCluster.objects.filter(user=user).delete()
    if deleted:
        log.info("user %s removed their own lab cluster", user.pk)
    return bool(deleted)


def student_cluster_connect(student_cluster: StudentCluster) -> Cluster:
    """A client for the student's cluster, checked again against today's allow-list."""
    if not enabled():
        raise BadKubeconfig(
            "grading on your own cluster has been turned off by the operator; "
            "check your work again to grade on the tutor's cluster"
        )
    try:
        text = crypto.decrypt(student_cluster.kubeconfig_encrypted)
    except crypto.DecryptionError as exc:
        raise BadKubeconfig(
            "your saved kubeconfig can no longer be read here; upload it again"
        ) from exc
    return Cluster.from_untrusted_kubeconfig(
        student_kubeconfig_read(text),
        context=student_cluster.context,
        allowed_hosts=settings.TUTOR_STUDENT_CLUSTER_ALLOWED,
    )


def student_cluster_test(student_cluster: StudentCluster) -> StudentCluster:
    """Ask the cluster for its version and its namespace; keep what it said for the page.

    Worker side only: it resolves the server's name and talks to it, within
    TEST_SECONDS for the whole exchange whatever the server does.
    """
    problem, version = "", ""
    try:
        cluster = student_cluster_connect(student_cluster)
        try:
            cluster.limit_run(TEST_SECONDS)
            version = cluster.version()
            cluster.request("GET", f"/api/v1/namespaces/{student_cluster.namespace}/pods")
        finally:
            cluster.close()
    except KubeError as exc:
        problem = str(exc)[:500]
    student_cluster.checked_at = timezone.now()
    student_cluster.kubernetes_version = version[:40]
    student_cluster.problem = problem
    student_cluster.save(update_fields=["checked_at", "kubernetes_version", "problem"])
    return student_cluster
