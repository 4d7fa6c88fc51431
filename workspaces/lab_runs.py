"""Lab starts and resets, the worker side: claim a run, do it, record what happened.

The request side (``workspaces.services``: ``lab_start``, ``workspace_reset``)
only creates a ``LabRun`` row and enqueues its id; a worker claims the row
with a conditional update, so a redelivered message never runs it twice, and
records what it deleted and created.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation

from kube import Cluster
from workspaces import lab_state
from workspaces.models import LabRun


def claim(run_id: int) -> LabRun | None:
    claimed = LabRun.objects.filter(pk=run_id, status=LabRun.Status.QUEUED).update(
        status=LabRun.Status.RUNNING, claimed_at=timezone.now(), tries=F("tries") + 1
    )
    return LabRun.objects.get(pk=run_id) if claimed else None


def release(run: LabRun) -> None:
    """Back to the queue: the cluster did not answer, a retry comes later."""
    LabRun.objects.filter(pk=run.pk, status=LabRun.Status.RUNNING).update(
        status=LabRun.Status.QUEUED, claimed_at=None
    )


def perform(cluster: Cluster, run: LabRun) -> lab_state.Outcome:
    """Start or reset the lab the run names, from what the run row holds."""
    lab = _Copy(
        slug=run.lab_slug, start_state=run.start_state, start_steps=run.start_steps,
        footprint=run.footprint,
    )  # fmt: skip
    if run.action == LabRun.Action.RESET:
        return lab_state.lab_reset(cluster, run.namespace, lab)
    return lab_state.lab_start(cluster, run.namespace, lab)


def finish(run: LabRun, outcome: lab_state.Outcome) -> None:
    LabRun.objects.filter(pk=run.pk).update(
        status=LabRun.Status.DONE,
        deleted=outcome.deleted,
        created=outcome.created,
        error="",
        finished_at=timezone.now(),
    )


def fail(run: LabRun, message: str) -> None:
    LabRun.objects.filter(pk=run.pk).update(
        status=LabRun.Status.ERROR, error=message, finished_at=timezone.now()
    )


# The task's hard time limit (workspaces.tasks.run_lab): a run still running after it has
# lost its worker.
RUN_HARD_SECONDS = 180


def stuck_runs() -> list[int]:
    """Queued without a worker for a while, or running longer than a worker may live."""
    now = timezone.now()
    running_before = now - timedelta(seconds=RUN_HARD_SECONDS + 5)
    lost = list(
        LabRun.objects.filter(
            status=LabRun.Status.RUNNING, claimed_at__lt=running_before
        ).values_list("pk", flat=True)
    )
    LabRun.objects.filter(pk__in=lost, status=LabRun.Status.RUNNING).update(
        status=LabRun.Status.QUEUED, claimed_at=None
    )
    queued_before = now - timedelta(seconds=settings.LAB_QUEUED_STALE_SECONDS)
    waiting = list(
        LabRun.objects.filter(
            status=LabRun.Status.QUEUED, created_at__lt=queued_before
        ).values_list("pk", flat=True)
    )
    return sorted(set(lost) | set(waiting))


def started(*, user_id: int, lab_uuid: Any, namespace: str) -> bool:
    """The lab's start state was created in this namespace for this student at least once."""
    return LabRun.objects.filter(
        user_id=user_id, lab_uuid=lab_uuid, namespace=namespace, status=LabRun.Status.DONE
    ).exists()


def ensure_started(
    cluster: Cluster, *, user_id: int, namespace: str, on_student_cluster: bool, lab: Any
) -> LabRun | None:
    """Start a lab that never was, before its first check (worker side); None when nothing to do.

    ``lab`` is a ``labs.models.Lab`` (uuid, slug, start_state, footprint).
    """
    if not lab.start_state or started(user_id=user_id, lab_uuid=lab.uuid, namespace=namespace):
        return None
    run = LabRun.objects.create(
        user_id=user_id, lab_uuid=lab.uuid, lab_slug=lab.slug, namespace=namespace,
        on_student_cluster=on_student_cluster, action=LabRun.Action.START,
        status=LabRun.Status.RUNNING, start_state=lab.start_state, start_steps=lab.start_steps,
        footprint=lab.footprint, language=translation.get_language() or "",
        claimed_at=timezone.now(), tries=1,
    )  # fmt: skip
    finish(run, lab_state.lab_start(cluster, namespace, lab))
    run.refresh_from_db()
    return run


class _Copy:
    """The lab as the run row recorded it (the lab file may have changed since)."""

    def __init__(
        self, *, slug: str, start_state: str, start_steps: list[dict[str, Any]],
        footprint: list[dict[str, Any]],
    ) -> None:  # fmt: skip
        self.slug = slug
        self.start_state = start_state
        self.start_steps = start_steps
        self.footprint = footprint
