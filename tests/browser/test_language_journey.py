"""Switching to Spanish by keyboard in Chromium: the interface, the scripts' words, the fallback.

The test course's chapters have no Spanish translation, so a chapter shows the English
text, marked as such, inside a Spanish interface.
"""

from __future__ import annotations

import shutil

import pytest

from tests.browser.test_reading_journey import CHROMIUM_ARGS
from tests.conftest import TutorServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run `make test-deps`")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900}, locale="en-US",
        )  # fmt: skip
        yield context
        context.close()


def test_switch_to_spanish_by_keyboard_and_back(browser, tutor_server: TutorServer):
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{tutor_server.url}/chapters/container-orchestration/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".code-block .copy-button").first.inner_text() == "Copy"

    # The switcher by keyboard: focus the link, press Enter; the same page comes back.
    spanish = page.locator(".language-switcher a[lang=es]")
    spanish.focus()
    spanish.press("Enter")
    page.wait_for_url("**/chapters/container-orchestration/")
    page.locator("html[lang=es]").wait_for()
    assert page.locator(".language-switcher a[aria-current=true]").inner_text() == "Español"
    assert page.locator(".skip-link").first.inner_text() == "Saltar al contenido"
    # No translation of this chapter: its text is English, marked so, with a note.
    assert page.locator(".prose[lang=en]").count() == 1
    assert "aún no está traducido" in page.inner_text(".chapter-header")
    # The scripts' words come from Django's JavaScript catalog, under the page's CSP.
    assert page.locator(".code-block .copy-button").first.inner_text() == "Copiar"
    assert (
        page.locator(".code-block .copy-button").first.get_attribute("aria-label")
        == "Copiar el código al portapapeles"
    )

    page.goto(f"{tutor_server.url}/accounts/login/")
    assert page.locator("h1").inner_text() == "Iniciar sesión"

    english = page.locator(".language-switcher a[lang=en]")
    english.focus()
    english.press("Enter")
    page.locator("html[lang=en]").wait_for()
    assert page.locator("h1").inner_text() == "Log in"
    assert problems == []
