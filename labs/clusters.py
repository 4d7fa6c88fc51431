"""Which cluster the tutor grades on, when nobody says otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache

from kube import Cluster, KubeError
from kube import config as kube_config

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

STATUS_SECONDS = 15


def _explicit_kubeconfig() -> str | None:
    """TUTOR_KUBECONFIG when it names a file (else discovery as kubectl does it)."""
    path = settings.TUTOR_KUBECONFIG
    return path if path and Path(path).expanduser().is_file() else None


def classroom_mode() -> bool:
    return settings.TUTOR_MODE == "classroom"


def lab_namespace(user: User | AnonymousUser) -> str:
    """The namespace a student's lab is graded in.

    Local mode: one namespace for the laptop's user. Classroom mode: the
    student's own namespace, provisioned on first need (empty for a visitor
    who is not logged in). Raises KubeError when it cannot be provisioned.
    """
    if not classroom_mode():
        return settings.TUTOR_LAB_NAMESPACE
    if not user.is_authenticated:
        return ""
    # Imported here: the classroom services build on this module.
    from labs.classroom import student_namespace_ensure

    return student_namespace_ensure(user=user).namespace


def connect_local() -> Cluster:
    """The cluster of local mode: the kubeconfig from settings or the usual places."""
    return kube_config.connect(_explicit_kubeconfig(), context=settings.TUTOR_KUBE_CONTEXT or None)


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
        cluster = connect_local()
        status = ClusterStatus(True, cluster.name, cluster.server, cluster.version(), "")
    except KubeError as exc:
        status = ClusterStatus(False, "", "", "", str(exc))
    cache.set("labs:cluster-status", status, STATUS_SECONDS)
    return status


def local_certificate_authority() -> str | None:
    """The CA of the tutor's own cluster as base64 ``certificate-authority-data``."""
    return kube_config.certificate_authority(
        _explicit_kubeconfig(), context=settings.TUTOR_KUBE_CONTEXT or None
    )
