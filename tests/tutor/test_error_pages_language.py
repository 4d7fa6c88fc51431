"""403 pages (permission, CSRF), the language switcher's names, Django's own words in tú."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from exercises.models import Exercise

pytestmark = pytest.mark.django_db

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
SPANISH = "es-ES,es;q=0.9"


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            SPANISH,
            ["Esta página no es para tu cuenta", "Solo los instructores pueden ver esta página."],
        ),
        ("", ["This page is not for your account", "Only instructors can see this page."]),
    ],
)
def test_a_student_on_an_instructors_page_gets_the_sites_403_page(client, alice, language, words):
    client.force_login(alice)
    response = client.get("/instructor/classes/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    body = response.content.decode()
    assert '<footer class="site-footer">' in body  # the site's page, not a bare "403 Forbidden"
    for text in words:
        assert text in body
    assert "<code>/instructor/classes/</code>" in body


@pytest.mark.parametrize(
    ("language", "heading"),
    [(SPANISH, "No se pudo enviar este formulario"), ("", "This form could not be sent")],
)
def test_a_form_refused_by_the_csrf_check_gets_the_sites_page(alice, language, heading):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(
        "/accounts/password/", {"old_password": "x"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert heading in body and '<footer class="site-footer">' in body
    assert "CSRF token" not in body  # Django's reason is for developers, not on the page
    assert "porqué" not in body and "usted" not in body


def test_the_switcher_names_each_language_in_that_language(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    assert 'lang="en" hreflang="en">English</a>' in body
    assert "Inglés" not in body


def test_djangos_own_messages_say_tu_like_the_rest_of_the_tutor(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE=SPANISH
    )
    body = response.content.decode()
    assert "Escribe un nombre de usuario y una contraseña correctos." in body
    assert "introduzca" not in body.lower()
    response = client.post(
        "/accounts/signup/",
        {"username": "ana", "password1": "12345678", "password2": "12345678"},
        HTTP_ACCEPT_LANGUAGE=SPANISH,
    )
    body = response.content.decode()
    assert "Tu contraseña no puede tener solo números." in body or (
        "Esta contraseña es completamente numérica." in body
    )
    assert "Su contraseña" not in body and "carácteres" not in body


def test_an_exercises_difficulty_is_in_the_readers_language(client):
    exercise = Exercise.objects.filter(is_published=True).first()
    assert exercise is not None
    english = client.get(exercise.get_absolute_url()).content.decode()
    spanish = client.get(exercise.get_absolute_url(), HTTP_ACCEPT_LANGUAGE=SPANISH).content.decode()
    with translation.override("en"):
        shown = str(exercise.get_difficulty_display())
    assert f"· {shown} ·" in english
    assert f"· {shown} ·" not in spanish
