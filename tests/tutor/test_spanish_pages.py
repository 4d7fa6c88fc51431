"""The pages a new Spanish-speaking student meets first, in Spanish; the English ones unchanged.

By Accept-Language and by the switcher's cookie, on the real course (whose first chapter
is translated).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command

from lessons.models import Chapter

pytestmark = pytest.mark.django_db

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


@pytest.fixture(autouse=True)
def course(real_course):  # type: ignore[no-untyped-def]
    return real_course


def pages() -> dict[str, str]:
    return {
        "home": "/",
        "chapter": Chapter.objects.get(number=1).get_absolute_url(),
        "login": "/accounts/login/",
    }


SPANISH = {
    "home": ["<h1>Introducción a Kubernetes</h1>", "Capítulos", "Orquestación de contenedores"],
    "chapter": [
        "Orquestación de contenedores",
        "Al terminar este capítulo podrás",
        "En esta página",
    ],
    "login": ["<h1>Iniciar sesión</h1>", "¿Eres nuevo?", "Crea una cuenta", "Contraseña"],
}
ENGLISH = {
    "home": ["<h1>Introduction to Kubernetes</h1>", ">Chapters</h2>", "Container Orchestration"],
    "chapter": [
        "<h1>Container Orchestration</h1>",
        "By the end of this chapter you can",
        "On this page",
    ],
    "login": ["<h1>Log in</h1>", "New here?", "Create an account", "Password"],
}


# Quiz, exercise and lab titles are course content, which stays in English: the
# chapter page's quiz is named "Container Orchestration quiz".
def assert_spanish(name: str, body: str) -> None:
    assert '<html lang="es">' in body, name
    assert "Saltar al contenido" in body and "Skip to content" not in body, name
    for text in SPANISH[name]:
        assert text in body, (name, text)
    for text in ENGLISH[name]:
        assert text not in body, (name, text)


@pytest.mark.parametrize("name", ["home", "chapter", "login"])
def test_accept_language_es_gives_spanish_pages(client, name):
    response = client.get(pages()[name], HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert response.status_code == 200
    assert_spanish(name, response.content.decode())


@pytest.mark.parametrize("name", ["home", "chapter", "login"])
def test_the_switchers_cookie_gives_spanish_pages(client, name):
    url = pages()[name]
    switched = client.get("/language/", {"language": "es", "next": url})
    assert switched["Location"] == url
    # The cookie wins over a browser that asks for English.
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert_spanish(name, body)


@pytest.mark.parametrize("name", ["home", "chapter", "login"])
def test_english_pages_are_unchanged(client, name):
    body = client.get(pages()[name]).content.decode()
    assert '<html lang="en">' in body
    for text in ENGLISH[name]:
        assert text in body, (name, text)
    for text in SPANISH[name]:
        assert text not in body, (name, text)


def test_a_spanish_login_error_is_in_spanish(client):
    response = client.post(
        "/accounts/login/",
        {"username": "nobody", "password": "wrong-password-1"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    body = response.content.decode()
    assert '<html lang="es">' in body
    assert "Escribe un nombre de usuario y una contraseña correctos" in body  # tú, as everywhere


def test_dates_follow_the_locale(client, alice):
    from django.utils import timezone

    from lessons.models import ChapterProgress

    chapter = Chapter.objects.get(number=1)
    when = timezone.now().replace(month=12, day=5)
    ChapterProgress.objects.create(user=alice, chapter=chapter, last_visited_at=when)
    client.force_login(alice)
    english = client.get("/accounts/profile/").content.decode()
    spanish = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f"{when.day} Dec {when.year}" in english
    assert f"{when.day} Dic {when.year}" in spanish or f"{when.day} dic {when.year}" in spanish
