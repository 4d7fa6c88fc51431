"""Forms for the common question types, as an alternative to writing the YAML.

Single choice, multiple choice, true or false and short answer are most of
a bank. The form is turned into the same mapping a ``quiz.yaml`` holds and
saved through the same check (``services.question_save``), so a question
made with the form and one written as YAML are the same thing; ordering and
manifest questions are written as YAML.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from quizzes.models import Difficulty

FORM_TYPES = ("single", "multiple", "true_false", "short_answer")
OPTION_ROWS = 8  # the schema's maximum
TYPE_LABELS = {
    "single": _("Single choice"),
    "multiple": _("Multiple choice"),
    "true_false": _("True or false"),
    "short_answer": _("Short answer"),
}

_TEXTAREA = {"rows": 3, "spellcheck": "true"}


class QuestionFields(forms.Form):
    """What every question has; ``kind`` decides which of the rest are asked."""

    prompt = forms.CharField(
        label=_("Question (Markdown)"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000
    )
    difficulty = forms.ChoiceField(
        label=_("Difficulty"), choices=Difficulty.choices, initial="medium"
    )
    section = forms.ChoiceField(
        label=_("Section of the chapter it tests"), required=False,
        help_text=_("Students who get it wrong are sent to this section."),
    )  # fmt: skip
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=100, initial=1)
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=300,
        help_text=_("Lowercase words with dashes, separated by commas (e.g. pods, labels)."),
    )  # fmt: skip
    explanation = forms.CharField(
        label=_("Explanation (shown after answering, whatever was chosen)"),
        widget=forms.Textarea(attrs={"rows": 4}), max_length=20000,
    )  # fmt: skip
    # multiple choice
    scoring = forms.ChoiceField(
        label=_("Scoring"),
        required=False,
        choices=[("partial", _("Partial credit")), ("all_or_nothing", _("All or nothing"))],
        initial="partial",
    )
    # true or false
    answer = forms.ChoiceField(
        label=_("The statement is"),
        required=False,
        choices=[("true", _("True")), ("false", _("False"))],
    )
    explanation_true = forms.CharField(
        label=_("Feedback for “true” (optional)"), required=False,
        widget=forms.Textarea(attrs=_TEXTAREA), max_length=20000,
    )  # fmt: skip
    explanation_false = forms.CharField(
        label=_("Feedback for “false” (optional)"), required=False,
        widget=forms.Textarea(attrs=_TEXTAREA), max_length=20000,
    )  # fmt: skip
    # short answer
    accept = forms.CharField(
        label=_("Accepted answers, one a line"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )  # fmt: skip
    case_sensitive = forms.BooleanField(label=_("Upper and lower case must match"), required=False)
    pattern = forms.CharField(
        label=_("Or a regular expression the answer must match (optional)"), required=False,
        max_length=500,
    )  # fmt: skip

    def __init__(self, *args: Any, kind: str, anchors: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["section"].choices = [("", _("— none —")), *anchors]  # type: ignore[attr-defined]
        for index in range(OPTION_ROWS):
            self.fields[f"option-{index}-text"] = forms.CharField(
                label=gettext("Option {number}").format(number=index + 1),
                required=False,
                max_length=1000,
            )
            self.fields[f"option-{index}-correct"] = forms.BooleanField(
                label=pgettext("an option of a question", "Correct"), required=False
            )
            self.fields[f"option-{index}-explanation"] = forms.CharField(
                label=gettext("Why option {number} is right or wrong").format(number=index + 1), required=False,
                widget=forms.Textarea(attrs={"rows": 2}), max_length=20000,
            )  # fmt: skip

    def option_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"option-{i}-text"], self[f"option-{i}-correct"], self[f"option-{i}-explanation"])
            for i in range(OPTION_ROWS)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.kind in ("single", "multiple"):
            rows = [
                i for i in range(OPTION_ROWS) if (cleaned.get(f"option-{i}-text") or "").strip()
            ]
            if len(rows) < 2:
                raise forms.ValidationError(_("Give at least two options."))
            for i in rows:
                if not (cleaned.get(f"option-{i}-explanation") or "").strip():
                    self.add_error(
                        f"option-{i}-explanation",
                        _(
                            "Say why this option is right or wrong: "
                            "students read it after answering."
                        ),
                    )
        if self.kind == "true_false" and not cleaned.get("answer"):
            self.add_error("answer", _("Say whether the statement is true or false."))
        if self.kind == "short_answer" and not (cleaned.get("accept") or "").strip():
            self.add_error("accept", _("Give at least one accepted answer."))
        return cleaned

    def question_data(self, *, question_uuid: str) -> dict[str, Any]:
        """The question as ``quiz.yaml`` holds it, from the cleaned form."""
        c = self.cleaned_data
        data: dict[str, Any] = {"uuid": question_uuid, "type": self.kind,
                                "difficulty": c["difficulty"]}  # fmt: skip
        tags = [t.strip() for t in (c.get("tags") or "").split(",") if t.strip()]
        if tags:
            data["tags"] = tags
        if c.get("section"):
            data["section"] = c["section"]
        if c.get("points") and c["points"] != 1:
            data["points"] = c["points"]
        if self.kind == "multiple":
            data["scoring"] = c.get("scoring") or "partial"
        data["prompt"] = c["prompt"]
        if self.kind in ("single", "multiple"):
            options = []
            for i in range(OPTION_ROWS):
                text = (c.get(f"option-{i}-text") or "").strip()
                if not text:
                    continue
                option: dict[str, Any] = {"text": text}
                if c.get(f"option-{i}-correct"):
                    option["correct"] = True
                option["explanation"] = c.get(f"option-{i}-explanation") or ""
                options.append(option)
            data["options"] = options
        if self.kind == "true_false":
            data["answer"] = c["answer"] == "true"
            for key in ("explanation_true", "explanation_false"):
                if (c.get(key) or "").strip():
                    data[key] = c[key]
        if self.kind == "short_answer":
            data["accept"] = [a.strip() for a in c["accept"].splitlines() if a.strip()]
            if c.get("case_sensitive"):
                data["case_sensitive"] = True
            if (c.get("pattern") or "").strip():
                data["pattern"] = c["pattern"].strip()
        data["explanation"] = c["explanation"]
        return data


def initial_from(data: dict[str, Any]) -> dict[str, Any]:
    """Form values from a stored question's data (the mapping of its YAML)."""
    initial: dict[str, Any] = {
        "prompt": data.get("prompt", ""),
        "difficulty": data.get("difficulty", "medium"),
        "section": data.get("section", ""),
        "points": data.get("points", 1),
        "tags": ", ".join(data.get("tags", [])),
        "explanation": data.get("explanation", ""),
        "scoring": data.get("scoring", "partial"),
        "answer": "" if "answer" not in data else ("true" if data["answer"] else "false"),
        "explanation_true": data.get("explanation_true", ""),
        "explanation_false": data.get("explanation_false", ""),
        "accept": "\n".join(data.get("accept", [])),
        "case_sensitive": data.get("case_sensitive", False),
        "pattern": data.get("pattern", ""),
    }
    for index, option in enumerate(data.get("options", [])[:OPTION_ROWS]):
        initial[f"option-{index}-text"] = option.get("text", "")
        initial[f"option-{index}-correct"] = bool(option.get("correct"))
        initial[f"option-{index}-explanation"] = option.get("explanation", "")
    return initial
