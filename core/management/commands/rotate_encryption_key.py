from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from core import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret under the newest key (the first of "
        "TUTOR_ENCRYPTION_KEYS). Put the new key first, run this, then drop the old key. "
        "Safe to run again: values already under the newest key are left alone."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = current = 0
        unreadable: list[str] = []
        for model in apps.get_models():
            for field in getattr(model, "encrypted_fields", ()):
                rows = model._default_manager.exclude(**{field: ""}).values_list("pk", field)
                for pk, value in rows.iterator():
                    if crypto.is_current(value):
                        current += 1
                        continue
                    try:
                        new_value = crypto.rotate(value)
                    except crypto.DecryptionError:
                        unreadable.append(f"{model._meta.label}.{field} pk={pk}")
                        continue
                    # Compare-and-set: a value rewritten meanwhile (a fresh token)
                    # is already under the newest key.
                    model._default_manager.filter(pk=pk, **{field: value}).update(
                        **{field: new_value}
                    )
                    rotated += 1
        self.stdout.write(f"re-encrypted {rotated}, already under the newest key {current}")
        if unreadable:
            raise CommandError(
                "no configured key opens these (was a key removed too early?): "
                + ", ".join(unreadable)
            )
