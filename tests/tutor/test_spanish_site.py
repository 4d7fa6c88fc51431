"""The site's own answers in Spanish: the 500 page, the 429 and 413 answers, sign-up, work rules.

Each is asked for in Spanish (Accept-Language, the language cookie, or translation.override
where no request exists) and checked for the Spanish text; English stays the default.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone, translation

from core.policy import ExamRules, Late, WorkRules
from exercises.models import Exercise
from tutor import urls
from tutor.errors import server_error

pytestmark = pytest.mark.django_db

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
SPANISH = "es-ES,es;q=0.9"


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


# --- the 500 page ----------------------------------------------------------------------------


def boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("secret detail")


urlpatterns = [path("boom", boom)]
handler500 = urls.handler500


@pytest.fixture
def raising_site(settings):  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    return Client(raise_request_exception=False)


def test_the_500_page_follows_accept_language(raising_site):
    response = raising_site.get("/boom", HTTP_ACCEPT_LANGUAGE=SPANISH)
    assert response.status_code == 500
    body = response.content.decode()
    assert '<html lang="es">' in body
    assert "Algo ha fallado por nuestra parte" in body
    assert "No se ha perdido nada de lo que guardaste." in body
    assert "Volver al curso" in body
    assert "Something went wrong" not in body and "secret detail" not in body


def test_the_500_page_follows_the_language_cookie(raising_site):
    raising_site.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    body = raising_site.get("/boom", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Algo ha fallado por nuestra parte" in body


def test_the_500_page_is_english_by_default_and_for_other_languages(raising_site):
    for header in ({}, {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}):
        body = raising_site.get("/boom", **header).content.decode()
        assert '<html lang="en">' in body
        assert "Something went wrong on our side" in body


def test_a_malformed_accept_language_still_gets_the_500_page(raising_site):
    body = raising_site.get("/boom", HTTP_ACCEPT_LANGUAGE=";;q=x,\x00" * 200).content.decode()
    assert "Something went wrong on our side" in body


def test_the_500_page_without_a_request_uses_the_active_language():
    with translation.override("es"):
        spanish = server_error(None)
    assert spanish.status_code == 500
    assert "Algo ha fallado por nuestra parte" in spanish.content.decode()
    with translation.override("en"):
        english = server_error(None).content.decode()
    assert "Something went wrong on our side" in english


def test_the_500_page_answers_even_when_its_template_fails(rf, monkeypatch):
    from django.template import loader

    def broken(name):  # type: ignore[no-untyped-def]
        raise RuntimeError("template storage gone")

    monkeypatch.setattr(loader, "get_template", broken)
    response = server_error(rf.get("/", HTTP_ACCEPT_LANGUAGE=SPANISH))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


# --- 429 and 413 -----------------------------------------------------------------------------


@pytest.fixture
def exercise() -> Exercise:
    found = Exercise.objects.filter(is_published=True).order_by("pk").first()
    assert found is not None
    return found


def test_the_check_limit_answers_in_spanish(client, exercise, settings):
    settings.TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS = 1
    url = exercise.get_absolute_url() + "validate"
    assert client.post(url, {"manifest": "kind: Pod\n"}).status_code == 200
    refused = client.post(url, {"manifest": "kind: Pod\n"}, HTTP_ACCEPT_LANGUAGE=SPANISH)
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "too-many-checks"
    assert body["message"] == (
        "Comprobación en pausa: este navegador ha pedido muchas comprobaciones en poco tiempo. "
        f"Tu manifiesto se vuelve a comprobar dentro de {body['retry_after']} s."
    )
    english = client.post(url, {"manifest": "kind: Pod\n"}).json()["message"]
    assert english.startswith("Checking paused: this browser asked for many checks")


def test_the_editor_help_limit_answers_in_spanish(client, settings):
    settings.TUTOR_EDITOR_HELP_PER_MINUTE = 1
    ask = {"manifest": "kind: Pod\n", "line": 1, "column": 1}
    url = reverse("lessons:editor-complete")
    assert client.post(url, ask).status_code == 200
    refused = client.post(url, ask, HTTP_ACCEPT_LANGUAGE=SPANISH)
    assert refused.status_code == 429
    assert refused.json()["message"].startswith("Demasiadas sugerencias pedidas en un minuto")


def test_the_editors_bad_requests_answer_in_spanish(client):
    url = reverse("lessons:editor-hover")
    bad_line = client.post(
        url, {"manifest": "a: 1", "line": "x", "column": 1}, HTTP_ACCEPT_LANGUAGE=SPANISH
    )
    assert bad_line.status_code == 400
    assert bad_line.json()["message"] == (
        "Envía `line` y `column` como números enteros (empezando por 1)."
    )
    version = client.post(
        reverse("lessons:editor-version"), {"kubernetes_version": "0.1"},
        HTTP_ACCEPT_LANGUAGE=SPANISH,
    )  # fmt: skip
    assert version.status_code == 400
    assert version.json()["message"].startswith("Elige una de las versiones de Kubernetes ")


def test_a_body_over_the_limit_is_refused_in_spanish(client, exercise):
    response = client.post(
        exercise.get_absolute_url() + "validate",
        {"manifest": "x" * (2 * 1024 * 1024)},
        HTTP_ACCEPT_LANGUAGE=SPANISH,
    )
    assert response.status_code == 413
    assert response.json()["message"] == (
        "Lo que has enviado supera con mucho el límite de 256 KiB: no se ha leído."
    )


def test_a_next_step_asked_wrongly_is_answered_in_spanish(client, exercise):
    url = reverse("next_step", args=[exercise.chapter.slug])
    answer = client.get(url, {"after": "nonsense"}, HTTP_ACCEPT_LANGUAGE=SPANISH)
    assert answer.status_code == 400
    assert answer.content.decode().startswith("Indica qué se ha hecho: after=quiz")


# --- accounts --------------------------------------------------------------------------------


def test_sign_up_errors_are_in_spanish(client, alice):
    response = client.post(
        "/accounts/signup/",
        {"username": alice.username, "email": "not an address",
         "password1": "abc", "password2": "abd"},
        HTTP_ACCEPT_LANGUAGE=SPANISH,
    )  # fmt: skip
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="es">' in body
    assert "Crea tu cuenta" in body
    assert "Ya existe un usuario con este nombre." in body
    assert "Escribe una dirección de correo electrónico válida." in body  # tú, not Django's usted
    assert "Correo electrónico" in body
    assert "Los dos campos de contraseña no coinciden." in body
    assert "Opcional; solo se usa para restablecer la contraseña." in body


def test_sign_up_errors_stay_english_by_default(client, alice):
    response = client.post(
        "/accounts/signup/",
        {"username": alice.username, "email": "", "password1": "abc", "password2": "abd"},
    )
    body = response.content.decode()
    assert "A user with that username already exists." in body
    assert "The two password fields didn\u2019t match." in body


def test_the_operators_page_messages_are_in_spanish(client, alice, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    url = reverse("accounts:instructors")
    granted = client.post(url, {"username": "alice", "action": "grant"}, follow=True)
    assert "alice ahora es instructor" in granted.content.decode()
    unknown = client.post(url, {"username": "ghost", "action": "grant"})
    assert unknown.status_code == 400
    assert "Ninguna cuenta tiene el nombre de usuario «ghost»." in unknown.content.decode()


# --- the rules a class sets ------------------------------------------------------------------


def rules(**overrides) -> WorkRules:  # type: ignore[no-untyped-def]
    fields = {
        "cohort_name": "Primavera", "due_at": None, "late": Late.ACCEPT,
        "penalty_percent": 0, "max_attempts": None,
        "feedback_before_due": "full", "feedback_after_due": "full",
    }  # fmt: skip
    fields.update(overrides)
    return WorkRules(**fields)


def test_work_rules_refuse_in_the_active_language():
    used_up = rules(max_attempts=2)
    late = rules(due_at=timezone.now() - timedelta(days=1), late=Late.REFUSE)
    with translation.override("es"):
        assert (
            used_up.refusal(attempts_used=2) == "Has usado los 2 intentos que permite «Primavera»."
        )
        assert late.refusal(attempts_used=0).endswith(
            "«Primavera» no acepta entregas fuera de plazo."
        )
    with translation.override("en"):
        assert used_up.refusal(attempts_used=2) == (
            "You have used all 2 attempts “Primavera” allows."
        )
        assert rules(max_attempts=1).refusal(attempts_used=1) == (
            "You have used all 1 attempt “Primavera” allows."
        )


def test_exam_rules_refuse_in_the_active_language():
    closed = ExamRules(
        cohort_name="Primavera", opens_at=None, closes_at=timezone.now() - timedelta(hours=1),
        duration_minutes=None, extra_minutes=0, max_attempts=None, show_solutions=False,
    )  # fmt: skip
    with translation.override("es"):
        assert (
            closed.refusal(attempts_used=0) == "El plazo del examen de «Primavera» se ha cerrado."
        )
    with translation.override("en"):
        assert closed.refusal(attempts_used=0) == "The exam window of “Primavera” has closed."
