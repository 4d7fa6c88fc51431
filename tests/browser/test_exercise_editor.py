"""Typing a mistake into the exercise editor marks the right line, live."""

from __future__ import annotations

import pytest

from tests.browser.test_reading_journey import browser  # noqa: F401  (shared Chromium)
from tests.conftest import ARTIFACTS, TutorServer

pytestmark = pytest.mark.browser

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


def test_a_typed_mistake_is_marked_on_its_line(browser, tutor_server: TutorServer):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{tutor_server.url}/chapters/kubernetes-building-blocks/exercises/nginx-deployment/")
    editor = page.locator(".cm-content")
    editor.wait_for()
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    # Type line by line: CodeMirror keeps the indentation of the previous line,
    # so insert each line as text.
    for line in MANIFEST.splitlines():
        page.keyboard.insert_text(line + "\n")
        page.keyboard.press("Home")
        page.keyboard.press("Shift+Home")
    page.locator(".cm-lintRange-error").first.wait_for(timeout=10_000)
    marked = page.locator(".cm-line", has=page.locator(".cm-lintRange-error")).first.inner_text()
    assert marked.strip().startswith("replica: 3")
    findings = page.locator("#live-findings")
    assert "Line 6" in findings.inner_text()
    assert "did you mean" in findings.inner_text()
    page.screenshot(path=str(ARTIFACTS / "exercise-editor-mistake.png"))

    # The list is keyboard-reachable and moves the cursor to the line.
    page.locator("#live-findings button").first.click()
    assert page.evaluate("document.activeElement.closest('.cm-editor') !== null")
    page.close()
