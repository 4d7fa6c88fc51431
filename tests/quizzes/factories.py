"""Quiz banks and questions for tests: on disk for the loader, in the database for the rest."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

from lessons.models import Chapter
from quizzes.content import question_fields
from quizzes.models import Question, Quiz


def question_data(kind: str = "single", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "type": kind,
        "difficulty": "easy",
        "tags": ["pods"],
        "section": "first-section",
        "prompt": f"A {kind} question about `Pods`?",
    }
    answers: dict[str, dict[str, Any]] = {
        "single": {
            "options": [
                {"text": "Right", "correct": True, "explanation": "Right because."},
                {"text": "Wrong", "explanation": "Wrong because."},
                {"text": "Also wrong", "explanation": "Also wrong because."},
            ]
        },
        "multiple": {
            "scoring": "partial",
            "options": [
                {"text": "A", "correct": True, "explanation": "A is right."},
                {"text": "B", "correct": True, "explanation": "B is right."},
                {"text": "C", "explanation": "C is wrong."},
                {"text": "D", "explanation": "D is wrong."},
            ],
        },
        "true_false": {"answer": False, "explanation_true": "No.", "explanation_false": "Yes."},
        "short_answer": {"accept": ["kube-proxy"]},
        "ordering": {"items": ["first", "second", "third", "fourth"]},
        "manifest": {
            "kubernetes_version": "1.35",
            "starter": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: httpd\n",
            "rules": [
                {
                    "id": "runs-nginx",
                    "title": "The Pod runs nginx",
                    "select": {"kind": "Pod", "name": "web"},
                    "expr": "spec.containers[0].image",
                    "matches": "nginx(:.+)?",
                }
            ],
        },
    }
    return {**base, **answers[kind], "explanation": "Because of how Pods work.", **extra}


def bank_data(questions: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "title": "Pods quiz",
        "pass_mark": 60,
        "layout": "one-at-a-time",
        "questions": questions if questions is not None else [question_data()],
        **extra,
    }


def write_bank(root: Path, folder: str, data: dict[str, Any] | str) -> Path:
    path = root / "chapters" / folder / "quiz.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text)
    return path


def make_quiz(chapter: Chapter | None = None, questions: list[dict[str, Any]] | None = None,
              **fields: Any) -> Quiz:  # fmt: skip
    """A quiz in the database, as a synced bank would be."""
    chapter = chapter or Chapter.objects.get(number=1)
    defaults: dict[str, Any] = {"title": "Test quiz", "pass_mark": 60, "layout": "one-at-a-time"}
    quiz = Quiz.objects.create(uuid=uuid.uuid4(), chapter=chapter, **{**defaults, **fields})
    for position, data in enumerate(questions if questions is not None else [question_data()]):
        Question.objects.create(
            quiz=quiz, uuid=data["uuid"], position=position, **question_fields(data)
        )
    return quiz


def option_id(question: Question, text: str) -> str:
    return next(o["id"] for o in question.options if o["text"] == text)
