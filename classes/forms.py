from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.codes import MAX_INPUT
from classes.models import WorkPolicy
from exams.models import Exam
from labs.models import Lab

# A Kubernetes quantity as a quota takes it: 2, 500m, 1.5, 512Mi, 4Gi.
_QUANTITY = RegexValidator(
    r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$",
    _("A Kubernetes quantity, like 2, 500m, 512Mi or 4Gi."),
)

EXPIRY_CHOICES = [
    ("", _("Never")),
    ("1h", _("In 1 hour")),
    ("1d", _("In 1 day")),
    ("7d", _("In 7 days")),
    ("30d", _("In 30 days")),
]
_EXPIRY = {
    "1h": timedelta(hours=1),
    "1d": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
}


class JoinForm(forms.Form):
    # No max_length here: the service gives the clear message for an oversize code.
    code = forms.CharField(
        label=_("Join code"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "BCDF-2345",
                "maxlength": MAX_INPUT,
            }
        ),
        help_text=_(
            "The code your instructor shows; upper or lower case, with or without the dash."
        ),
    )


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Name of the class"), max_length=120)


class ExpiryForm(forms.Form):
    expires_in = forms.ChoiceField(
        label=_("The code expires"), choices=EXPIRY_CHOICES, required=False
    )

    def expires_at(self) -> datetime | None:
        choice = self.cleaned_data.get("expires_in") or ""
        return timezone.now() + _EXPIRY[choice] if choice else None


class QuotaForm(forms.Form):
    pods = forms.IntegerField(
        label=_("Pods"), required=False, min_value=1, max_value=500,
        help_text=_("Empty: the operator's default."),
    )  # fmt: skip
    cpu = forms.CharField(
        label=_("CPU"), required=False, max_length=20, validators=[_QUANTITY],
        help_text=_("Requests and limits, e.g. 2 or 1500m. Empty: the default."),
    )  # fmt: skip
    memory = forms.CharField(
        label=_("Memory"), required=False, max_length=20, validators=[_QUANTITY],
        help_text=_("Requests and limits, e.g. 2Gi. Empty: the default."),
    )  # fmt: skip


class InstructorForm(forms.Form):
    username = forms.CharField(label=_("Username of an instructor"), max_length=150)


class LabRegradeForm(forms.Form):
    lab = forms.ModelChoiceField(
        label=_("Lab"),
        queryset=Lab.objects.filter(is_published=True).order_by("chapter__number", "slug"),
    )


class PolicyForm(forms.Form):
    """A class's rules for one quiz or lab (exams get theirs with their schedule)."""

    item = forms.ChoiceField(label=_("Quiz or lab"))
    due_at = forms.DateTimeField(
        label=_("Due"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone. Empty: no due date."),
    )  # fmt: skip
    late = forms.ChoiceField(label=_("Late work"), choices=WorkPolicy.Late.choices)
    penalty_percent = forms.IntegerField(
        label=_("Penalty for late work (%)"), min_value=0, max_value=100, initial=0, required=False
    )
    max_attempts = forms.IntegerField(
        label=_("Attempts allowed"), min_value=1, max_value=100, required=False,
        help_text=_("Quiz attempts, or lab checks. Empty: no limit."),
    )  # fmt: skip
    feedback_before_due = forms.ChoiceField(
        label=_("Feedback before the due date"), choices=WorkPolicy.Feedback.choices,
        initial=WorkPolicy.Feedback.SOLUTIONS,
    )  # fmt: skip
    feedback_after_due = forms.ChoiceField(
        label=_("Feedback after the due date"), choices=WorkPolicy.Feedback.choices,
        initial=WorkPolicy.Feedback.SOLUTIONS,
    )  # fmt: skip

    def __init__(self, *args: Any, items: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = items  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("late") == WorkPolicy.Late.PENALTY and not cleaned.get("penalty_percent"):
            self.add_error("penalty_percent", _("Give the penalty, from 1 to 100%."))
        if cleaned.get("late") != WorkPolicy.Late.ACCEPT and not cleaned.get("due_at"):
            self.add_error("due_at", _("Late work needs a due date to be late against."))
        return cleaned


class ExamScheduleForm(forms.Form):
    exam = forms.ModelChoiceField(label=_("Exam"), queryset=Exam.objects.filter(is_published=True))
    opens_at = forms.DateTimeField(
        label=_("Opens"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In your time zone. Empty: open now."),
    )  # fmt: skip
    closes_at = forms.DateTimeField(
        label=_("Closes"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("No attempt starts after this. Empty: never closes."),
    )  # fmt: skip
    duration_minutes = forms.IntegerField(
        label=_("Minutes"), required=False, min_value=5, max_value=480,
        help_text=_("Empty: the exam's own duration."),
    )  # fmt: skip
    max_attempts = forms.IntegerField(
        label=_("Attempts allowed"), required=False, min_value=1, max_value=20,
        help_text=_("Empty: no limit."),
    )  # fmt: skip
    show_solutions = forms.BooleanField(
        label=_("Show hints and solutions in the review"), required=False
    )


class ExtensionForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    extra_minutes = forms.IntegerField(label=_("Extra minutes"), min_value=0, max_value=480)
