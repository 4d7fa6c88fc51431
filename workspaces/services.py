"""Writes for workspaces that talk to a cluster: always handed to a worker.

A web request only records what is wanted (a run, a refresh) and enqueues a
task on commit; the page shows the progress. Workers do the slow part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone, translation

from workspaces import tasks
from workspaces.models import LabRun, NamespaceRun, StudentCluster, StudentNamespace
from workspaces.resolve import Workspace


def namespace_run_start(
    *,
    action: str,
    scope: str,
    users: Sequence[User],
    skipped: Sequence[tuple[str, str]] = (),
    quota: Mapping[str, str] | None = None,
    requested_by: User | None = None,
) -> NamespaceRun:
    """Provision or clean up these students' namespaces in a worker; ``skipped`` says who not, why."""
    with transaction.atomic():
        run = NamespaceRun.objects.create(
            action=action,
            scope=scope,
            requested_by=requested_by,
            user_ids=[u.pk for u in users],
            skipped=[list(pair) for pair in skipped],
            quota=dict(quota or {}),
            language=translation.get_language() or "",
        )
        tasks.run_namespaces.delay_on_commit(run.pk)
    return run


def namespace_runs(*, scope: str, limit: int = 3) -> list[NamespaceRun]:
    return list(NamespaceRun.objects.filter(scope=scope)[:limit])


def workspace_prepare(*, user: User) -> None:
    """Provision the student's classroom namespace in a worker (idempotent)."""
    tasks.prepare_workspace.delay(user.pk)


def workspace_prepare_by_id(*, user_id: int) -> None:
    """The same, from code that holds only the id (the terminal's WebSocket)."""
    tasks.prepare_workspace.delay(user_id)


def kubeconfig_refresh(*, student_namespace: StudentNamespace) -> None:
    """Issue a fresh token for the student's kubeconfig in a worker."""
    tasks.refresh_kubeconfig.delay(student_namespace.pk)


class LabWithState(Protocol):
    """What starting or resetting needs of a lab (``labs.models.Lab`` is one)."""

    @property
    def uuid(self) -> Any: ...

    @property
    def slug(self) -> str: ...

    @property
    def start_state(self) -> str: ...

    @property
    def start_steps(self) -> list[dict[str, Any]]: ...

    @property
    def footprint(self) -> list[dict[str, Any]]: ...


def lab_start(workspace: Workspace, lab: LabWithState) -> LabRun:
    """Create the lab's start state in the workspace, in a worker; what exists stays as it is."""
    return _lab_run(workspace, lab, LabRun.Action.START)


def workspace_reset(workspace: Workspace, lab: LabWithState) -> LabRun:
    """Return the workspace to the lab's start state, in a worker.

    Deletes what belongs to the lab (its footprint and the objects the tutor
    created for it), then creates the start state again. The caller asks the
    student to confirm first: the student's work for this lab is lost. Other
    labs' objects in the same namespace stay.
    """
    return _lab_run(workspace, lab, LabRun.Action.RESET)


def _lab_run(workspace: Workspace, lab: LabWithState, action: str) -> LabRun:
    if workspace.user_id is None:
        raise ValueError("a visitor has no workspace to prepare")
    with transaction.atomic():
        # The student's own row serializes their clicks: a double click makes one run.
        User.objects.select_for_update().only("pk").get(pk=workspace.user_id)
        pending = LabRun.objects.filter(
            user_id=workspace.user_id, lab_uuid=lab.uuid, action=action,
            status__in=[LabRun.Status.QUEUED, LabRun.Status.RUNNING],
        ).first()  # fmt: skip
        if pending is not None:
            return pending
        run = LabRun.objects.create(
            user_id=workspace.user_id, lab_uuid=lab.uuid, lab_slug=lab.slug,
            namespace=workspace.namespace, on_student_cluster=workspace.on_student_cluster,
            action=action, start_state=lab.start_state, start_steps=lab.start_steps,
            footprint=lab.footprint, language=translation.get_language() or "",
        )  # fmt: skip
        tasks.run_lab.delay_on_commit(run.pk)
    return run


def student_cluster_test_request(*, student_cluster: StudentCluster) -> None:
    """Test the connection to a student's own cluster in a worker of the untrusted queue.

    The page shows "testing" until the worker records what the cluster said:
    a slow or hostile server holds that worker (for a bounded time), never a
    web process, and never the workers that grade on the class's cluster.
    """
    with transaction.atomic():
        # The worker writes the result in the language of the request that asked.
        StudentCluster.objects.filter(pk=student_cluster.pk).update(
            test_requested_at=timezone.now(), test_language=translation.get_language() or ""
        )
        tasks.test_student_cluster.apply_async_on_commit(
            (student_cluster.pk,), queue=settings.TUTOR_UNTRUSTED_QUEUE
        )
