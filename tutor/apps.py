from pathlib import Path
from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext, ngettext

import engine.i18n
from tutor.env import private_file


class TutorConfig(AppConfig):
    name = "tutor"
    verbose_name = "LFS158 Tutor"

    def ready(self) -> None:
        from tutor import checks, page_cache  # noqa: F401  (registers the content system check)

        page_cache.connect_signals()
        engine.i18n.install(gettext, ngettext)  # the engine's messages in the reader's language
        connection_created.connect(_private_sqlite_file, dispatch_uid="tutor-private-sqlite")


def _private_sqlite_file(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The SQLite file SQLite just created (with the umask's mode) becomes owner-only."""
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict.get("NAME") or "")
        if name and not name.startswith(":memory:") and "mode=memory" not in name:
            private_file(Path(name))
