"""The toolbox: a Pod in the student's namespace that their browser terminal runs in.

It runs the project's toolbox image (deploy/toolbox/: bash, kubectl of the
course's version, curl, jq, vi, nano, completion) as the namespace's
ServiceAccount ``student``: the shell's kubectl has exactly the student's
rights, under the namespace's quota and Pod Security, and kubectl's default
namespace is theirs. The tutor's own credentials never enter it: the tutor
only creates the Pod and opens ``pods/exec`` to it.

On the local control plane no container runs: kwok answers exec into a Pod
that has an ``Exec`` object beside it by running the command on this machine
(cluster/cluster.py ``toolbox_exec``). The tutor then prepares a home folder
for it (``<tmp>/lfs158-toolboxes/<namespace>``) with a kubeconfig holding the
student's own token, and a copy of kubectl beside; when the tutor runs as
root, the shell runs as ``nobody``, who cannot read the tutor's files (kwok
switches only to users this machine knows, so every simulated toolbox shares
that one: the local control plane is for development and CI, where the
students are tests; on a real cluster each toolbox is a container of its own).

Synchronous and slow (it waits for the Pod): callers run it in a thread.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils.translation import gettext_noop

from cluster.cluster import TOOLBOX_LABEL, kubectl_binary, toolbox_exec
from kube import Cluster, KubeError, NotFound
from workspaces import classroom, tutor_cluster
from workspaces.models import StudentNamespace

POD = "lfs158-toolbox"
CONTAINER = "toolbox"
HOME = "/home/student"
BASHRC = Path(__file__).resolve().parents[2] / "deploy" / "toolbox" / "bashrc"
# The shell: a login shell (profile, completion) with a controlling terminal of its
# own, so that job control and Ctrl-C work where the exec gives none (kwok).
COMMAND = ("setsid", "-wc", "bash", "-il")
READY_SECONDS = 180
NOBODY = 65534


class ToolboxError(KubeError):
    """The toolbox could not be started (the message says why, for the student)."""


@dataclass(frozen=True)
class Toolbox:
    namespace: str
    pod: str = POD
    container: str = CONTAINER
    command: tuple[str, ...] = COMMAND


def pod_manifest(namespace: str) -> dict[str, Any]:
    resources = {"cpu": settings.TUTOR_TOOLBOX_CPU, "memory": settings.TUTOR_TOOLBOX_MEMORY}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": POD,
            "namespace": namespace,
            "labels": {TOOLBOX_LABEL: "true", "app.kubernetes.io/part-of": "lfs158-tutor"},
        },
        "spec": {
            # The student's identity: their Role, their quota, their namespace as default.
            "serviceAccountName": classroom.SERVICE_ACCOUNT,
            "automountServiceAccountToken": True,
            "enableServiceLinks": False,
            "terminationGracePeriodSeconds": 2,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 1000,
                "runAsGroup": 1000,
                "fsGroup": 1000,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": CONTAINER,
                    "image": settings.TUTOR_TOOLBOX_IMAGE,
                    "imagePullPolicy": "IfNotPresent",
                    "env": [{"name": "HOME", "value": HOME}],
                    "resources": {"requests": resources, "limits": resources},
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"]},
                    },
                    "volumeMounts": [
                        {"name": "home", "mountPath": HOME},
                        {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108  (the Pod's own)
                    ],
                }
            ],
            "volumes": [
                {"name": "home", "emptyDir": {"sizeLimit": "256Mi"}},
                {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
            ],
        },
    }


def toolbox_ensure(
    *, cluster: Cluster, student_namespace: StudentNamespace, say: Callable[[str], None]
) -> Toolbox:
    """The student's toolbox Pod, created when missing, once it is Ready to exec into."""
    namespace = student_namespace.namespace
    pod = _get_pod(cluster, namespace)
    if pod is not None and not _usable(pod):
        say(gettext_noop("Replacing your old toolbox…"))
        _delete_pod(cluster, namespace, pod)
        pod = None
    if pod is None:
        say(gettext_noop("Starting your toolbox (a Pod in your namespace)…"))
        try:
            cluster.apply(yaml.safe_dump(pod_manifest(namespace)), namespace)
        except KubeError as exc:
            raise ToolboxError(f"the toolbox Pod could not be created: {exc}") from exc
        pod = _get_pod(cluster, namespace)
    if pod is not None and simulated(cluster):
        _prepare_simulated(cluster, student_namespace, pod)
    _wait_ready(cluster, namespace, say)
    return Toolbox(namespace=namespace)


def simulated(cluster: Cluster) -> bool:
    """The local control plane: exec into toolbox Pods is served by kwok on this machine."""
    try:
        cluster.resource("kwok.x-k8s.io/v1alpha1", "Exec")
    except KubeError:
        return False
    return True


def simulated_root() -> Path:
    return Path(tempfile.gettempdir()) / "lfs158-toolboxes"


def workdir_of(namespace: str) -> Path:
    return simulated_root() / namespace


def simulated_uid() -> int | None:
    """``nobody`` when the tutor may switch users (it runs as root), else None."""
    return NOBODY if os.geteuid() == 0 else None


