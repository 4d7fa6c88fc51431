"""The exam pages in Spanish: the list, the introduction, an attempt being prepared, in progress
(a task, the questions), handed in and graded; the messages after a click; English by default.

No cluster: the worker's part (preparing, grading) is written here as the worker leaves it
(tests/exams/test_attempts.py does the same).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from exams import services
from exams.models import ExamAttempt
from tests.exams.factories import course_single_question, make_exam
from tests.exams.test_attempts import graded, in_progress

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    for po in (PO, PO.with_name("djangojs.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


@pytest.fixture
def exam(tmp_path):
    return make_exam(tmp_path)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_and_the_introduction_are_in_spanish(exam, alice, client):
    client.force_login(alice)
    listing = visible_text(client.get(reverse("exams:list"), **SPANISH).content.decode())
    assert "Exámenes de práctica" in listing and "Practice exams" not in listing
    intro = visible_text(client.get(exam.get_absolute_url(), **SPANISH).content.decode())
    for spanish in (
        "Examen de práctica cronometrado",
        "30 minutos",
        "el reloj empieza cuando tu espacio de trabajo esté listo.",
        "2 tareas en un clúster real, 100 puntos; nota para aprobar 60%.",
        "Práctica: hazlo tantas veces como quieras.",
        "Empezar el examen",
    ):
        assert spanish in intro, spanish
    for english in ("Timed practice exam", "minutes", "tasks on a real cluster", "Start the exam"):
        assert english not in intro, english


def test_an_attempt_from_start_to_review_is_in_spanish(tmp_path, alice, client):
    asked = course_single_question()
    exam = make_exam(tmp_path, questions=[asked["uuid"]])
    client.force_login(alice)
    client.post(reverse("exams:start", args=[exam.slug]), **SPANISH)
    attempt = ExamAttempt.objects.get(user=alice)
    preparing = client.get(attempt.get_absolute_url(), **SPANISH).content.decode()
    assert "Preparando tu espacio de trabajo" in preparing

    in_progress(attempt, minutes_left=10)
    task = visible_text(
        client.get(attempt.get_absolute_url() + "?task=rbac", **SPANISH).content.decode()
    )
    for spanish in (
        "termina a las",
        "(40 pts)",
        "Preguntas (1)",
        "(0 respondidas)",
        "Marcar para volver luego",
        "Tu espacio de trabajo del examen",
        "Trabaja en el espacio de nombres",
        "Entregar el examen ahora",
        "Cuando se acabe el tiempo, se entrega tal como esté.",
    ):
        assert spanish in task, spanish
    for english in (
        "seconds left",
        "Flag to come back",
        "Hand in the exam",
        "Work in the namespace",
    ):
        assert english not in task, english

    flagged = client.post(
        reverse("exams:flag", args=[attempt.pk]), {"task": "rbac", "flagged": "1"}, follow=True,
        **SPANISH,
    )  # fmt: skip
    flagged_text = visible_text(flagged.content.decode())
    assert "Quitar la marca" in flagged_text and "marcada" in flagged_text
    nosuch = client.post(
        reverse("exams:flag", args=[attempt.pk]), {"task": "nope", "flagged": "1"}, follow=True,
        **SPANISH,
    )  # fmt: skip
    assert "Este examen no tiene esa tarea." in nosuch.content.decode()

    questions = visible_text(
        client.get(attempt.get_absolute_url() + "?task=questions", **SPANISH).content.decode()
    )
    assert "Pregunta 1" in questions and "Guardar esta respuesta" in questions
    assert "Save this answer" not in questions
    from quizzes.models import Question

    right = next(
        o["id"] for o in Question.objects.get(uuid=asked["uuid"]).options if o.get("correct")
    )
    kept = client.post(
        reverse("exams:answer", args=[attempt.pk]), {"question": asked["uuid"], "option": right},
        follow=True, **SPANISH,
    )  # fmt: skip
    assert "Respuesta guardada." in kept.content.decode()

    handed = client.post(reverse("exams:submit", args=[attempt.pk]), follow=True, **SPANISH)
    handed_text = visible_text(handed.content.decode())
    assert "Entregado. Se está calificando ahora" in handed_text
    assert "Entregado a las" in handed_text and "Handed in" not in handed_text

    graded(attempt, 30, 40)
    review = visible_text(client.get(attempt.get_absolute_url(), **SPANISH).content.decode())
    for spanish in ("aprobado", "puntos · nota para aprobar 60%", "entregado a las",
                    "calificado a partir de tu espacio de nombres", "Pista: Look at the Pods.",
                    "Una solución", "Preguntas", "correcta"):  # fmt: skip
        assert spanish in review, spanish
    for english in ("passed", "handed in", "graded from your namespace", "A solution", "Hint:"):
        assert english not in review, english


def test_english_is_unchanged_by_default(exam, alice, client):
    client.force_login(alice)
    intro = client.get(exam.get_absolute_url()).content.decode()
    assert "Timed practice exam" in intro and "30 minutes" in intro
    attempt = in_progress(services.exam_attempt_start(user=alice, exam=exam)[0], minutes_left=10)
    page = visible_text(client.get(attempt.get_absolute_url() + "?task=rbac").content.decode())
    assert (
        re.search(r"(600|59\d) seconds left", page)
        and "(40 pts)" in page
        and "Hand in the exam now" in page
    )
    attempt = graded(attempt, 30, 40)
    review = visible_text(client.get(attempt.get_absolute_url()).content.decode())
    assert "70% — passed" in review and "Hint: Look at the Pods." in review
