"""What grade_lab and verify_labs share: finding labs and connecting to a cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from engine.content.kind import KindRead
from kube import Cluster, KubeError
from kube import config as kube_config
from labs.content import LabSource, read_labs
from lessons.content import content_root, read_chapters

COULD_NOT = 2


class LabCommandError(Exception):
    pass


def add_cluster_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--kubeconfig",
        type=Path,
        help=(
            "default: TUTOR_KUBECONFIG, $KUBECONFIG, ~/.kube/config, the Pod's ServiceAccount "
            "(in a Pod), the local control plane"
        ),
    )
    parser.add_argument("--context", help="kubeconfig context (default: the current one)")
    parser.add_argument("--format", choices=["text", "json"], default="text")


def connect(options: dict[str, Any]) -> Cluster:
    explicit = options.get("kubeconfig") or settings.TUTOR_KUBECONFIG or None
    if not kube_config.kubeconfig_paths(explicit) and not kube_config.in_cluster():
        raise LabCommandError("no kubeconfig found: pass --kubeconfig, or run `make cluster-up`")
    context = options.get("context") or settings.TUTOR_KUBE_CONTEXT or None
    try:
        cluster = kube_config.connect(explicit, context=context)
        cluster.version()
    except KubeError as exc:
        raise LabCommandError(f"could not reach the cluster ({exc})") from exc
    return cluster


def _read() -> KindRead:
    root = content_root()
    return read_labs(root, read_chapters(root).chapters)


def all_labs() -> list[LabSource]:
    """Every lab; refuses when any lab file is broken (a broken lab cannot be verified)."""
    read = _read()
    broken = [e for e in read.errors if "/labs/" in e.file]
    if broken:
        raise LabCommandError("lab files have errors:\n" + "\n".join(str(e) for e in broken))
    return list(read.sources)


def find_lab(name: str) -> LabSource:
    """One lab by folder name or uuid; only that lab's own errors stop it."""
    report = _read()
    labs: list[LabSource] = report.sources
    for lab in labs:
        if name in (lab.slug, lab.front["uuid"]):
            return lab
    own = [
        e for e in report.errors if f"/labs/{name}/" in e.file or e.file.endswith(f"/labs/{name}")
    ]
    if own:
        raise LabCommandError(f"lab {name!r} has errors:\n" + "\n".join(str(e) for e in own))
    known = ", ".join(sorted(lab.slug for lab in labs)) or "none"
    raise LabCommandError(f"no lab {name!r} (labs: {known})")
