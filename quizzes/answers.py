"""Turning a submitted form into an answer in its normal form, or refusing it.

Form fields per type: ``option`` (single: one value; multiple: one or more),
``answer`` (``true``/``false``), ``text`` (short answer, command), ``position-<item id>`` (ordering:
each item's place, 1..n), ``manifest``. Anything else that names an unknown
option or item, repeats a value or is missing is refused with a message a
person can act on: a normal form never sends such a thing, so it is either
a tampered request or a form the student did not finish.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from engine.manifests import manifest_text_problem

RawAnswer = dict[str, list[str]]
MAX_TEXT_CHARS = 300


class AnswerError(ValueError):
    """The submitted answer cannot be scored; the message says why."""


def _one(raw: RawAnswer, key: str, *, missing: str, repeated: str) -> str:
    """The one value sent under ``key``; ``missing`` and ``repeated`` say what went wrong."""
    values = raw.get(key, [])
    if len(values) != 1:
        raise AnswerError(repeated if values else missing)
    return values[0]


def parse_answer(question_type: str, data: dict[str, Any], raw: RawAnswer) -> dict[str, Any]:
    if question_type == "single":
        option = _one(
            raw, "option", missing=_("Choose option first."), repeated=_("Send exactly one option.")
        )
        if option not in {o["id"] for o in data["options"]}:
            raise AnswerError(_("That option is not part of this question."))
        return {"option": option}
    if question_type == "multiple":
        chosen = raw.get("option", [])
        if not chosen:
            raise AnswerError(_("Choose at least one option."))
        if len(set(chosen)) != len(chosen):
            raise AnswerError(_("An option was sent twice."))
        known = [o["id"] for o in data["options"]]
        if not set(chosen) <= set(known):
            raise AnswerError(_("That option is not part of this question."))
        # In the question's own order, so equal answers are stored equally.
        return {"options": [o for o in known if o in chosen]}
    if question_type == "true_false":
        value = _one(
            raw,
            "answer",
            missing=_("Choose true or false first."),
            repeated=_("Send exactly one true or false."),
        )
        if value not in ("true", "false"):
            raise AnswerError(_("Answer with true or false."))
        return {"answer": value == "true"}
    if question_type in ("short_answer", "command"):
        if question_type == "short_answer":
            missing, repeated = _("Choose answer first."), _("Send exactly one answer.")
        else:
            missing, repeated = _("Choose command first."), _("Send exactly one command.")
        text = _one(raw, "text", missing=missing, repeated=repeated)
        if not text.strip():
            raise AnswerError(_("Type an answer first."))
        if len(text) > MAX_TEXT_CHARS:
            raise AnswerError(
                _("An answer has at most {limit} characters.").format(limit=MAX_TEXT_CHARS)
            )
        if "\x00" in text:
            raise AnswerError(_("The answer contains a NUL character (\\0): remove it."))
        return {"text": text}
    if question_type == "ordering":
        return {"order": _parse_order(data["item_ids"], raw)}
    if question_type == "manifest":
        manifest = _one(
            raw,
            "manifest",
            missing=_("Choose manifest first."),
            repeated=_("Send exactly one manifest."),
        )
        # The exercises' limit: whatever is too large to check is too large to keep.
        problem = manifest_text_problem(manifest)
        if problem:
            raise AnswerError(problem)
        return {"manifest": manifest.replace("\r\n", "\n")}
    raise AnswerError(_("Unknown question type {kind!r}.").format(kind=question_type))


def _parse_order(item_ids: list[str], raw: RawAnswer) -> list[str]:
    sent = {k.removeprefix("position-") for k in raw if k.startswith("position-")}
    if sent - set(item_ids):
        raise AnswerError(_("That item is not part of this question."))
    places: dict[str, int] = {}
    for item in item_ids:
        value = _one(
            raw,
            f"position-{item}",
            missing=_("Choose position for every item first."),
            repeated=_("Send exactly one position for every item."),
        )
        try:
            places[item] = int(value)
        except ValueError:
            raise AnswerError(_("A position must be a number.")) from None
    if sorted(places.values()) != list(range(1, len(item_ids) + 1)):
        raise AnswerError(
            _("Give each item a different position from 1 to {count}.").format(count=len(item_ids))
        )
    return sorted(item_ids, key=places.__getitem__)
