from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.permissions import is_instructor


class Command(BaseCommand):
    help = (
        "Make accounts instructors (they can then create classes and author quizzes), "
        "or with --revoke take the right away. Exit 1 when a username is unknown."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="+", metavar="USERNAME")
        parser.add_argument("--revoke", action="store_true", help="take instructor rights away")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        rows: list[dict[str, Any]] = []
        failed = False
        for username in options["usernames"]:
            try:
                user = services.user_by_username(username)
                if options["revoke"]:
                    changed = services.instructor_revoke(user=user)
                else:
                    changed = services.instructor_grant(user=user)
            except services.AccountError as exc:
                failed = True
                rows.append({"username": username, "ok": False, "message": str(exc)})
                continue
            instructor = is_instructor(user)
            if options["revoke"] and instructor:
                message = f"{username} is still an instructor: staff and superusers always are."
            elif options["revoke"]:
                message = (
                    f"{username} is no longer an instructor."
                    if changed
                    else (f"{username} was not an instructor.")
                )
            else:
                message = (
                    f"{username} is now an instructor."
                    if changed
                    else (f"{username} was already an instructor.")
                )
            rows.append(
                {"username": username, "ok": True, "changed": changed,
                 "instructor": instructor, "message": message}
            )  # fmt: skip
        if options["format"] == "json":
            self.stdout.write(json.dumps({"ok": not failed, "accounts": rows}))
        else:
            for row in rows:
                (self.stdout if row["ok"] else self.stderr).write(row["message"])
        if failed:
            raise CommandError("some usernames are unknown", returncode=1)