def remove_simulated_home(namespace: str) -> None:
    shutil.rmtree(workdir_of(namespace), ignore_errors=True)


# --- helpers ------------------------------------------------------------------------------


def _get_pod(cluster: Cluster, namespace: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = cluster.request("GET", f"/api/v1/namespaces/{namespace}/pods/{POD}")
    except NotFound:
        return None
    return found


def _usable(pod: dict[str, Any]) -> bool:
    """Ours (labelled, our image), not ending, not ended: else it is replaced."""
    meta = pod.get("metadata", {})
    if (meta.get("labels") or {}).get(TOOLBOX_LABEL) != "true" or meta.get("deletionTimestamp"):
        return False
    images = [c.get("image") for c in pod.get("spec", {}).get("containers", [])]
    if images != [settings.TUTOR_TOOLBOX_IMAGE]:
        return False
    if pod.get("spec", {}).get("serviceAccountName") != classroom.SERVICE_ACCOUNT:
        return False
    return pod.get("status", {}).get("phase") not in ("Succeeded", "Failed")


def _delete_pod(cluster: Cluster, namespace: str, pod: dict[str, Any]) -> None:
    with contextlib.suppress(NotFound):
        cluster.request(
            "DELETE",
            f"/api/v1/namespaces/{namespace}/pods/{POD}",
            query=[("gracePeriodSeconds", "0")],
        )
    deadline = time.monotonic() + 60
    while _get_pod(cluster, namespace) is not None:
        if time.monotonic() > deadline:
            raise ToolboxError("the old toolbox Pod is still being deleted; try again in a minute")
        time.sleep(0.5)


def _wait_ready(cluster: Cluster, namespace: str, say: Callable[[str], None]) -> None:
    started = time.monotonic()
    deadline = started + READY_SECONDS
    told = False
    while True:
        pod = _get_pod(cluster, namespace)
        status = (pod or {}).get("status", {})
        if any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in status.get("conditions") or []
        ):
            return
        for container in status.get("containerStatuses") or []:
            waiting = (container.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName"):
                raise ToolboxError(
                    f"the toolbox image {settings.TUTOR_TOOLBOX_IMAGE} cannot be pulled "
                    f"({waiting.get('reason')}): ask your operator"
                )
        if not told and time.monotonic() - started > 5:
            say(
                gettext_noop(
                    "Waiting for your toolbox Pod to be ready (the first start pulls its image)…"
                )
            )
            told = True
        if time.monotonic() > deadline:
            raise ToolboxError("your toolbox Pod did not become ready in time; try again")
        time.sleep(0.5)


def _prepare_simulated(
    cluster: Cluster, student_namespace: StudentNamespace, pod: dict[str, Any]
) -> None:
    """kwok's stand-in for the container: a home folder, the student's kubeconfig, an Exec."""
    namespace = student_namespace.namespace
    if classroom.student_kubeconfig_needs_refresh(student_namespace=student_namespace):
        classroom.student_kubeconfig_refresh(cluster=cluster, student_namespace=student_namespace)
    kubeconfig = classroom.student_kubeconfig_text(student_namespace=student_namespace)
    root = simulated_root()
    root.mkdir(mode=0o711, exist_ok=True)
    root.chmod(0o711)
    bin_dir = root / "bin"
    bin_dir.mkdir(mode=0o755, exist_ok=True)
    kubectl = kubectl_binary()
    copy = bin_dir / "kubectl"
    if kubectl.is_file() and (not copy.is_file() or copy.stat().st_size != kubectl.stat().st_size):
        shutil.copy2(kubectl, copy)
        copy.chmod(0o755)
    home = workdir_of(namespace)
    (home / ".kube").mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    _write(home / ".kube" / "config", kubeconfig, 0o600)
    _write(home / ".bashrc", BASHRC.read_text(), 0o644)
    _write(home / ".bash_profile", "[ -f ~/.bashrc ] && . ~/.bashrc\n", 0o644)
    user = simulated_uid()
    if user is not None:
        for path in (home, home / ".kube", *home.rglob("*")):
            os.chown(path, user, user)
    exec_object = toolbox_exec(
        namespace,
        POD,
        kubeconfig=str(home / ".kube" / "config"),
        workdir=str(home),
        env={
            "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
            "TMOUT": str(settings.TUTOR_TERMINAL_IDLE_SECONDS + 60),
            "USER": "student",
        },
        run_as_user=user,
        run_as_group=user,
        pod_uid=pod["metadata"]["uid"],
    )
    # The tutor makes the Exec object with its own (admin) credentials on the local
    # control plane; students may never write kwok.x-k8s.io objects.
    cluster.apply(json.dumps(exec_object), namespace)


def _write(path: Path, text: str, mode: int) -> None:
    path.write_text(text)
    path.chmod(mode)


def student_namespace_for_terminal(*, user_id: int) -> StudentNamespace | None:
    """The user's active classroom namespace (None: a worker must provision it first)."""
    row = StudentNamespace.objects.filter(user_id=user_id).first()
    return row if row is not None and row.is_active else None


def connect() -> Cluster:
    return tutor_cluster.connect()
