"""The interface's language: Accept-Language, the switcher's cookie, and the page cache.

The Spanish catalogue is compiled here when it is missing or older than its .po (as
`make` does), so that running this file alone tests the translation as shipped.
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
    for po in (PO, PO.with_name("djangojs.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


def spanish(client, url: str) -> str:  # type: ignore[no-untyped-def]
    return client.get(url, HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").content.decode()


def test_english_is_the_default_and_unchanged(client):
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Skip to content" in body
    assert 'aria-current="true">English</a>' in body


def test_accept_language_picks_spanish(client):
    body = spanish(client, "/")
    assert '<html lang="es">' in body
    assert "Saltar al contenido" in body
    assert "Skip to content" not in body
    assert 'aria-current="true">Español</a>' in body


def test_a_language_nobody_translated_falls_back_to_english(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="en">' in body


def test_the_switcher_sets_the_cookie_and_returns_to_the_page(client):
    chapter = Chapter.objects.get(number=9)
    url = chapter.get_absolute_url()
    response = client.get("/language/", {"language": "es", "next": url})
    assert response.status_code == 302
    assert response["Location"] == url
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "no-store" in response["Cache-Control"]
    body = client.get(url).content.decode()  # the cookie now picks Spanish, whatever the header
    assert '<html lang="es">' in body
    response = client.get("/language/", {"language": "en", "next": url})
    assert '<html lang="en">' in client.get(url).content.decode()


def test_the_switcher_refuses_unknown_languages_and_foreign_addresses(client):
    response = client.get("/language/", {"language": "xx", "next": "/search/"})
    assert response.status_code == 302 and response["Location"] == "/search/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    response = client.get("/language/", {"language": "es", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    response = client.get("/language/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.post("/language/", {"language": "es"}).status_code in (403, 405)


def test_the_switcher_is_in_every_page_footer_and_works_without_javascript(client):
    # Back to the same page; its query string is left out, so that nothing a link put
    # there (a hostile ?next=, say) is ever reflected into the footer.
    body = client.get("/accounts/login/?next=https://evil.example/").content.decode()
    assert '<nav class="language-switcher" aria-labelledby="language-switcher-label">' in body
    assert (
        '<a href="/language/?language=es&amp;next=/accounts/login/" lang="es" hreflang="es">'
        "Español</a>"
    ) in body
    assert "evil" not in body


@pytest.mark.parametrize("first", ["en", "es"])
def test_a_cached_anonymous_page_is_never_served_in_the_other_language(client, first):
    url = Chapter.objects.get(number=9).get_absolute_url()
    other = "es" if first == "en" else "en"
    # The first request fills the page cache, in its language.
    kept = client.get(url, HTTP_ACCEPT_LANGUAGE=first).content.decode()
    assert f'<html lang="{first}">' in kept
    again = client.get(url, HTTP_ACCEPT_LANGUAGE=first)
    assert again.content.decode() == kept  # a hit
    assert "Accept-Language" in again["Vary"]
    by_header = client.get(url, HTTP_ACCEPT_LANGUAGE=other).content.decode()
    assert f'<html lang="{other}">' in by_header
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = other
    by_cookie = client.get(url, HTTP_ACCEPT_LANGUAGE=first).content.decode()
    assert f'<html lang="{other}">' in by_cookie
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert client.get(url, HTTP_ACCEPT_LANGUAGE=first).content.decode() == kept


def test_scripts_get_their_words_from_the_catalogue_on_spanish_pages_only(client):
    english = client.get("/").content.decode()
    assert "/jsi18n/" not in english  # English pages load nothing more than before
    spanish_page = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    script = '<script src="/jsi18n/" defer></script>'
    assert script in spanish_page
    assert spanish_page.index(script) < spanish_page.index("js/tutor.")  # defined before it is used
    catalog = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '"Copy": "Copiar"' in catalog
    assert '"Move up:": "Subir:"' in catalog
    assert '"Copy"' not in client.get("/jsi18n/").content.decode()
