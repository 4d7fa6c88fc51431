from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lessons.models import Chapter
from quizzes.models import Quiz

MAX_IMPORT_BYTES = 512 * 1024


class QuizForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Quiz
        fields = ["chapter", "title", "pass_mark", "questions_per_attempt", "layout"]
        # The model's verbose names, in the reader's language.
        labels = {
            "chapter": _("Chapter"),
            "title": _("Title"),
            "pass_mark": _("Pass mark"),
            "questions_per_attempt": _("Questions per attempt"),
            "layout": _("Layout"),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["chapter"].queryset = Chapter.objects.order_by("number")  # type: ignore[attr-defined]
        self.fields["pass_mark"].widget.attrs.update({"min": 1, "max": 100})
        self.fields["questions_per_attempt"].widget.attrs.update({"min": 1, "max": 100})

    def clean_pass_mark(self) -> int:
        value = int(self.cleaned_data["pass_mark"])
        if not 1 <= value <= 100:
            raise forms.ValidationError(_("A pass mark is a percentage from 1 to 100."))
        return value

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        per_attempt = cleaned.get("questions_per_attempt")
        if self.instance.pk and per_attempt:
            available = self.instance.questions.published().count()
            if available and int(per_attempt) > available:  # type: ignore[call-overload]
                message = ngettext(
                    "The quiz has only {count} published question.",
                    "The quiz has only {count} published questions.",
                    available,
                ).format(count=available)
                self.add_error("questions_per_attempt", message)
        return cleaned


class ImportForm(forms.Form):
    chapter = forms.ModelChoiceField(
        label=_("Chapter"), queryset=Chapter.objects.order_by("number")
    )
    file = forms.FileField(label=_("File"), required=False, help_text=_("A quiz.yaml file"))
    # Not stripped: the last block scalar of a bank keeps its final newline.
    text = forms.CharField(
        label=_("Text"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        help_text=_("…or paste the bank here."),
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        text = cleaned.get("text") or ""
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:  # type: ignore[attr-defined]
                raise forms.ValidationError(_("The file is larger than 512 KiB."))
            cleaned["raw"] = upload.read()  # type: ignore[attr-defined]
        elif str(text).strip():
            cleaned["raw"] = str(text).encode()
        else:
            raise forms.ValidationError(_("Choose a file or paste a bank."))
        return cleaned


class QuestionForm(forms.Form):
    source = forms.CharField(
        label=_("The question, in the quiz.yaml format"),
        widget=forms.Textarea(
            attrs={"rows": 28, "spellcheck": "false", "autocapitalize": "off", "wrap": "off"}
        ),
        max_length=64 * 1024,
        strip=False,
    )
