"""The engine's words in the reader's language, without Django.

The engine marks its messages with `_()` and `ngettext()` (`from engine.i18n import _`); `makemessages` finds them and
their Spanish (or any) translation lives in the project's `locale/*/django.po` like every
other interface string. Which language, and how to translate, is the caller's business:
the project installs Django's `gettext`/`ngettext` at start-up (tutor/apps.py), so a
message follows the language active in the request or task that builds it. Until
something is installed (scripts, the engine's own tests) messages are English.

Translate when the message is built for a reader, never in a module-level constant or a
cached function: mark such text with `N_()` (tutor's makemessages looks for it) and
translate it where it is used.
"""

from __future__ import annotations

from collections.abc import Callable


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


_gettext: Callable[[str], str] = str
_ngettext: Callable[[str, str, int], str] = _english_plural


def install(gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]) -> None:
    """Translate the engine's messages with these functions from now on."""
    global _gettext, _ngettext
    _gettext, _ngettext = gettext, ngettext


def _(message: str) -> str:
    """`message` in the active language."""
    return _gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the active language."""
    return _ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark `message` for translation without translating it here (see the module's note)."""
    return message
