"""Taking a quiz in Spanish: the question type names, the feedback of every type, refusals.

Answers go through the real views with Accept-Language: es (htmx requests, as the page
sends them); the same answers without the header must read as before, in English.
The Spanish catalogue is compiled here when it is missing or older than its .po.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from quizzes.services import quiz_attempt_start
from tests.quizzes.factories import make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
ES = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
HX = {"HX-Request": "true"}
TYPES = ["single", "multiple", "true_false", "short_answer", "ordering", "manifest", "command"]
SPANISH_NAMES = {
    "single": "Opción única",
    "multiple": "Opción múltiple",
    "true_false": "Verdadero o falso",
    "short_answer": "Respuesta corta",
    "ordering": "Ordenar",
    "manifest": "Manifiesto",
    "command": "Escribir un comando",
}
ENGLISH_NAMES = {
    "single": "Single choice",
    "multiple": "Multiple choice",
    "true_false": "True or false",
    "short_answer": "Short answer",
    "ordering": "Ordering",
    "manifest": "Manifest",
    "command": "Build a command",
}


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    for po in (PO, PO.with_name("djangojs.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


def every_type(kind: str):  # type: ignore[no-untyped-def]
    if kind == "command":
        return question_data(
            "short_answer", type="command", accept=["kubectl get pods --namespace kube-system"]
        )
    return question_data(kind)


@pytest.fixture
def attempt(alice):  # type: ignore[no-untyped-def]
    quiz = make_quiz(questions=[every_type(k) for k in TYPES], layout="all-on-one-page")
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    return attempt


def answers(attempt):  # type: ignore[no-untyped-def]
    """One answer per type: right, partly right or wrong, to show each kind of feedback."""
    questions = {q.type: q for q in attempt.quiz.questions.all()}
    ordering = questions["ordering"]
    backwards = {f"position-{item}": str(len(ordering.item_ids) - i)
                 for i, item in enumerate(ordering.item_ids)}  # fmt: skip
    starter = questions["manifest"].data["starter"]
    return [
        (questions["single"], {"option": option_id(questions["single"], "Right")}),
        (questions["multiple"], {"option": [option_id(questions["multiple"], "A")]}),
        (questions["true_false"], {"answer": "false"}),
        (questions["short_answer"], {"text": "kube-proxy"}),
        (ordering, backwards),
        (questions["manifest"], {"manifest": starter}),
        (questions["command"], {"text": "kubectl get pods -n kube-system"}),
    ]


def answer(client, attempt, question, data, **headers):  # type: ignore[no-untyped-def]
    url = reverse("quizzes:answer", args=[attempt.pk, question.pk])
    response = client.post(url, data, headers=HX, **headers)
    return response.status_code, response.content.decode()


def test_question_type_names_are_spanish_on_the_quiz_page(alice_client, attempt):
    body = alice_client.get(reverse("quizzes:take", args=[attempt.pk]), **ES).content.decode()
    assert '<html lang="es">' in body
    for kind, name in SPANISH_NAMES.items():
        assert f"de 7 · {name} · 1 punto" in body, kind
    assert "Tu comando" in body  # the command question's field
    assert "Escríbelo como lo harías en una terminal" in body
    assert "Single choice" not in body and "Your command" not in body


def test_the_feedback_of_every_type_is_spanish(alice_client, attempt):
    expected = {
        "single": ["Correcto", "Respuesta correcta", "tu elección"],
        "multiple": ["En parte correcto", "Respuesta incorrecta"],
        "true_false": ["Respondiste <strong>Falso</strong>; la afirmación es <strong>falsa"],
        "short_answer": ["Respondiste <code>kube-proxy</code>.", "Se aceptan:"],
        "ordering": ["No del todo", "Tu orden", "El orden correcto", "Debería ir en la posición"],
        "manifest": ["Las comprobaciones de la pregunta", "Tu manifiesto"],
        "command": ["Correcto", "Escribiste <code>kubectl get pods -n kube-system</code>."],
    }
    for question, data in answers(attempt):
        status, body = answer(alice_client, attempt, question, data, **ES)
        assert status == 200, question.type
        for text in expected[question.type]:
            assert text in body, (question.type, text)
        assert f"· {SPANISH_NAMES[question.type]}" in body, question.type


def test_the_feedback_stays_english_by_default(alice_client, attempt):
    expected = {
        "single": "Correct",
        "multiple": "Partly right",
        "true_false": "You answered <strong>False</strong>",
        "short_answer": "You answered <code>kube-proxy</code>.",
        "ordering": "The right order",
        "manifest": "The manifest is valid for Kubernetes",
        "command": "You wrote <code>",
    }
    for question, data in answers(attempt):
        status, body = answer(alice_client, attempt, question, data)
        assert status == 200 and expected[question.type] in body, question.type
        assert f"· {ENGLISH_NAMES[question.type]}" in body, question.type


@pytest.mark.parametrize(
    ("kind", "data", "spanish", "english"),
    [
        ("single", {}, "Elige primero una opción.", "Choose option first."),
        ("multiple", {}, "Elige al menos una opción.", "Choose at least one option."),
        ("true_false", {"answer": "maybe"}, "Responde con verdadero o falso.",
         "Answer with true or false."),
        ("short_answer", {"text": "   "}, "Escribe primero una respuesta.",
         "Type an answer first."),
        ("ordering", {}, "Elige primero una posición para cada elemento.",
         "Choose position for every item first."),
    ],
)  # fmt: skip
def test_a_refused_answer_says_why_in_spanish(alice_client, attempt, kind, data, spanish, english):
    question = attempt.quiz.questions.get(type=kind)
    status, body = answer(alice_client, attempt, question, data, **ES)
    assert status == 400 and spanish in body
    status, body = answer(alice_client, attempt, question, data)
    assert status == 400 and english in body


def test_the_review_shows_spanish_type_names(alice_client, attempt):
    for question, data in answers(attempt):
        answer(alice_client, attempt, question, data)
    alice_client.post(reverse("quizzes:finish", args=[attempt.pk]))
    body = alice_client.get(reverse("quizzes:review", args=[attempt.pk]), **ES).content.decode()
    for name in SPANISH_NAMES.values():
        assert f'<span class="muted">· {name}</span>' in body, name
