"""The exercise editor in Spanish (a browser asking for Spanish): the live check's findings,
their quick fixes, the status line and CodeMirror's own panels, from the server's and the
JavaScript catalogue's Spanish. The English editor is tests/browser/test_exercise_editor.py.
"""

from __future__ import annotations

import shutil

import pytest

from tests.browser.test_reading_journey import CHROMIUM_ARGS
from tests.conftest import ARTIFACTS, TutorServer

pytestmark = pytest.mark.browser

URL = "/chapters/kubernetes-building-blocks/exercises/nginx-deployment/"
MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: webserver
spec:
  replica: 3
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: webserver
        image: nginx:alpine
"""


@pytest.fixture(scope="module")
def spanish_browser(tmp_path_factory):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run `make test-deps`")
    profile = tmp_path_factory.mktemp("chromium-profile-es")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900}, locale="es-ES",
        )  # fmt: skip
        yield context
        context.close()


def test_the_editor_speaks_spanish(spanish_browser, tutor_server: TutorServer):
    page = spanish_browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{tutor_server.url}{URL}")
    page.locator("html[lang=es]").wait_for()
    editor = page.locator(".cm-content")
    editor.wait_for()
    assert "Ctrl+Espacio sugiere lo que puede ir en el cursor" in page.inner_text("#editor-keys")
    assert page.locator(".editor-version label").inner_text() == "Versión de Kubernetes"

    # The whole text replaced at once, as a paste would (typing is tested in English).
    page.evaluate(
        """text => { const view = window.TutorEditor.get("manifest").view;
          view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}}); }""",
        MANIFEST,
    )
    page.locator("#live-findings", has_text="¿querías decir").wait_for(timeout=10_000)
    fix = page.locator("#live-findings .finding-fix").first
    findings = page.locator("#live-findings").inner_text()
    assert page.locator("#live-findings .finding-severity").first.text_content() == "Error"
    assert "Línea 6:" in findings
    assert "no es un campo de DeploymentSpec — ¿querías decir replicas?" in findings
    assert fix.inner_text() == "Arreglo: Renombrar replica a replicas"
    assert page.locator("#live-status").inner_text() == "1 error, 0 avisos"
    page.screenshot(path=str(ARTIFACTS / "exercise-editor-spanish.png"))

    fix.click()
    page.locator("#live-status", has_text="No se encontraron problemas").wait_for(timeout=10_000)
    assert "replicas: 3" in page.locator(".cm-content").inner_text()

    # CodeMirror's own words: the search panel.
    page.locator(".cm-content").click()
    page.keyboard.press("Control+f")
    search = page.locator(".cm-search input[name=search]")
    search.wait_for()
    assert search.get_attribute("placeholder") == "Buscar"
    assert problems == []
    page.close()
