from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from classes.codes import MAX_INPUT
from labs.models import Lab

# A Kubernetes quantity as a quota takes it: 2, 500m, 1.5, 512Mi, 4Gi.
_QUANTITY = RegexValidator(
    r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$",
    "A Kubernetes quantity, like 2, 500m, 512Mi or 4Gi.",
)

EXPIRY_CHOICES = [
    ("", "Never"),
    ("1h", "In 1 hour"),
    ("1d", "In 1 day"),
    ("7d", "In 7 days"),
    ("30d", "In 30 days"),
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
        label="Join code",
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
        help_text="The code your instructor shows; upper or lower case, with or without the dash.",
    )


class CohortForm(forms.Form):
    name = forms.CharField(label="Name of the class", max_length=120)


class ExpiryForm(forms.Form):
    expires_in = forms.ChoiceField(label="The code expires", choices=EXPIRY_CHOICES, required=False)

    def expires_at(self) -> datetime | None:
        choice = self.cleaned_data.get("expires_in") or ""
        return timezone.now() + _EXPIRY[choice] if choice else None


class QuotaForm(forms.Form):
    pods = forms.IntegerField(
        label="Pods", required=False, min_value=1, max_value=500,
        help_text="Empty: the operator's default.",
    )  # fmt: skip
    cpu = forms.CharField(
        label="CPU", required=False, max_length=20, validators=[_QUANTITY],
        help_text="Requests and limits, e.g. 2 or 1500m. Empty: the default.",
    )  # fmt: skip
    memory = forms.CharField(
        label="Memory", required=False, max_length=20, validators=[_QUANTITY],
        help_text="Requests and limits, e.g. 2Gi. Empty: the default.",
    )  # fmt: skip


class InstructorForm(forms.Form):
    username = forms.CharField(label="Username of an instructor", max_length=150)


class LabRegradeForm(forms.Form):
    lab = forms.ModelChoiceField(
        label="Lab",
        queryset=Lab.objects.filter(is_published=True).order_by("chapter__number", "slug"),
    )
