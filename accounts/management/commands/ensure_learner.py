from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Create the local learner account on first run (laptop mode) and print how to log in. "
        "The password is kept in DATA_DIR/learner-password (owner-only permissions)."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="learner")
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        password_file = Path(settings.DATA_DIR) / f"{username}-password"
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user_model.objects.create_user(username=username, password=password)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
            self.stdout.write(f"Created the local account '{username}'.")
        if password_file.exists():
            password = password_file.read_text().strip()
            self.stdout.write(
                f"Log in at {options['url']}/accounts/login/ as '{username}' "
                f"with password '{password}' (kept in {password_file})."
            )
        else:
            self.stdout.write(
                f"The account '{username}' already exists; its password is not on file. "
                f"Reset it with: python manage.py changepassword {username}"
            )
