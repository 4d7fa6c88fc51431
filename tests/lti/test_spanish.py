"""The LTI pages in Spanish: by the browser's Accept-Language, or by the launch's own locale.

The LMS is the independent platform of tests/lti/platform.py (lti1p3platform over HTTP);
for the launch locale, its launch message gains the LTI 1.3 launch_presentation claim
with a ``locale`` (signed by the platform like every other claim). The English pages are
checked unchanged alongside.
"""

from __future__ import annotations

import base64
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from lti_tool.models import LtiRegistration

from lti.models import CourseClass
from quizzes.models import Quiz
from tests.lti.conftest import CLIENT, UserAgent
from tests.lti.platform import HarnessLaunch, TestPlatform

pytestmark = pytest.mark.django_db

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
PRESENTATION = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation"
SPANISH_BROWSER = "es-ES,es;q=0.9"


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


def launch_locale(monkeypatch, locale: str) -> None:  # type: ignore[no-untyped-def]
    """The platform's launches say this locale (launch_presentation.locale)."""
    original = HarnessLaunch.get_launch_message

    def with_locale(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        message = original(self, *args, **kwargs)
        message[PRESENTATION] = {"document_target": "iframe", "locale": locale}
        return message

    monkeypatch.setattr(HarnessLaunch, "get_launch_message", with_locale)


def spanish_browser() -> UserAgent:
    ua = UserAgent()
    ua.http.headers["Accept-Language"] = SPANISH_BROWSER
    return ua


def quiz() -> Quiz:
    return Quiz.objects.published().order_by("chapter__number").first()


def place(platform: TestPlatform, course: str, key: str):  # type: ignore[no-untyped-def]
    return platform.add_resource_link(
        CLIENT, course, "Placed item", {"item": key}, score_maximum=100
    )


# --- dynamic registration ---------------------------------------------------------------------


def test_the_registration_page_follows_the_browser(client):
    url = "/lti/register/?openid_configuration=https://lms.example/.well-known/openid-configuration"
    english = client.get(url).content.decode()
    assert '<html lang="en">' in english and "Register LFS158 Tutor in your LMS" in english
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE=SPANISH_BROWSER)
    assert spanish.status_code == 200
    body = spanish.content.decode()
    assert '<html lang="es">' in body
    assert "Registra LFS158 Tutor en tu LMS" in body
    assert "Registrar el tutor</button>" in body
    assert "Register LFS158 Tutor" not in body


def test_a_registration_opened_by_hand_is_refused_in_spanish(client):
    answer = client.get("/lti/register/", HTTP_ACCEPT_LANGUAGE=SPANISH_BROWSER)
    assert answer.status_code == 400
    assert (
        answer.content.decode() == "Abre esta página desde el registro de herramientas de tu LMS."
    )
    assert client.get("/lti/register/").content.decode() == (
        "Open this page from your LMS's tool registration."
    )


def test_a_refused_registration_says_why_in_spanish(platform, tool, course):
    ua = spanish_browser()
    token = platform.new_registration_token()
    start = (
        f"{tool}/lti/register/?openid_configuration={platform.base_url}/.well-known/openid-configuration"
        f"&registration_token={token}"
    )
    done = ua.submit(ua.http.get(start, timeout=10))
    assert done.status_code == 200 and "LFS158 Tutor está registrado" in done.text, done.text
    assert "Puedes cerrar esta ventana." in done.text and "data-lti-close" in done.text
    # The token was for one registration: the LMS refuses the second, and the page says so.
    again = ua.submit(ua.http.get(start, timeout=10))
    assert again.status_code == 400
    assert "No se ha podido leer la configuración del LMS:" in again.text
    assert "No se ha registrado nada. Empieza el registro de nuevo desde tu LMS." in again.text
    assert "Nothing was registered" not in again.text
    assert LtiRegistration.objects.count() == 1


# --- the browser's language -------------------------------------------------------------------


def test_the_picker_follows_the_browser(platform, tool, course, registered):
    launch = spanish_browser().launch(platform, "u-teacher", course, deep_link=True)
    assert launch.response.status_code == 200, launch.response.text
    body = launch.response.text
    assert '<html lang="es">' in body
    assert "Añadir contenido de LFS158 Tutor a LFS158 Spring" in body
    assert f"Cuestionario: {quiz().title}" in body
    assert '<span class="badge">con nota</span>' in body
    assert "Añadir al curso</button>" in body
    english = UserAgent().launch(platform, "u-teacher", course, deep_link=True).response.text
    assert "Add LFS158 Tutor content to LFS158 Spring" in english
    assert f"Quiz: {quiz().title}" in english and '<html lang="en">' in english


