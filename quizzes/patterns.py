"""Regular expressions that accept short answers: run in linear time, checked when written.

A question's ``pattern`` runs on a student's answer. Python's ``re``
backtracks: ``(a+)+$`` takes seconds on a 27-character answer and twice as
long for each character more. Patterns run on RE2 instead (``google-re2``),
whose time grows linearly with the answer whatever the pattern. RE2 has no
backreferences or lookaround (the features that need backtracking); such a
pattern is refused when the question is written, and so is a nested
repetition such as ``(a+)+``: harmless here, but exponential in most other
engines, and always better written without the nesting (``a+``).
"""

from __future__ import annotations

import re._constants as sre_constants
import re._parser as sre_parse
from functools import lru_cache
from typing import Any

import re2
from django.utils.translation import gettext as _

_REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT}


def _options(case_sensitive: bool) -> re2.Options:
    options = re2.Options()
    options.case_sensitive = case_sensitive
    options.log_errors = False  # a refused pattern is reported to its author, not to stderr
    options.max_mem = 8 << 20  # the default, said out loud: RE2 gives up rather than grow
    return options


@lru_cache(maxsize=512)
def _compiled(pattern: str, case_sensitive: bool) -> Any:
    return re2.compile(pattern, _options(case_sensitive))


def pattern_fullmatch(pattern: str, text: str, *, case_sensitive: bool) -> bool:
    """Whether the whole text matches, in time linear in the text.

    A pattern RE2 cannot compile (one written before this check existed)
    matches nothing rather than failing the student's answer with an error.
    """
    try:
        compiled = _compiled(pattern, case_sensitive)
    except re2.error:
        return False
    return compiled.fullmatch(text) is not None


def pattern_problem(pattern: str) -> str | None:
    """Why a pattern cannot accept answers; None when it can."""
    try:
        _compiled(pattern, True)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        return _(
            "pattern is not a valid regular expression here ({reason}): patterns run on RE2, "
            "which has no backreferences (\\1) or lookaround ((?=...), (?<=...))"
        ).format(reason=reason)
    nested = _nested_repeat(pattern)
    if nested:
        return _(
            "pattern repeats a group that itself repeats ({nested}): most regex engines take "
            "exponential time on it; write the inner repetition once (a+ instead of (a+)+)"
        ).format(nested=nested)
    return None


def _nested_repeat(pattern: str) -> str | None:
    """The first repetition of something that can itself repeat without bound, shown briefly."""
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # RE2 syntax Python does not read: RE2 alone decides then
        return None
    return _walk(list(parsed), inside_repeat=False)


def _walk(items: list[tuple[Any, Any]], *, inside_repeat: bool) -> str | None:
    for op, value in items:
        if op in _REPEATS:
            _low, high, sub = value
            unbounded = high == sre_constants.MAXREPEAT or high > 1
            if inside_repeat and high == sre_constants.MAXREPEAT:
                return _describe(op, value)
            found = _walk(list(sub), inside_repeat=inside_repeat or unbounded)
            if found:
                return _describe(op, value) if not inside_repeat else found
        elif op == sre_constants.SUBPATTERN:
            found = _walk(list(value[-1]), inside_repeat=inside_repeat)
            if found:
                return found
        elif op == sre_constants.BRANCH:
            for alternative in value[1]:
                found = _walk(list(alternative), inside_repeat=inside_repeat)
                if found:
                    return found
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            found = _walk(list(value[1]), inside_repeat=inside_repeat)
            if found:
                return found
    return None


def _describe(op: Any, value: tuple[int, Any, Any]) -> str:
    low, high, _sub = value
    if high == sre_constants.MAXREPEAT:
        if low <= 1:
            return _("a group repeated with + or *")
        return _("a group repeated {{{low},}} times").format(low=low)
    return _("a group repeated up to {high} times").format(high=high)
