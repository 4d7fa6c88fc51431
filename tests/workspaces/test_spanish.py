"""The workspace pages and the terminal in Spanish: the terminal page, the own-cluster page
(its form, its errors, its saved state), what the terminal's WebSocket says (in the language of
the page that opened it), and the words exam.js and terminal.js draw from the JavaScript
catalogue; English unchanged by default.
"""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.workspaces.terminal_helpers import Tab, run
from workspaces.terminal.words import language_of, say, sentence

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
PAGE = "/labs/my-cluster/"
KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: kind, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: me, user: {token: s3cr3t-token}}]
contexts: [{name: kind-lab, context: {cluster: kind, user: me, namespace: labs}}]
current-context: kind-lab
"""


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    for po in (PO, PO.with_name("djangojs.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


@pytest.fixture
def local_mode(settings):  # type: ignore[no-untyped-def]
    settings.TUTOR_MODE = "local"
    settings.TUTOR_TERMINAL = True
    settings.TUTOR_TERMINAL_CONNECTS_PER_MINUTE = 100


@pytest.fixture
def own_clusters(settings):  # type: ignore[no-untyped-def]
    settings.TUTOR_STUDENT_CLUSTERS = True
    settings.TUTOR_STUDENT_CLUSTER_ALLOWED = ["127.0.0.1:1"]  # nothing listens on port 1


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.django_db
def test_the_terminal_page_is_in_spanish(alice_client, local_mode):
    text = visible_text(alice_client.get("/terminal/", **SPANISH).content.decode())
    for spanish in (
        "Tu terminal",
        "Un shell con kubectl en tu espacio de nombres",
        "Todo lo que escribes va al shell (Tab completa).",
        "Un terminal por estudiante",
        "minutos sin escribir",
        "Maximizar",
    ):
        assert spanish in text, spanish
    for english in ("A shell with", "Everything you type", "One terminal per student", "Maximise"):
        assert english not in text, english
    english = visible_text(alice_client.get("/terminal/").content.decode())
    assert "Everything you type goes to the shell" in english and "One terminal per" in english


@pytest.mark.django_db
def test_the_own_cluster_page_its_form_and_its_answers_are_in_spanish(alice_client, own_clusters):
    text = visible_text(alice_client.get(PAGE, **SPANISH).content.decode())
    for spanish in (
        "Tu propio clúster para los laboratorios",
        "Subir un kubeconfig",
        "Archivo kubeconfig",
        "…o pégalo",
        "Contexto",
        "Vacío: el current-context del archivo.",
        "Espacio de nombres",
        "Guardar y probar",
        "Lo que acepta el tutor",
        "El servidor debe ser uno de los que permite tu operador:",
        "Tu instructor verá que estas puntuaciones vienen de tu propio clúster.",
    ):
        assert spanish in text, spanish
    for english in ("Your own cluster", "Upload a kubeconfig", "Kubeconfig file", "Save and test"):
        assert english not in text, english

    empty = alice_client.post(PAGE, {"kubeconfig": "  "}, **SPANISH)
    assert empty.status_code == 400
    assert "Elige un archivo kubeconfig o pega uno." in empty.content.decode()

    saved = alice_client.post(PAGE, {"kubeconfig": KUBECONFIG}, follow=True, **SPANISH)
    text = visible_text(saved.content.decode())
    assert "Guardado: tus laboratorios ahora se comprueban en tu propio clúster." in text
    for spanish in ("Servidor", "Última prueba", "probando la conexión…", "Probar la conexión",
                    "Sustituirlo", "Eliminar — usar el clúster del tutor"):  # fmt: skip
        assert spanish in text, spanish
    removed = alice_client.post(f"{PAGE}delete", follow=True, **SPANISH)
    assert "Eliminado: tus laboratorios vuelven a comprobarse en el clúster del tutor." in (
        removed.content.decode()
    )
    english = visible_text(alice_client.get(PAGE).content.decode())
    assert "Your own cluster for labs" in english and "Kubeconfig file" in english


@pytest.mark.django_db
def test_the_javascript_catalogue_has_the_exam_and_terminal_words(client):
    catalogue = client.get("/jsi18n/", **SPANISH).content.decode()
    for spanish in ("Quedan %(time)s", "Cargando el terminal…", "Conexión perdida: reconectando…",
                    "Observando (solo lectura)", "Restaurar"):  # fmt: skip
        assert json.dumps(spanish)[1:-1] in catalogue, spanish  # as the catalogue escapes it


# --- the WebSocket ---------------------------------------------------------------------------


def spanish_tab(cookie: str) -> Tab:
    tab = Tab(cookie)
    tab.ws.scope["headers"].append((b"accept-language", b"es-ES,es;q=0.9"))
    return tab


@pytest.fixture
def alice_cookie(client, alice, local_mode):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    return client.cookies["sessionid"].value


@pytest.mark.django_db(transaction=True)
def test_a_refusal_is_said_in_the_pages_language(alice_cookie, settings):
    settings.TUTOR_TERMINAL_CONNECTS_PER_MINUTE = 0

    async def body():
        tab = spanish_tab(alice_cookie)
        await tab.connect()
        event = await tab.wait_event("unavailable")
        assert event["code"] == 4029
        assert event["message"].startswith("Demasiadas conexiones al terminal")
        english = Tab(alice_cookie)
        await english.connect()
        assert "Too many" in (await english.wait_event("unavailable"))["message"]

    run(body)


@pytest.mark.django_db(transaction=True)
def test_an_idle_stop_is_said_in_the_pages_language(alice_cookie, settings):
    settings.TUTOR_TERMINAL_IDLE_SECONDS = 4
    settings.TUTOR_TERMINAL_IDLE_WARNING_SECONDS = 2

    async def body():
        tab = spanish_tab(alice_cookie)
        await tab.connect()
        await tab.wait_event("running")
        ended = await tab.wait_event("ended", timeout=15)
        assert ended["message"] == "Se detuvo tras 1 minuto sin escribir."
        assert "words" not in ended  # the consumer said it; the browser gets the sentence only

    run(body)


# --- words.py --------------------------------------------------------------------------------


def test_a_sentence_is_english_as_a_string_and_spanish_when_said():
    stopped = sentence("The shell ended with exit status {code}.", code=3)
    assert str(stopped) == "The shell ended with exit status 3."
    assert say(str(stopped), stopped.words(), "es") == "El shell terminó con el código de salida 3."
    assert say(str(stopped), stopped.words(), "en") == "The shell ended with exit status 3."
    # Plain sentences are looked up; words nobody translated stay as they are.
    assert say("Not your terminal.", None, "es") == "No es tu terminal."
    assert say("kwok: no exec found", None, "es") == "kwok: no exec found"
    assert say("", None, "es") == ""
    # Words that do not fit (a forged or broken event) fall back to the English.
    assert (
        say("fallback", ["The shell ended with exit status {code}.", "", 0, {}], "es") == "fallback"
    )


def test_the_language_is_the_cookie_else_accept_language_else_english():
    def scope(cookie: str | None = None, accept: str | None = None) -> dict:
        headers = [(b"accept-language", accept.encode())] if accept else []
        return {
            "headers": headers,
            "cookies": {settings.LANGUAGE_COOKIE_NAME: cookie} if cookie else {},
        }

    assert language_of(scope()) == "en"
    assert language_of(scope(accept="es-MX,es;q=0.9")) == "es"
    assert language_of(scope(cookie="en", accept="es")) == "en"
    assert language_of(scope(cookie="es")) == "es"
    assert language_of(scope(accept="fr-FR")) == "en"
