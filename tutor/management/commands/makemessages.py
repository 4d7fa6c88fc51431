"""`makemessages` that also finds the engine's `N_()` marks (engine/i18n.py).

The engine marks text it translates later (module-level tables) with `N_()`;
xgettext knows `_` and `ngettext` already, but not `N_`.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
