"""The terminal's session log, for the operator (read-only: it is a record)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from workspaces.models import TerminalKeystrokes, TerminalSession, TerminalWatch


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TerminalSession)
class TerminalSessionAdmin(ReadOnly):
    list_display = [
        "user", "backend", "namespace", "started_at", "ended_at", "duration_seconds",
        "end_reason", "bytes_in", "bytes_out", "recorded",
    ]  # fmt: skip
    list_filter = ["backend", "recorded", "ended_at"]
    search_fields = ["user__username", "namespace"]
    date_hierarchy = "started_at"


@admin.register(TerminalWatch)
class TerminalWatchAdmin(ReadOnly):
    list_display = ["watcher", "session", "started_at", "ended_at"]
    search_fields = ["watcher__username", "session__user__username"]


@admin.register(TerminalKeystrokes)
class TerminalKeystrokesAdmin(ReadOnly):
    list_display = ["session", "at", "data"]
    search_fields = ["session__user__username"]
