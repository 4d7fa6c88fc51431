"""Authoring questions: the CodeMirror editor's live check, and forms for the common types."""

from __future__ import annotations

import pytest
import yaml
from django.test import Client
from django.urls import reverse

from quizzes.models import Question
from tests.quizzes.factories import make_quiz, question_data

pytestmark = pytest.mark.django_db


def test_the_live_check_puts_each_problem_on_its_line(carol_client):
    quiz = make_quiz()
    url = reverse("instructor:question_check_new", args=[quiz.pk])
    good = yaml.safe_dump(question_data(section=None) | {"section": quiz.chapter.toc[0]["anchor"]})
    answer = carol_client.post(url, {"source": good}).json()
    assert answer == {"valid": True, "findings": []}

    text = good.replace("difficulty: easy", "difficulty: easy\nanswr: true")
    line = text.splitlines().index("answr: true") + 1
    answer = carol_client.post(url, {"source": text}).json()
    assert answer["valid"] is False
    [finding] = answer["findings"]
    assert finding["line"] == line and finding["severity"] == "error"
    assert "answr" in finding["message"]

    broken = carol_client.post(url, {"source": "prompt: [unclosed"}).json()
    assert broken["valid"] is False and broken["findings"][0]["line"] >= 1
    too_long = carol_client.post(url, {"source": "x" * 70000}).json()
    assert "64 KiB" in too_long["findings"][0]["message"]


def test_the_yaml_page_uses_the_course_editor(carol_client):
    quiz = make_quiz()
    question = quiz.questions.first()
    body = carol_client.get(
        reverse("instructor:question", args=[quiz.pk, question.pk])
    ).content.decode()
    assert 'data-editor="yaml"' in body and 'data-validate-field="source"' in body
    assert reverse("instructor:question_check", args=[quiz.pk, question.pk]) in body
    assert "js/editor." in body and "codemirror-6.0.2.bundle" in body
    assert reverse("instructor:question_form", args=[quiz.pk, question.pk]) in body


def form_data(quiz, **fields) -> dict[str, str]:
    base = {
        "prompt": "Which object keeps a set of Pods running?",
        "difficulty": "easy",
        "section": quiz.chapter.toc[0]["anchor"],
        "points": "2",
        "tags": "pods, replicasets",
        "explanation": "A ReplicaSet keeps its replicas running.",
    }
    return {**base, **fields}


def test_a_single_choice_question_made_with_the_form(carol_client):
    quiz = make_quiz()
    url = reverse("instructor:question_form_new", args=[quiz.pk]) + "?type=single"
    assert carol_client.get(url).status_code == 200
    data = form_data(
        quiz,
        **{"option-0-text": "ReplicaSet", "option-0-correct": "on",
           "option-0-explanation": "It keeps replicas.",
           "option-1-text": "ConfigMap", "option-1-explanation": "It holds configuration."},
    )  # fmt: skip
    response = carol_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.filter(quiz=quiz).order_by("-position").first()
    assert question.type == "single" and question.points == 2
    assert question.data["tags"] == ["pods", "replicasets"]
    assert [(o["text"], o.get("correct", False)) for o in question.options] == [
        ("ReplicaSet", True), ("ConfigMap", False),
    ]  # fmt: skip
    assert question.origin == "browser"

    # Edited again with the form: the same question, its uuid kept.
    edit = reverse("instructor:question_form", args=[quiz.pk, question.pk])
    page = carol_client.get(edit).content.decode()
    assert "ReplicaSet" in page and "It keeps replicas." in page
    data["option-1-correct"] = "on"  # two correct answers for a single-choice question
    response = carol_client.post(edit, data)
    assert response.status_code == 400
    assert "needs exactly one correct option" in response.content.decode()
    data.pop("option-1-correct")
    data["prompt"] = "Which object keeps Pods running, replica by replica?"
    assert carol_client.post(edit, data).status_code == 302
    question.refresh_from_db()
    assert "replica by replica" in question.prompt_html


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        ("multiple", {"option-0-text": "A", "option-0-correct": "on", "option-0-explanation": "a",
                      "option-1-text": "B", "option-1-correct": "on", "option-1-explanation": "b",
                      "option-2-text": "C", "option-2-explanation": "c",
                      "scoring": "all_or_nothing"},
         {"scoring": "all_or_nothing"}),
        ("true_false", {"answer": "false", "explanation_false": "Right: it is false."},
         {"answer": False, "explanation_false": "Right: it is false."}),
        ("short_answer", {"accept": "kube-proxy\nkube proxy", "case_sensitive": "on"},
         {"accept": ["kube-proxy", "kube proxy"], "case_sensitive": True}),
    ],
)  # fmt: skip
def test_the_other_common_types_made_with_the_form(carol_client, kind, fields, expected):
    quiz = make_quiz()
    url = reverse("instructor:question_form_new", args=[quiz.pk]) + f"?type={kind}"
    response = carol_client.post(url, form_data(quiz, **fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.filter(quiz=quiz, type=kind).get()
    for key, value in expected.items():
        assert question.data[key] == value


def test_the_form_explains_what_is_missing(carol_client):
    quiz = make_quiz()
    url = reverse("instructor:question_form_new", args=[quiz.pk]) + "?type=single"
    response = carol_client.post(url, form_data(quiz, **{"option-0-text": "Only one"}))
    assert response.status_code == 400
    assert "Give at least two options." in response.content.decode()
    url = reverse("instructor:question_form_new", args=[quiz.pk]) + "?type=short_answer"
    response = carol_client.post(url, form_data(quiz))
    assert "Give at least one accepted answer." in response.content.decode()


def test_ordering_and_manifest_questions_stay_in_yaml(carol_client, alice):
    quiz = make_quiz(questions=[question_data("ordering")])
    question = quiz.questions.get()
    url = reverse("instructor:question_form", args=[quiz.pk, question.pk])
    response = carol_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("instructor:question", args=[quiz.pk, question.pk])
    student = Client()
    student.force_login(alice)
    assert student.get(url).status_code == 403
    check = reverse("instructor:question_check", args=[quiz.pk, question.pk])
    assert student.post(check, {"source": "x"}).status_code == 403
