"""What a page needs to show the browser terminal (and whether it may)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.login_throttle import client_ip
from workspaces import tutor_cluster
from workspaces.resolve import Where, workspace_now
from workspaces.terminal.backends import is_loopback

URL = "/ws/terminal/"


def terminal_context(request: HttpRequest, *, lazy: bool = False) -> dict[str, Any]:
    """``{"terminal": {...}}`` for workspaces/_terminal.html; never touches a cluster."""
    info: dict[str, Any] = {
        "enabled": False,
        "problem": "",
        "lazy": lazy,
        "watch": False,
        "url": URL,
        "record": settings.TUTOR_TERMINAL_RECORD,
        "idle_minutes": max(1, round(settings.TUTOR_TERMINAL_IDLE_SECONDS / 60)),
        "namespace": "",
    }
    if not settings.TUTOR_TERMINAL or not request.user.is_authenticated:
        return {"terminal": info}
    # During an exam, its namespace (workspaces.resolve.workspace_now).
    workspace = workspace_now(request.user)
    if workspace is not None and workspace.where == Where.OWN:
        info["problem"] = _(
            "Your labs are checked on your own cluster: use kubectl in a terminal on your "
            "machine (the browser terminal works in the classroom's cluster)."
        )
    elif not tutor_cluster.classroom_mode() and not is_loopback(client_ip(request)):
        info["problem"] = _(
            "In local mode the terminal is a shell on the tutor's own machine: it opens only "
            "in a browser on that machine."
        )
    else:
        info["enabled"] = True
        info["namespace"] = workspace.namespace if workspace else ""
    return {"terminal": info}


def watch_context(*, url: str, student_name: str) -> dict[str, Any]:
    return {
        "terminal": {
            "enabled": True,
            "problem": "",
            "lazy": False,
            "watch": True,
            "url": url,
            "record": False,
            "idle_minutes": max(1, round(settings.TUTOR_TERMINAL_IDLE_SECONDS / 60)),
            "namespace": "",
            "student": student_name,
        }
    }
