"""Which cluster the tutor grades on, when nobody says otherwise."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings


def local_control_plane_kubeconfig() -> Path:
    cache = os.environ.get("TUTOR_CACHE_DIR") or Path.home() / ".cache" / "lfs158-tutor"
    return Path(cache) / "clusters" / "local" / "admin.kubeconfig"


def default_kubeconfig() -> Path | None:
    """TUTOR_KUBECONFIG, else $KUBECONFIG, else ~/.kube/config, else the local control plane."""
    candidates = [settings.TUTOR_KUBECONFIG] if settings.TUTOR_KUBECONFIG else []
    if os.environ.get("KUBECONFIG"):
        candidates.append(os.environ["KUBECONFIG"].split(os.pathsep)[0])
    candidates += [str(Path.home() / ".kube" / "config"), str(local_control_plane_kubeconfig())]
    for candidate in candidates:
        path = Path(candidate).expanduser()
        if path.is_file():
            return path
    return None
