"""Live checks, the request side: an open lab page starts them and polls them.

The page never waits on the cluster: starting makes (or keeps) the
student's ``LiveCheck`` row and sends its run to a live worker
(``labs.live_runs``); each poll reads the row and tells the run the page is
still there. One run per student and lab, and at most
``LAB_LIVE_PER_STUDENT`` per student: a new one pauses the oldest.
Live results are not submissions: nothing here is graded or kept.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from labs.models import Lab, LiveCheck, LiveStatus, LiveStop
from labs.tasks import watch_lab
from workspaces.resolve import Workspace

# A poll writes seen_at at most this often; a run gives up on a silent page after
# LAB_LIVE_IDLE_SECONDS, well above it.
SEEN_WRITE_SECONDS = 4
# A run whose worker has not been heard of for this long has lost it (it beats every 3 s).
LOST_SECONDS = 30


def live_start(*, user: User, lab: Lab, workspace: Workspace) -> LiveCheck:
    """Start the student's live checks on this lab, or keep the run already going."""
    now = timezone.now()
    with transaction.atomic():
        # The student's own row serializes their tabs (as lab_submission_create does).
        User.objects.select_for_update().only("pk").get(pk=user.pk)
        live = LiveCheck.objects.filter(user=user, lab=lab).first()
        same_place = live is not None and (
            live.namespace == workspace.namespace
            and live.on_student_cluster == workspace.on_student_cluster
        )
        if live is not None and same_place and is_running(live, now):
            LiveCheck.objects.filter(pk=live.pk).update(seen_at=now)
            return live
        run_id = uuid.uuid4()
        fields = {
            "namespace": workspace.namespace,
            "on_student_cluster": workspace.on_student_cluster,
            "run_id": run_id,
            "status": LiveStatus.QUEUED,
            "mode": "",
            "worker": "",
            "started_at": now,
            "seen_at": now,
            "beat_at": None,
            "deadline": now + timedelta(seconds=settings.LAB_LIVE_SECONDS),
            "stop_reason": "",
            "problem_detail": "",
            "language": translation.get_language() or "",
        }
        if live is None:
            live = LiveCheck.objects.create(user=user, lab=lab, **fields)
        else:
            for name, value in fields.items():
                setattr(live, name, value)
            if not same_place:
                live.results, live.checked_at = [], None
            live.revision += 1
            live.save()
        _pause_others(user=user, keeping=live)
        live_id, run = live.pk, str(run_id)
        transaction.on_commit(
            lambda: watch_lab.apply_async((live_id, run), expires=settings.LAB_LIVE_QUEUE_SECONDS)
        )
    return live


def live_seen(*, live: LiveCheck) -> LiveCheck:
    """The page asked: keep the run going, and mark one that lost its worker as stopped."""
    now = timezone.now()
    if live.is_active and not is_running(live, now):
        if live.status == LiveStatus.QUEUED:
            reason = LiveStop.BUSY
        else:
            reason = LiveStop.TIME if now >= live.deadline else LiveStop.LOST
        LiveCheck.objects.filter(pk=live.pk, run_id=live.run_id, status=live.status).update(
            status=LiveStatus.STOPPED, stop_reason=reason, revision=F("revision") + 1
        )
        live.refresh_from_db()
    elif live.is_active and now - live.seen_at > timedelta(seconds=SEEN_WRITE_SECONDS):
        LiveCheck.objects.filter(pk=live.pk).update(seen_at=now)
    return live


def is_running(live: LiveCheck, now: datetime | None = None) -> bool:
    """Queued not too long ago, or watching with a worker heard of lately and time left."""
    moment = now or timezone.now()
    if live.status == LiveStatus.QUEUED:
        return moment - live.started_at < timedelta(seconds=settings.LAB_LIVE_QUEUE_SECONDS)
    if live.status == LiveStatus.WATCHING:
        heard = live.beat_at or live.started_at
        return moment - heard < timedelta(seconds=LOST_SECONDS) and moment < live.deadline
    return False


def _pause_others(*, user: User, keeping: LiveCheck) -> None:
    others = list(
        LiveCheck.objects.filter(user=user, status__in=[LiveStatus.QUEUED, LiveStatus.WATCHING])
        .exclude(pk=keeping.pk)
        .order_by("-seen_at")
        .values_list("pk", flat=True)
    )
    extra = others[max(settings.LAB_LIVE_PER_STUDENT - 1, 0) :]
    if extra:
        LiveCheck.objects.filter(
            pk__in=extra, status__in=[LiveStatus.QUEUED, LiveStatus.WATCHING]
        ).update(
            status=LiveStatus.STOPPED, stop_reason=LiveStop.OTHER_LAB, revision=F("revision") + 1
        )
