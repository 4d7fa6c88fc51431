"""Django's makemessages, also finding the engine's `N_()` marks (engine/i18n.py).

`N_("...")` marks text kept in a module constant and translated where it is shown;
xgettext knows `_()` and `ngettext()` by itself, but not `N_`.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
