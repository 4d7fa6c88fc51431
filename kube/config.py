"""Which cluster, with which credentials: kubeconfig discovery as kubectl does it.

Without an explicit file, the tutor looks where kubectl looks: every file in
``$KUBECONFIG`` (separated like ``PATH``, merged the way kubectl merges them:
the first file to name a cluster, user or context wins, and the first
``current-context`` set wins), else ``~/.kube/config``. Inside a Pod with none
of those, the Pod's own ServiceAccount is used (the tutor deployed on the
cluster it grades on); on a developer's machine the local control plane of
``make cluster-up`` comes last. Relative file references in a kubeconfig are
resolved against the folder of the file that names them, as kubectl does.

These are trusted kubeconfigs (the operator's). A student's is checked by
``kube.kubeconfig.check_untrusted`` instead.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from cluster.cluster import admin_kubeconfig
from kube.client import Cluster
from kube.errors import BadKubeconfig
from kube.kubeconfig import context_parts, parse_kubeconfig, token_kubeconfig

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
# Keys whose value is a path to read, per section.
_FILE_KEYS = {
    "cluster": ("certificate-authority",),
    "user": ("client-certificate", "client-key", "tokenFile"),
}


def local_control_plane_kubeconfig() -> Path:
    return admin_kubeconfig()


def in_cluster(directory: Path | None = None) -> bool:
    return (
        bool(os.environ.get("KUBERNETES_SERVICE_HOST"))
        and ((directory or SERVICE_ACCOUNT_DIR) / "token").is_file()
    )


def kubeconfig_paths(explicit: str | Path | None = None) -> list[Path]:
    """The files to read, in kubectl's order of precedence; empty when there are none.

    ``explicit`` (a ``--kubeconfig`` or a setting) is the only file when given,
    whether or not it exists: naming a missing file is an error to report.
    """
    if explicit:
        return [Path(explicit).expanduser()]
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p.strip()]
    if listed:
        found = [Path(p).expanduser() for p in listed]
        return [p for p in dict.fromkeys(found) if p.is_file()]
    home = Path.home() / ".kube" / "config"
    if home.is_file():
        return [home]
    if not in_cluster():
        local = local_control_plane_kubeconfig()
        if local.is_file():
            return [local]
    return []


def load_kubeconfig(explicit: str | Path | None = None) -> dict[str, Any] | None:
    """The merged kubeconfig, or None when there is none (then ``in_cluster`` may apply)."""
    paths = kubeconfig_paths(explicit)
    if not paths:
        return None
    merged: dict[str, Any] = {
        "apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": [],
    }  # fmt: skip
    seen: dict[str, set[str]] = {"clusters": set(), "users": set(), "contexts": set()}
    for path in paths:
        try:
            text = path.read_text()
        except OSError as exc:
            raise BadKubeconfig(f"cannot read {path}: {exc.strerror}") from exc
        config = parse_kubeconfig(text)
        for section, entries in seen.items():
            for entry in config.get(section) or []:
                if not isinstance(entry, dict) or entry.get("name") in entries:
                    continue
                entries.add(str(entry.get("name")))
                merged[section].append(_absolute_files(entry, section, path.parent))
        if config.get("current-context") and "current-context" not in merged:
            merged["current-context"] = config["current-context"]
    return merged


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


def trusted_kubeconfig(explicit: str | Path | None = None) -> tuple[dict[str, Any], bool]:
    """The kubeconfig to use and whether it is the Pod's own (then there is no context choice)."""
    config = load_kubeconfig(explicit)
    if config is not None:
        return config, False
    if in_cluster():
        return in_cluster_kubeconfig(), True
    raise BadKubeconfig(
        "no cluster is configured: start one with `make cluster-up` (or kind/minikube), "
        "or set TUTOR_KUBECONFIG"
    )


def connect(explicit: str | Path | None = None, *, context: str | None = None) -> Cluster:
    """A client for the operator's cluster (see the module's docstring for which)."""
    config, pod = trusted_kubeconfig(explicit)
    return Cluster.from_kubeconfig(config, context=None if pod else context)


def certificate_authority(
    explicit: str | Path | None = None, *, context: str | None = None
) -> str | None:
    """The CA of that cluster as base64 ``certificate-authority-data``; None when it names none.

    Students' kubeconfigs must trust the same API server certificate; a server
    with a publicly trusted certificate names no CA.
    """
    config, pod = trusted_kubeconfig(explicit)
    _, entry, _, _ = context_parts(config, None if pod else context)
    if entry.get("certificate-authority-data"):
        return str(entry["certificate-authority-data"])
    if entry.get("certificate-authority"):
        ca_file = Path(str(entry["certificate-authority"]))
        try:
            return base64.b64encode(ca_file.read_bytes()).decode()
        except OSError as exc:
            raise BadKubeconfig(f"cannot read the CA file {ca_file}: {exc.strerror}") from exc
    return None


def _absolute_files(entry: dict[str, Any], section: str, folder: Path) -> dict[str, Any]:
    """The entry with its file references made absolute against the kubeconfig's folder."""
    kind = section[:-1]  # "clusters" -> "cluster"
    body = entry.get(kind)
    if not isinstance(body, dict):
        return entry
    fixed = dict(body)
    for key in _FILE_KEYS.get(kind, ()):
        value = fixed.get(key)
        if isinstance(value, str) and value:
            fixed[key] = str(folder / Path(value).expanduser())
    return {**entry, kind: fixed}