def test_a_forged_launch_is_refused_in_the_browsers_language(platform, tool, course, registered):
    ua = spanish_browser()
    link = place(platform, course, f"quiz:{quiz().uuid}")
    form = ua.begin_launch(platform, "u-alice", course, resource_link_id=link.resource_link_id)
    fields = dict(form["fields"])
    header, payload, signature = fields["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims[PRESENTATION] = {"locale": "en"}  # a forged claim picks nothing
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    refused = ua.http.post(
        form["action"], data={**fields, "id_token": f"{header}.{forged}.{signature}"}, timeout=10
    )
    assert refused.status_code == 403
    assert '<html lang="es">' in refused.text
    assert "El tutor no ha podido abrir esta actividad" in refused.text
    assert "Inicio LTI rechazado:" in refused.text
    # Nothing proves which LMS sent it: no LMS may frame the page.
    assert platform.base_url not in refused.headers["Content-Security-Policy"]


def test_a_stale_picker_is_refused_in_spanish(tool):
    ua = spanish_browser()
    stale = ua.http.post(f"{tool}/lti/deep-link/", data={"token": "forged"}, timeout=10)
    assert stale.status_code == 403
    assert "esta página ha caducado: añade el contenido de nuevo desde el LMS" in stale.text


# --- the launch's own locale ------------------------------------------------------------------


def test_the_launch_locale_picks_spanish_for_the_picker_and_the_lms(
    platform, tool, course, registered, monkeypatch
):
    launch_locale(monkeypatch, "es-ES")
    ua = UserAgent()  # the browser asks for nothing: the LMS knows its user's language
    launch = ua.launch(platform, "u-teacher", course, deep_link=True)
    assert launch.response.status_code == 200, launch.response.text
    assert launch.response.headers["Content-Language"] == "es"
    assert "Añadir contenido de LFS158 Tutor a LFS158 Spring" in launch.response.text
    back = ua.submit(launch.response, item=[f"quiz:{quiz().uuid}"])
    assert back.status_code == 200, back.text
    assert "Añadiendo 1 elemento a tu curso…" in back.text
    assert "Continuar al LMS</button>" in back.text
    assert ua.submit(back).status_code == 200
    [answer] = platform.deep_link_responses
    assert [item["title"] for item in answer["items"]] == [f"Cuestionario: {quiz().title}"]


def test_the_launch_locale_wins_over_the_browser(platform, tool, course, registered, monkeypatch):
    launch_locale(monkeypatch, "en-US")
    link = place(platform, course, f"quiz:{quiz().uuid}")
    launch = spanish_browser().launch(
        platform, "u-alice", course, resource_link_id=link.resource_link_id
    )
    assert launch.response.status_code == 200
    assert "Open in LFS158 Tutor" in launch.response.text
    assert '<html lang="en">' in launch.response.text


def test_a_student_launch_in_spanish_then_the_tutor(
    platform, tool, course, registered, monkeypatch
):
    launch_locale(monkeypatch, "es_ES")  # as some LMSs write it
    link = place(platform, course, f"quiz:{quiz().uuid}")
    ua = UserAgent()
    launch = ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id)
    assert launch.response.status_code == 200, launch.response.text
    body = launch.response.text
    assert "Abrir en LFS158 Tutor" in body
    assert "El enlace funciona una vez, durante cinco minutos." in body
    assert ua.open_in_tutor(launch).status_code == 200


def test_a_language_the_tutor_lacks_leaves_the_browsers(
    platform, tool, course, registered, monkeypatch
):
    launch_locale(monkeypatch, "fr-FR")
    link = place(platform, course, f"quiz:{quiz().uuid}")
    spanish = spanish_browser().launch(
        platform, "u-alice", course, resource_link_id=link.resource_link_id
    )
    assert "Abrir en LFS158 Tutor" in spanish.response.text
    english = UserAgent().launch(
        platform, "u-alice", course, resource_link_id=link.resource_link_id
    )
    assert "Open in LFS158 Tutor" in english.response.text


def test_a_genuine_launch_refused_is_in_its_language_and_framed_by_its_lms(
    platform, tool, course, registered, monkeypatch
):
    launch_locale(monkeypatch, "es")
    refused = UserAgent().launch(platform, "u-alice", course, deep_link=True)
    assert refused.response.status_code == 403
    body = refused.response.text
    assert "Inicio LTI rechazado: solo los instructores del curso pueden añadir contenido" in body
    assert "Vuelve a tu curso y abre la actividad de nuevo." in body
    assert refused.response.headers["Content-Language"] == "es"
    policy = refused.response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {platform.base_url}" in policy


def test_a_refused_launch_in_english_is_unchanged(platform, tool, course, registered):
    refused = UserAgent().launch(platform, "u-alice", course, deep_link=True)
    assert refused.response.status_code == 403
    assert (
        "LTI launch refused: only the course&#x27;s instructors can add tutor content"
        in refused.response.text
    )


# --- the instructor's page of the LMS link ----------------------------------------------------


def test_the_instructors_lms_page_in_spanish(platform, tool, course, registered):
    link = place(platform, course, f"quiz:{quiz().uuid}")
    teacher = spanish_browser()
    teacher.open_in_tutor(
        teacher.launch(platform, "u-teacher", course, resource_link_id=link.resource_link_id)
    )
    cohort = CourseClass.objects.get().cohort
    page = teacher.http.get(f"{tool}/instructor/classes/{cohort.pk}/lms/", timeout=10)
    assert page.status_code == 200
    assert f"{cohort.name} en el LMS" in page.text
    assert "Curso del LMS <strong>LFS158 Spring</strong>." in page.text
    assert "Leer la lista de participantes del LMS</button>" in page.text
    assert "Notas enviadas al libro de calificaciones del LMS" in page.text
    assert "Todavía no hay notas." in page.text
    synced = teacher.http.post(
        f"{tool}/instructor/classes/{cohort.pk}/lms/roster",
        data={"csrfmiddlewaretoken": teacher.http.cookies.get("csrftoken")},
        headers={"Referer": page.url}, timeout=10,
    )  # fmt: skip
    assert synced.status_code == 200
    assert "Se está leyendo la lista de participantes del LMS" in synced.text
