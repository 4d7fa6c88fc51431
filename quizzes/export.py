"""Writing a quiz back out in the ``quiz.yaml`` format.

The output reads back through the same loader to the same data, and writing
that again gives the same text: an instructor can export what they built in
the browser, save it as the chapter's ``quiz.yaml`` and commit it.
"""

from __future__ import annotations

from typing import Any

import yaml
from django.utils.translation import gettext, gettext_noop

from quizzes.content import canonical_question, quiz_export_settings
from quizzes.models import Question, Quiz


class _FlowList(list[Any]):
    """A short list written on one line, as authors write tags: ``[a, b]``."""


class _Dumper(yaml.SafeDumper):
    # Indent list items under their key, as the course's files do.
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _flow(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_FlowList, _flow)


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


def question_mapping(question: Question) -> dict[str, Any]:
    data = canonical_question(question.data)
    for key in ("tags", "objectives"):
        if key in data:
            data[key] = _FlowList(data[key])
    return data


def export_question(question: Question) -> str:
    return dump_yaml(question_mapping(question))


def export_quiz(quiz: Quiz) -> str:
    """The quiz with its published questions, in bank order."""
    data = quiz_export_settings(quiz)
    questions = quiz.questions.published().order_by("position", "id")
    data["questions"] = [question_mapping(q) for q in questions]
    return dump_yaml(data)


# The placeholder words (marked with gettext_noop) are put in the reader's language when a question starts.
_STARTERS: dict[str, dict[str, Any]] = {
    "single": {
        "options": [
            {
                "text": gettext_noop("The right answer"),
                "correct": True,
                "explanation": gettext_noop("Why it is right."),
            },
            {
                "text": gettext_noop("A real misconception"),
                "explanation": gettext_noop("Why it is wrong."),
            },
        ]
    },
    "multiple": {
        "scoring": "partial",
        "options": [
            {
                "text": gettext_noop("A right answer"),
                "correct": True,
                "explanation": gettext_noop("Why it is right."),
            },
            {
                "text": gettext_noop("Another right answer"),
                "correct": True,
                "explanation": gettext_noop("Why it is right."),
            },
            {
                "text": gettext_noop("A real misconception"),
                "explanation": gettext_noop("Why it is wrong."),
            },
        ],
    },
    "true_false": {
        "answer": True,
        "explanation_true": gettext_noop("What a student who answers true should read."),
        "explanation_false": gettext_noop("What a student who answers false should read."),
    },
    "short_answer": {"accept": [gettext_noop("the answer")]},
    "command": {"accept": ["kubectl get pods --namespace kube-system"]},
    "ordering": {
        "items": [
            gettext_noop("First step"),
            gettext_noop("Second step"),
            gettext_noop("Third step"),
        ]
    },
    "manifest": {
        "kubernetes_version": "1.35",
        "starter": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n",
        "rules": [
            {
                "id": "has-image",
                "title": gettext_noop("The Pod runs nginx"),
                "select": {"kind": "Pod", "name": "web"},
                "expr": "spec.containers[0].image",
                "matches": "nginx(:.+)?",
            }
        ],
    },
}


def new_question_yaml(kind: str, *, question_uuid: str, section: str | None) -> str:
    """A question of ``kind`` to start from: valid as it stands, to be rewritten."""
    data: dict[str, Any] = {"uuid": question_uuid, "type": kind, "difficulty": "medium"}
    data["tags"] = _FlowList([])
    if section:
        data["section"] = section
    data["prompt"] = gettext("The question, in Markdown.") + "\n"
    data.update(_translated(_STARTERS[kind], kind=kind))
    data["explanation"] = gettext("Shown after answering, whatever was chosen.") + "\n"
    return dump_yaml(data)


# Where a starter holds words for people; everything else (ids, kinds, commands) stays as is.
_WORDS = {"text", "explanation", "explanation_true", "explanation_false", "title", "items"}


def _translated(value: Any, *, kind: str, key: str = "") -> Any:
    """A starter with its placeholder words in the active language."""
    if isinstance(value, dict):
        return {k: _translated(v, kind=kind, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [_translated(v, kind=kind, key=key) for v in value]
    words = key in _WORDS or (key == "accept" and kind == "short_answer")
    return gettext(value) if isinstance(value, str) and words else value
