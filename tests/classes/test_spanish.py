"""The classroom in Spanish: the instructor's pages, the student's classes, the work rules.

Each page is requested with Accept-Language: es, as a browser set to Spanish sends it, and
must show the Spanish catalogue's words; with no header it stays English, word for word.
The catalogue is compiled here when it is missing or older than its .po (as `make` does).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from classes import services
from classes.gradebook import gradebook_csv, gradebook_for
from core.policy import ExamRules
from quizzes.services import AttemptRefused, quiz_attempt_finish, quiz_attempt_start
from tests.classes.conftest import make_lab, make_submission
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
ES = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


@pytest.fixture(autouse=True)
def english_around_each_test():  # type: ignore[no-untyped-def]
    # A request in Spanish leaves Spanish active in this thread (LocaleMiddleware activates
    # it and nothing resets it): start and end each test in the default language.
    translation.deactivate()
    yield
    translation.deactivate()


def result(check_id: str, title: str, passed: bool) -> dict[str, object]:
    return {"id": check_id, "title": title, "passed": passed, "points": int(passed),
            "max_points": 1, "message": "", "evidence": {}}  # fmt: skip


@pytest.fixture
def lab_work(cohort, alice):  # type: ignore[no-untyped-def]
    """A lab alice has tried once: one check passes, one fails."""
    lab = make_lab(
        [{"id": "deploy", "title": "Deployment web exists"},
         {"id": "svc", "title": "Service web selects the Pods"}],
        slug="lab-es",
    )  # fmt: skip
    submission = make_submission(
        user=alice,
        lab=lab,
        results=[
            result("deploy", "Deployment web exists", True),
            result("svc", "Service web selects the Pods", False),
        ],
    )
    return lab, submission


def page(client, url: str, **headers: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_instructors_class_list_in_spanish_and_in_english(client, carol, cohort):
    client.force_login(carol)
    url = reverse("classes_instructor:list")
    body = page(client, url, **ES)
    assert "<h1>Clases</h1>" in body and ">Nueva clase</a>" in body
    assert ">Código de acceso</th>" in body and ">Abierta</span>" in body
    english = page(client, url)
    assert "<h1>Classes</h1>" in english and ">New class</a>" in english
    assert ">Join code</th>" in english and "Nueva clase" not in english


def test_the_create_form_and_its_validation_error_in_spanish(client, carol):
    client.force_login(carol)
    url = reverse("classes_instructor:create")
    body = page(client, url, **ES)
    assert "<h1>Nueva clase</h1>" in body and ">Nombre de la clase</label>" in body
    assert ">Crear la clase</button>" in body
    refused = client.post(url, {"name": ""}, **ES).content.decode()
    assert "Este campo es obligatorio." in refused and "Nombre de la clase" in refused
    created = client.post(url, {"name": "Clase de tarde"}, follow=True, **ES).content.decode()
    assert "Clase creada. Los estudiantes se unen con " in created


def test_the_cohort_page_and_its_gradebook_in_spanish(client, carol, cohort, lab_work):
    client.force_login(carol)
    url = reverse("classes_instructor:cohort", args=[cohort.pk])
    body = page(client, url, **ES)
    for words in (
        "1 estudiante ·",
        '<h2 id="code-heading">Código de acceso</h2>',
        ">Libro de calificaciones</h2>",
        ">Capítulos terminados<br>",
        "Laboratorio lab-es</abbr>",
        "Plazos y reglas",
        ">Exámenes con tiempo</h2>",
        ">Invitar a otro instructor</h2>",
        # Form labels, help texts and model choices are translated too.
        ">Cuestionario o laboratorio</label>",
        "Rechazar entregas fuera de plazo",
        "Dentro de 7 días",
        ">Recalificar un laboratorio para toda la clase</h2>",
    ):
        assert words in body, words
    assert "Deadlines and rules" not in body and "Gradebook" not in body
    english = page(client, url)
    assert "1 student ·" in english and "Deadlines and rules" in english
    assert ">Gradebook</h2>" in english and "Refuse late work" in english


def test_a_rules_form_error_comes_back_in_spanish(client, carol, cohort):
    client.force_login(carol)
    quiz = make_quiz()
    response = client.post(
        reverse("classes_instructor:policy_save", args=[cohort.pk]),
        {"item": f"quiz:{quiz.uuid}", "late": "refuse", "feedback_before_due": "solutions",
         "feedback_after_due": "solutions"},
        follow=True, **ES,
    )  # fmt: skip
    body = response.content.decode()
    assert "Reglas no guardadas." in body
    assert "Para que una entrega llegue fuera de plazo hace falta una fecha límite." in body


def test_the_gradebook_csv_keeps_its_identifier_headers_in_any_language(cohort, lab_work):
    # The CSV feeds spreadsheets and scripts: its headers are identifiers, never translated.
    with translation.override("es"):
        header = gradebook_csv(gradebook_for(cohort=cohort)).splitlines()[0]
    assert header.startswith("username,joined_at,chapters_done,chapters_total")
    assert "lab_lab-es_best_score" in header


def test_the_live_board_in_spanish(client, carol, cohort, lab_work):
    client.force_login(carol)
    url = reverse("classes_instructor:live", args=[cohort.pk])
    body = page(client, url, **ES)
    assert "Kubernetes 101, en vivo</h1>" in body
    assert "Se actualiza cada 5 segundos." in body
    assert ">Comprobaciones que fallan ahora mismo</h2>" in body
    assert "1 estudiante ·" in body and "la sección que lo enseña" in body
    assert ">trabajando</span>" in body  # alice's state, shown in Spanish
    assert 'class="badge live-badge-working"' in body  # its identifier is not translated
    partial = client.get(url, HTTP_HX_REQUEST="true", **ES).content.decode()
    assert "Ahora (" in partial and "atascados</strong>" in partial
    assert "Updates every 5 seconds." in page(client, url)


def test_the_student_page_and_the_timeline_in_spanish(client, carol, cohort, alice, lab_work):
    client.force_login(carol)
    student = reverse("classes_instructor:student", args=[cohort.pk, alice.pk])
    body = page(client, student, **ES)
    assert ">Entregas de laboratorio</h2>" in body and ">Comprobada</td>" in body
    assert ">Comprobaciones y evidencias</a>" in body
    assert "Todavía no hay intentos de cuestionario." in body
    timeline = reverse("classes_instructor:timeline", args=[cohort.pk, alice.pk])
    body = page(client, timeline, **ES)
    assert "alice: cronología</h1>" in body
    assert "<strong>Laboratorio</strong>" in body
    assert "1/2, fallan: Service web selects the Pods" in body
    english = page(client, timeline)
    assert "alice: timeline</h1>" in english and "<strong>Lab</strong>" in english
    assert "1/2, failing: Service web selects the Pods" in english


def test_a_submission_page_in_spanish(client, carol, cohort, lab_work):
    _, submission = lab_work
    client.force_login(carol)
    url = reverse("classes_instructor:submission", args=[cohort.pk, submission.pk])
    body = page(client, url, **ES)
    assert ">Comprobaciones y sus evidencias</h2>" in body
    assert ">Recalificar a partir de las evidencias</h2>" in body


def test_the_invitation_pages_in_spanish(client, carol, cohort, bob):
    client.force_login(carol)
    made = client.post(
        reverse("classes_instructor:invitation_create", args=[cohort.pk]), **ES
    ).content.decode()
    assert "Invitación a enseñar «Kubernetes 101»" in made
    assert "Funciona <strong>una sola vez</strong>" in made
    _, token = services.invitation_create(cohort=cohort, by=carol)
    client.force_login(bob)
    url = reverse("classes:invitation", args=[token])
    body = page(client, url, **ES)
    assert "<strong>carol</strong> te invita a enseñar la clase" in body
    assert "Has iniciado sesión como <strong>bob</strong>." in body
    accepted = client.post(url, follow=True, **ES).content.decode()
    assert "Ahora enseñas la clase «Kubernetes 101»." in accepted
    gone = client.get(url, **ES)
    assert gone.status_code == 404
    assert "Esta invitación ya se ha usado" in gone.content.decode()
    assert "invites you to teach" in page(
        client, reverse("classes:invitation", args=[services.invitation_create(
            cohort=cohort, by=carol)[1]])
    )  # fmt: skip


def test_my_classes_and_joining_in_spanish(client, alice, cohort, bob):
    client.force_login(alice)
    body = page(client, reverse("classes:mine"), **ES)
    assert "<h1>Mis clases</h1>" in body and ">Código de acceso</label>" in body
    assert "El código que muestra tu instructor" in body
    client.force_login(bob)
    refused = client.post(reverse("classes:join"), {"code": "BCDF"}, **ES).content.decode()
    assert "Un código de acceso tiene 8 letras y cifras, como BCDF-2345; este tiene 4." in refused
    joined = client.post(
        reverse("classes:join"), {"code": cohort.join_code}, follow=True, **ES
    ).content.decode()
    assert "Te uniste a la clase «Kubernetes 101»." in joined
    again = client.post(reverse("classes:join"), {"code": cohort.join_code}, **ES)
    assert "Ya estás en la clase «Kubernetes 101»." in again.content.decode()


def test_the_operators_instructors_page_in_spanish(client, root, alice):
    client.force_login(root)
    url = reverse("accounts:instructors")
    body = page(client, url, **ES)
    assert "<h1>Instructores</h1>" in body and ">Hacer instructor</button>" in body
    granted = client.post(url, {"username": "alice", "action": "grant"}, follow=True, **ES)
    assert "alice ahora es instructor" in granted.content.decode()
    missing = client.post(url, {"username": "ghost", "action": "grant"}, **ES)
    assert "Ninguna cuenta tiene el nombre de usuario «ghost»." in missing.content.decode()


def rules(cohort, quiz, **fields):  # type: ignore[no-untyped-def]
    defaults = {
        "due_at": None, "late": "accept", "penalty_percent": 0, "max_attempts": None,
        "feedback_before_due": "solutions", "feedback_after_due": "solutions",
    }  # fmt: skip
    return services.policy_set(
        cohort=cohort, kind="quiz", item_uuid=str(quiz.uuid), title=quiz.title,
        **{**defaults, **fields},
    )  # fmt: skip


def test_the_attempt_limit_and_late_refusal_in_spanish(cohort, alice, client):
    quiz = make_quiz()
    rules(cohort, quiz, max_attempts=1)
    quiz_attempt_finish(attempt=quiz_attempt_start(user=alice, quiz=quiz)[0])
    with translation.override("es"), pytest.raises(AttemptRefused) as refused:
        quiz_attempt_start(user=alice, quiz=quiz)
    assert str(refused.value) == "Has usado el 1 intento que permite «Kubernetes 101»."
    with pytest.raises(AttemptRefused, match="You have used all 1 attempt “Kubernetes 101”"):
        quiz_attempt_start(user=alice, quiz=quiz)
    client.force_login(alice)
    response = client.post(reverse("quizzes:start", args=[quiz.pk]), **ES)
    assert response.status_code == 403
    assert "Has usado el 1 intento que permite «Kubernetes 101»." in response.content.decode()

    now = timezone.localtime()
    due = now.replace(year=now.year - 1, month=4, day=14, hour=9, minute=30)
    rules(cohort, quiz, due_at=due, late="refuse")
    with translation.override("es"), pytest.raises(AttemptRefused) as late:
        quiz_attempt_start(user=alice, quiz=quiz)
    assert "La fecha límite (14 Abr " in str(late.value)
    assert "ya ha pasado: «Kubernetes 101» no acepta entregas fuera de plazo." in str(late.value)


def test_exam_window_messages_in_spanish():
    now = timezone.localtime()
    soon = now.replace(year=now.year + 1, month=12, day=24, hour=18, minute=0)
    closed = ExamRules("Kubernetes 101", None, timezone.now() - timedelta(minutes=1), None, 0,
                       3, False)  # fmt: skip
    later = ExamRules("Kubernetes 101", soon, None, None, 0, 2, False)
    with translation.override("es"):
        assert closed.refusal(attempts_used=0) == (
            "El plazo del examen de «Kubernetes 101» se ha cerrado."
        )
        assert later.refusal(attempts_used=0).startswith(
            "«Kubernetes 101» abre este examen el 24 Dic"
        )
        assert later.refusal(attempts_used=0, now=soon) == ""
        used = ExamRules("Kubernetes 101", None, None, None, 0, 2, False)
        assert (
            used.refusal(attempts_used=2)
            == "Has usado los 2 intentos que permite «Kubernetes 101»."
        )
    assert later.refusal(attempts_used=0).startswith("“Kubernetes 101” opens this exam on 24 Dec")
