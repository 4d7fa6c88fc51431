"""Join codes: short, read aloud in a classroom, typed on a phone.

Eight characters from an alphabet without look-alikes (no 0/O, 1/I/L, no
vowels that could spell words), chosen with ``secrets``: 30^8, about 6.6e11
codes, so guessing one is hopeless at the rate the join form allows.
Students may type them in any case, with or without the dash or spaces.
"""

from __future__ import annotations

import re
import secrets

from django.utils.translation import gettext as _

ALPHABET = "BCDFGHJKMNPQRSTVWXYZ23456789"
LENGTH = 8
# Longer than any code typed with generous spacing: longer input is not a code.
MAX_INPUT = 32

_SEPARATORS = re.compile(r"[\s\-_.]+")


class CodeFormatError(ValueError):
    """The text cannot be a join code; the message says why, for the student."""


def new_join_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_join_code(text: str) -> str:
    """The code as stored, from what a student typed; CodeFormatError when it cannot be one."""
    if len(text) > MAX_INPUT:
        raise CodeFormatError(
            _(
                "That is too long for a join code: a code has {length} letters and digits, "
                "like BCDF-2345."
            ).format(length=LENGTH)
        )
    code = _SEPARATORS.sub("", text).upper()
    if not code:
        raise CodeFormatError(_("Enter the join code your instructor gave you."))
    if len(code) != LENGTH:
        raise CodeFormatError(
            _(
                "A join code has {length} letters and digits, like BCDF-2345; this has {count}."
            ).format(length=LENGTH, count=len(code))
        )
    if not code.isascii() or not code.isalnum():
        raise CodeFormatError(
            _("A join code has only letters and digits (a dash in the middle is fine).")
        )
    return code
