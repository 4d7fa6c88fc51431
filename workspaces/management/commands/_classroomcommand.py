"""What provision_namespaces and cleanup_namespaces share: choosing the students."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import CommandError, CommandParser

from workspaces.tutor_cluster import classroom_mode


def add_user_arguments(parser: CommandParser, *, all_help: str) -> None:
    chosen = parser.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--users", nargs="+", metavar="USERNAME", help="these students")
    chosen.add_argument("--all", action="store_true", help=all_help)


def require_classroom_mode() -> None:
    if not classroom_mode():
        raise CommandError("TUTOR_MODE is not classroom: local mode has no student namespaces")


def named_users(options: dict[str, Any]) -> list[User]:
    """The users named by --users, in that order; unknown names stop the command."""
    names: list[str] = options["users"]
    found = {u.username: u for u in User.objects.filter(username__in=names)}
    unknown = [name for name in names if name not in found]
    if unknown:
        raise CommandError(f"no such user: {', '.join(unknown)}")
    return [found[name] for name in names]
