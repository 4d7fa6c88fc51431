"""What the terminal says to a browser, in that browser's language.

A terminal session lives in one server process and speaks to several browsers at
once (a student's tabs, an instructor watching), each perhaps in its own language.
So a sentence travels in English together with what it takes to say it again: a
``Sentence`` is an English template with named placeholders (and a plural). Each
browser's consumer says it in its own language (``say``), the language its page
was read in (``language_of``: the switcher's cookie, else Accept-Language).

A plain string is looked up as it is: a sentence with no placeholders is marked
with ``gettext_noop`` where it is written and needs nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.utils import translation
from django.utils.translation import gettext, ngettext


@dataclass(frozen=True)
class Sentence:
    """``Sentence("Stopped after {minutes} minute without typing.", "… minutes …", n, minutes=n)``;
    ``str()`` is the English (logs, exceptions, the tests that read it)."""

    singular: str
    plural: str = ""
    n: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        template = self.plural if self.plural and self.n != 1 else self.singular
        return template.format(**self.params)

    def translated(self) -> str:
        """In the active language."""
        if self.plural:
            return ngettext(self.singular, self.plural, self.n).format(**self.params)
        return gettext(self.singular).format(**self.params)

    def words(self) -> list[Any]:
        """What travels beside the English (JSON- and msgpack-safe)."""
        return [self.singular, self.plural, self.n, dict(self.params)]


def sentence(singular: str, plural: str = "", n: int = 0, **params: Any) -> Sentence:
    return Sentence(singular, plural, n, params)


def payload(text: str | Sentence) -> dict[str, Any]:
    """The fields of an event that carries ``text``: ``message``, and ``words`` for a Sentence."""
    if isinstance(text, Sentence):
        return {"message": str(text), "words": text.words()}
    return {"message": text}


def say(message: str, words: Any, language: str) -> str:
    """``message`` (English) in ``language``: from its ``words`` when it has them."""
    with translation.override(language):
        if isinstance(words, list | tuple) and len(words) == 4:
            singular, plural, n, params = words
            try:
                return Sentence(
                    str(singular), str(plural or ""), int(n or 0), dict(params)
                ).translated()
            except (KeyError, IndexError, ValueError, TypeError):
                return message  # a translation that names a placeholder the sentence lacks
        return gettext(message) if message else message


def language_of(scope: dict[str, Any]) -> str:
    """The language of the page that opened this WebSocket: the switcher's cookie, else the
    browser's Accept-Language, else the site's default (as LocaleMiddleware decides)."""
    accept = ""
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            accept = value.decode("latin1")[:500]
    request = SimpleNamespace(
        COOKIES=scope.get("cookies") or {}, META={"HTTP_ACCEPT_LANGUAGE": accept}
    )
    return translation.get_language_from_request(request)  # type: ignore[arg-type]
