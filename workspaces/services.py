"""Writes for workspaces that talk to a cluster: always handed to a worker.

A web request only records what is wanted (a run, a refresh) and enqueues a
task on commit; the page shows the progress. Workers do the slow part.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from workspaces import tasks
from workspaces.models import NamespaceRun, StudentCluster, StudentNamespace
from workspaces.reset import ResettableLab


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


def workspace_reset_start(*, user: User, lab: ResettableLab) -> None:
    """Delete what the student made for this lab, in a worker (workspaces.reset)."""
    kinds = [[api_version, kind] for api_version, kind in lab.reset_kinds()]
    tasks.reset_workspace.delay(user.pk, lab.slug, kinds)


def kubeconfig_refresh(*, student_namespace: StudentNamespace) -> None:
    """Issue a fresh token for the student's kubeconfig in a worker."""
    tasks.refresh_kubeconfig.delay(student_namespace.pk)


def student_cluster_test_request(*, student_cluster: StudentCluster) -> None:
    """Test the connection to a student's own cluster in a worker of the untrusted queue.

    The page shows "testing" until the worker records what the cluster said:
    a slow or hostile server holds that worker (for a bounded time), never a
    web process, and never the workers that grade on the class's cluster.
    """
    with transaction.atomic():
        StudentCluster.objects.filter(pk=student_cluster.pk).update(
            test_requested_at=timezone.now()
        )
        tasks.test_student_cluster.apply_async_on_commit(
            (student_cluster.pk,), queue=settings.TUTOR_UNTRUSTED_QUEUE
        )
