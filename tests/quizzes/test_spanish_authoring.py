"""Authoring quizzes in Spanish: the instructor pages, their forms and the bank checks.

Each page is requested with Accept-Language: es and must answer in Spanish, with the
check messages of a bank still at their file:line; without the header, English as before.
The Spanish catalogue is compiled here when it is missing or older than its .po.
"""

from __future__ import annotations

import html
import re

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from lessons.models import Chapter
from quizzes.models import QuizAttempt, Response
from quizzes.statistics import quiz_stats
from tests.quizzes.factories import bank_data, make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
ES = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    for po in (PO, PO.with_name("djangojs.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


def spanish_get(client, url: str):  # type: ignore[no-untyped-def]
    return client.get(url, **ES)


def test_the_instructor_quiz_list_in_spanish(carol_client):
    make_quiz(title="Cuestionario de prueba")
    body = spanish_get(carol_client, reverse("instructor:list")).content.decode()
    assert '<html lang="es">' in body
    for text in (
        "Cuestionarios (instructor)",
        "Nuevo cuestionario",
        "Importar un banco (YAML)",
        "Intentos terminados",
        "Archivo de contenido",  # the quiz's origin, a model choice
        "Estadísticas",
        "Exportar",
    ):
        assert text in body, text
    assert "New quiz" not in body and "Finished attempts" not in body


def test_the_instructor_quiz_list_stays_english_by_default(carol_client):
    make_quiz()
    body = carol_client.get(reverse("instructor:list")).content.decode()
    assert '<html lang="en">' in body
    assert "Quizzes (instructor)" in body and "New quiz" in body and "Content file" in body
    assert "Nuevo cuestionario" not in body


def test_the_new_quiz_form_says_what_is_wrong_in_spanish(carol_client):
    chapter = Chapter.objects.get(number=2)
    page = spanish_get(carol_client, reverse("instructor:create")).content.decode()
    for text in ("Nota para aprobar", "Preguntas por intento", "Presentación",
                 "Una pregunta cada vez", "Crear el cuestionario"):  # fmt: skip
        assert text in page, text
    response = carol_client.post(
        reverse("instructor:create"),
        {"chapter": chapter.pk, "title": "Nuevo", "pass_mark": "0", "layout": "one-at-a-time"},
        **ES,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "La nota para aprobar es un porcentaje del 1 al 100." in body
    english = carol_client.post(
        reverse("instructor:create"),
        {"chapter": chapter.pk, "title": "New", "pass_mark": "0", "layout": "one-at-a-time"},
    ).content.decode()
    assert "A pass mark is a percentage from 1 to 100." in english


def test_the_quiz_settings_refuse_more_questions_than_published_in_spanish(carol_client):
    quiz = make_quiz()
    response = carol_client.post(
        reverse("instructor:quiz", args=[quiz.pk]),
        {"chapter": quiz.chapter.pk, "title": quiz.title, "pass_mark": "60",
         "questions_per_attempt": "5", "layout": "one-at-a-time"},
        **ES,
    )  # fmt: skip
    body = response.content.decode()
    assert "El cuestionario solo tiene 1 pregunta publicada." in body
    # The question types in the "add a question" menus, in Spanish.
    for name in ("Opción única", "Opción múltiple", "Verdadero o falso", "Respuesta corta",
                 "Ordenar", "Manifiesto", "Escribir un comando"):  # fmt: skip
        assert f">{name}</option>" in body, name


@pytest.mark.parametrize(
    ("kind", "heading", "fields", "post", "error"),
    [
        ("single", "Nueva pregunta: opción única",
         ["Opciones (marca la única opción correcta); las filas vacías se omiten", "Opción 1",
          "Correcta", "Por qué la opción 1 es correcta o incorrecta"],
         {"option-0-text": "Solo una"}, "Da al menos dos opciones."),
        ("multiple", "Nueva pregunta: opción múltiple",
         ["Opciones (marca todas las opciones correctas); las filas vacías se omiten",
          "Puntuación parcial", "Todo o nada"],
         {"option-0-text": "A", "option-0-explanation": "Porque sí.", "option-1-text": "B"},
         "Explica por qué esta opción es correcta o incorrecta: los estudiantes lo leen "
         "después de responder."),
        ("true_false", "Nueva pregunta: verdadero o falso",
         ["La afirmación es", "Comentario para «verdadero» (opcional)"],
         {}, "Indica si la afirmación es verdadera o falsa."),
        ("short_answer", "Nueva pregunta: respuesta corta",
         ["Respuestas aceptadas, una por línea", "Las mayúsculas y minúsculas deben coincidir",
          "O una expresión regular que la respuesta debe cumplir (opcional)"],
         {}, "Da al menos una respuesta aceptada."),
    ],
)  # fmt: skip
def test_the_question_form_of_each_type_in_spanish(carol_client, kind, heading, fields, post,
                                                    error):  # fmt: skip
    quiz = make_quiz()
    url = reverse("instructor:question_form_new", args=[quiz.pk]) + f"?type={kind}"
    page = spanish_get(carol_client, url).content.decode()
    assert heading in page
    for text in [*fields, "Pregunta (Markdown)", "Dificultad", "Sección del capítulo que evalúa",
                 "Puntos", "Etiquetas", "Guardar la pregunta", "Escríbela en YAML"]:  # fmt: skip
        assert text in page, text
    data = {"prompt": "¿Una pregunta?", "explanation": "Porque sí.", "difficulty": "easy",
            "points": "1", **post}  # fmt: skip
    response = carol_client.post(url, data, **ES)
    assert response.status_code == 400
    assert error in response.content.decode()


def test_a_bad_pattern_is_refused_in_spanish(carol_client):
    quiz = make_quiz()
    url = reverse("instructor:question_form_new", args=[quiz.pk]) + "?type=short_answer"
    data = {"prompt": "¿Qué?", "explanation": "Porque sí.", "difficulty": "easy", "points": "1",
            "accept": "kube-proxy", "pattern": r"(a)\1"}  # fmt: skip
    body = carol_client.post(url, data, **ES).content.decode()
    assert "No se guardó:" in body
    assert "pattern no es una expresión regular válida aquí" in body


def test_the_yaml_question_editor_in_spanish(carol_client):
    quiz = make_quiz(questions=[question_data(section="summary")])
    question = quiz.questions.get()
    page = spanish_get(
        carol_client, reverse("instructor:question", args=[quiz.pk, question.pk])
    ).content.decode()
    for text in ("Editar la pregunta 1", "Vista previa", "Comentario para la respuesta correcta",
                 "Guardar la pregunta", "Editar con el formulario", "La pregunta, en el formato "
                 "de quiz.yaml"):  # fmt: skip
        assert text in page, text
    source = yaml.safe_dump({**question_data(), "uuid": str(question.uuid), "section": "nope"})
    response = carol_client.post(
        reverse("instructor:question", args=[quiz.pk, question.pk]), {"source": source}, **ES
    )
    body = response.content.decode()
    line = next(i + 1 for i, t in enumerate(source.splitlines()) if t.startswith("section:"))
    assert f"línea {line}: la sección &#x27;nope&#x27; no es un ancla de encabezado" in body


def test_an_import_with_an_error_answers_in_spanish_at_its_line(carol_client):
    chapter = Chapter.objects.get(number=1)
    good, bad = question_data(section="summary"), question_data(section="summary")
    bad["options"][1]["correct"] = True
    text = yaml.safe_dump(bank_data([good, bad]), sort_keys=False)
    response = carol_client.post(
        reverse("instructor:import"), {"chapter": chapter.pk, "text": text}, **ES
    )
    assert response.status_code == 400
    body = response.content.decode()
    line = [i + 1 for i, t in enumerate(text.splitlines()) if t == "  options:"][1]
    assert "No se importó nada: 1 problema." in body
    assert (
        f"banco pegado:{line}: una pregunta de opción única necesita exactamente una opción "
        "correcta, no 2" in body
    )
    for text_shown in ("Importar un banco de preguntas", "Archivo", "…o pega aquí el banco."):
        assert text_shown in body, text_shown


def test_an_import_of_broken_yaml_keeps_its_line_in_spanish(carol_client):
    chapter = Chapter.objects.get(number=1)
    text = "uuid: 6f1c1f0e-3c4b-4b8e-9a55-1a2b3c4d5e6f\ntitle: Roto\nquestions: [\n"
    response = carol_client.post(
        reverse("instructor:import"), {"chapter": chapter.pk, "text": text}, **ES
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "No se importó nada: 1 problema." in body
    assert '<ul class="error-list"><li>banco pegado:' in body
    empty = carol_client.post(reverse("instructor:import"), {"chapter": chapter.pk}, **ES)
    assert "Elige un archivo o pega un banco." in empty.content.decode()


def test_the_statistics_page_in_spanish(carol_client, django_user_model):
    easy, weak = question_data(), question_data("true_false")
    quiz = make_quiz(questions=[easy, weak, question_data()])
    q_easy, q_weak, _unanswered = quiz.questions.all()
    for i in range(10):
        user = django_user_model.objects.create_user(f"e{i}", password="x")
        attempt = QuizAttempt.objects.create(
            user=user, quiz=quiz, question_ids=[q_easy.pk, q_weak.pk], score=i, max_score=10,
            finished_at=timezone.now(),
        )  # fmt: skip
        Response.objects.create(attempt=attempt, question=q_easy, correct=True, points=1,
                                response={"option": option_id(q_easy, "Right")})  # fmt: skip
        right = i < 5  # the weakest get it right: negative discrimination
        Response.objects.create(attempt=attempt, question=q_weak, correct=right, points=int(right),
                                response={"answer": not right})  # fmt: skip
    body = spanish_get(
        carol_client, reverse("instructor:statistics", args=[quiz.pk])
    ).content.decode()
    for text in (
        "Estadísticas por pregunta",
        "10 intentos terminados",
        "Descargar en CSV",
        "Facilidad",
        "Discriminación",
        '<span class="flag">demasiado fácil</span>',
        '<span class="flag negative">discriminación negativa</span>',
        "demasiado pocas para juzgar: faltan 10",
        "Verdadero: <strong>",
        "Opción única",
    ):
        assert text in body, text
    # The CSV is for spreadsheets and scripts: its columns and flags stay English identifiers.
    csv_text = spanish_get(
        carol_client, reverse("instructor:statistics_csv", args=[quiz.pk])
    ).content.decode()
    assert csv_text.startswith("position,uuid,type,") and "too easy" in csv_text
    english = carol_client.get(reverse("instructor:statistics", args=[quiz.pk])).content.decode()
    assert '<span class="flag">too easy</span>' in english and "10 finished attempts" in english


def test_flag_labels_follow_the_active_language():
    quiz = make_quiz()
    stats = quiz_stats(quiz)
    item = stats.items[0]
    item.attempts, item.facility, item.discrimination = 10, 100.0, -0.5
    with translation.override("es"):
        assert item.flag_labels == [
            ("too easy", "demasiado fácil"),
            ("negative discrimination", "discriminación negativa"),
        ]
    assert item.flags == ["too easy", "negative discrimination"]


@pytest.mark.parametrize(
    "kind", ["single", "multiple", "true_false", "short_answer", "ordering", "manifest", "command"]
)
def test_a_new_question_starts_in_spanish_and_saves_as_it_stands(carol_client, kind):
    quiz = make_quiz(questions=[question_data(section="summary")])
    url = reverse("instructor:question_new", args=[quiz.pk]) + f"?type={kind}"
    page = spanish_get(carol_client, url).content.decode()
    source = html.unescape(re.search(r'<textarea id="id_source"[^>]*>(.*?)</textarea>', page,
                                     re.S).group(1))  # fmt: skip
    assert "La pregunta, en Markdown." in source
    assert "Se muestra tras responder, sea cual sea la elección." in source
    before = quiz.questions.filter(type=kind).count()
    response = carol_client.post(url, {"source": source}, **ES)
    assert response.status_code == 302, response.content.decode()
    assert quiz.questions.filter(type=kind).count() == before + 1


def test_the_editor_check_answers_in_spanish_on_its_line(carol_client):
    quiz = make_quiz(questions=[question_data(section="summary")])
    question = quiz.questions.get()
    source = yaml.safe_dump({**question_data(), "uuid": str(question.uuid), "section": "nope"})
    line = next(i + 1 for i, t in enumerate(source.splitlines()) if t.startswith("section:"))
    url = reverse("instructor:question_check", args=[quiz.pk, question.pk])
    found = carol_client.post(url, {"source": source}, **ES).json()["findings"]
    assert [(f["line"], f["message"]) for f in found] == [
        (line, "la sección 'nope' no es un ancla de encabezado del capítulo")
    ]
    too_long = carol_client.post(url, {"source": "x" * (64 * 1024 + 1)}, **ES).json()
    assert too_long["findings"][0]["message"] == "La pregunta ocupa más de 64 KiB."
