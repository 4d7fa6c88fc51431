"""The instructor's everyday path in Chromium: made an instructor by an operator's page,
then from the navigation to quiz authoring, a question edited in the course's editor with
its problems on their lines, and the join code copied with a button."""

from __future__ import annotations

import os
import re

import pytest

from tests.browser.test_class_journey import log_in
from tests.browser.test_reading_journey import browser  # noqa: F401 (the shared browser fixture)
from tests.conftest import ARTIFACTS, TutorServer, manage

pytestmark = pytest.mark.browser

ACCOUNTS = """
from django.contrib.auth.models import User
for name, staff in (("operator", True), ("newteacher", False)):
    user, _ = User.objects.get_or_create(username=name, defaults={"is_staff": staff})
    user.set_password(name + "-pass-1")
    user.save()
"""


def test_from_operator_grant_to_a_checked_question(browser, tutor_server: TutorServer):  # noqa: F811
    env = {**os.environ, "TUTOR_DATA_DIR": str(tutor_server.data_dir)}
    manage(env, "shell", "-c", ACCOUNTS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.grant_permissions(["clipboard-read", "clipboard-write"])
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)

    log_in(page, tutor_server, "operator", "operator-pass-1")
    page.click("nav >> text=Instructors")
    page.fill("#id_username", "newteacher")
    page.click("main button:has-text('Make an instructor')")
    assert "newteacher is now an instructor" in page.locator(".messages").inner_text()

    log_in(page, tutor_server, "newteacher", "newteacher-pass-1")
    page.click("nav >> text=Teach")
    page.click("text=New class")
    page.fill("#id_name", "Path class")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/instructor/classes/\d+/$"))
    code = page.locator("#join-code").inner_text().strip()
    page.click("button:has-text('Copy the code')")
    assert page.evaluate("navigator.clipboard.readText()") == code

    page.click("nav >> text=Quizzes")
    page.click("main table >> text=Kubernetes quiz")
    page.locator("table a").first.click()
    editor = page.locator(".cm-content")
    editor.wait_for(timeout=10_000)
    assert page.locator(".cm-lineNumbers").count() == 1  # line numbers, as for exercises
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nanswr: true")
    lines = page.locator(".cm-line").count()
    page.locator(".cm-lintRange-error").first.wait_for(timeout=10_000)
    findings = page.locator("#question-findings").inner_text()
    assert f"Line {lines}" in findings and "answr" in findings, findings
    page.screenshot(path=str(ARTIFACTS / "quiz-question-editor.png"), full_page=True)
    assert problems == [], problems
