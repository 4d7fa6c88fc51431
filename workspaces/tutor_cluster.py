"""The tutor's own cluster: the one it grades on unless a student brings theirs.

TUTOR_KUBECONFIG (and TUTOR_KUBE_CONTEXT) when set, else where kubectl would
look, else the Pod's ServiceAccount, else the local control plane
(``kube.config``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from kube import Cluster, KubeError
from kube import config as kube_config

STATUS_SECONDS = 15


def classroom_mode() -> bool:
    return settings.TUTOR_MODE == "classroom"


def _explicit_kubeconfig() -> str | None:
    """TUTOR_KUBECONFIG when it names a file (else discovery as kubectl does it)."""
    path = settings.TUTOR_KUBECONFIG
    return path if path and Path(path).expanduser().is_file() else None


def connect() -> Cluster:
    return kube_config.connect(_explicit_kubeconfig(), context=settings.TUTOR_KUBE_CONTEXT or None)


def certificate_authority() -> str | None:
    """The CA of the tutor's cluster as base64 ``certificate-authority-data`` (for students)."""
    return kube_config.certificate_authority(
        _explicit_kubeconfig(), context=settings.TUTOR_KUBE_CONTEXT or None
    )


@dataclass
class ClusterStatus:
    reachable: bool
    name: str
    server: str
    version: str
    problem: str


def cluster_status() -> ClusterStatus:
    """Is the grading cluster there, and which is it? Cached briefly: pages show it."""
    cached = cache.get("labs:cluster-status")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    try:
        cluster = connect()
        try:
            status = ClusterStatus(True, cluster.name, cluster.server, cluster.version(), "")
        finally:
            cluster.close()
    except KubeError as exc:
        status = ClusterStatus(False, "", "", "", str(exc))
    cache.set("labs:cluster-status", status, STATUS_SECONDS)
    return status
