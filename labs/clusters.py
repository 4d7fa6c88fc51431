"""Which cluster the tutor grades on, when nobody says otherwise."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache

from tutor.kube import BadKubeconfig, Cluster, KubeError
from tutor.kube.kubeconfig import context_parts, parse_kubeconfig, token_kubeconfig

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

STATUS_SECONDS = 15
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


def local_control_plane_kubeconfig() -> Path:
    cache = os.environ.get("TUTOR_CACHE_DIR") or Path.home() / ".cache" / "lfs158-tutor"
    return Path(cache) / "clusters" / "local" / "admin.kubeconfig"


def default_kubeconfig() -> Path | None:
    """TUTOR_KUBECONFIG, else $KUBECONFIG, else ~/.kube/config, else the local control plane.

    Inside a Pod with none of these files, ``in_cluster_kubeconfig`` applies
    instead (the tutor deployed on the cluster it grades on).
    """
    candidates = [settings.TUTOR_KUBECONFIG] if settings.TUTOR_KUBECONFIG else []
    if os.environ.get("KUBECONFIG"):
        candidates.append(os.environ["KUBECONFIG"].split(os.pathsep)[0])
    candidates.append(str(Path.home() / ".kube" / "config"))
    if not in_cluster():
        candidates.append(str(local_control_plane_kubeconfig()))
    for candidate in candidates:
        path = Path(candidate).expanduser()
        if path.is_file():
            return path
    return None


def in_cluster() -> bool:
    return (
        bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
        and (SERVICE_ACCOUNT_DIR / "token").is_file()
    )


def in_cluster_kubeconfig(directory: Path | None = None) -> dict[str, Any]:
    """The Pod's own ServiceAccount as a kubeconfig, read afresh on every call.

    The kubelet replaces the projected token before it expires, so a client
    built per grading run always holds a valid one.
    """
    folder = directory or SERVICE_ACCOUNT_DIR
    host = os.environ.get("KUBERNETES_SERVICE_HOST", "")
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    if ":" in host:
        host = f"[{host}]"
    try:
        token = (folder / "token").read_text().strip()
        ca = base64.b64encode((folder / "ca.crt").read_bytes()).decode()
        namespace = (folder / "namespace").read_text().strip()
    except OSError as exc:
        raise BadKubeconfig(
            f"cannot read the Pod's ServiceAccount ({exc.strerror}: {exc.filename})"
        ) from exc
    return token_kubeconfig(
        server=f"https://{host}:{port}", token=token, ca_data=ca, namespace=namespace,
        cluster="in-cluster", user="tutor", context="in-cluster",
    )  # fmt: skip


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
    path = default_kubeconfig()
    if path is None and in_cluster():
        return Cluster.from_kubeconfig(in_cluster_kubeconfig())
    if path is None:
        raise BadKubeconfig(
            "no cluster is configured: start one with `make cluster-up` (or kind/minikube), "
            "or set TUTOR_KUBECONFIG"
        )
    return Cluster.from_kubeconfig_file(path, context=settings.TUTOR_KUBE_CONTEXT or None)


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
    """The CA of the tutor's own cluster as base64 ``certificate-authority-data``.

    Students' kubeconfigs must trust the same API server certificate. The
    tutor's kubeconfig (read like connect_local reads it) names the CA inline
    or as a file, relative to the kubeconfig's own folder; None when it names
    none (a server with a publicly trusted certificate).
    """
    path = default_kubeconfig()
    if path is None and in_cluster():
        ca: str = in_cluster_kubeconfig()["clusters"][0]["cluster"]["certificate-authority-data"]
        return ca
    if path is None:
        raise BadKubeconfig("no cluster is configured: set TUTOR_KUBECONFIG")
    try:
        config = parse_kubeconfig(path.read_text())
    except OSError as exc:
        raise BadKubeconfig(f"cannot read {path}: {exc.strerror}") from exc
    _, entry, _, _ = context_parts(config, settings.TUTOR_KUBE_CONTEXT or None)
    if entry.get("certificate-authority-data"):
        return str(entry["certificate-authority-data"])
    if entry.get("certificate-authority"):
        ca_file = path.parent / Path(str(entry["certificate-authority"])).expanduser()
        try:
            return base64.b64encode(ca_file.read_bytes()).decode()
        except OSError as exc:
            raise BadKubeconfig(f"cannot read the CA file {ca_file}: {exc.strerror}") from exc
    return None
