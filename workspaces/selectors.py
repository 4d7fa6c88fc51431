"""Reads for workspace pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from workspaces.models import LabRun


def lab_run_latest(*, user: User | AnonymousUser, lab_uuid: Any) -> LabRun | None:
    """The student's latest start or reset of a lab."""
    if not user.is_authenticated:
        return None
    return LabRun.objects.filter(user=user, lab_uuid=lab_uuid).first()


def lab_run_get_own(*, user: User, lab_uuid: Any, pk: int) -> LabRun:
    """The user's own run; anyone else's is a 404."""
    run = LabRun.objects.filter(pk=pk, user=user, lab_uuid=lab_uuid).first()
    if run is None:
        raise Http404("No such run")
    return run
