"""An instructor creates a class, a student joins it, the instructor reads the gradebook.

Headless Chromium against the tutor as `make run` serves it; the pages must
run under the site's content security policy without a violation.
"""

from __future__ import annotations

import os
import re

import pytest

from tests.browser.test_reading_journey import browser  # noqa: F401 (the shared browser fixture)
from tests.conftest import ARTIFACTS, TutorServer, manage

pytestmark = pytest.mark.browser

CREATE_INSTRUCTOR = """
from django.contrib.auth.models import Group, User
user, _ = User.objects.get_or_create(username="teacher")
user.set_password("teacher-pass-1")
user.save()
user.groups.add(Group.objects.get(name="instructors"))
"""


def log_in(page, server: TutorServer, username: str, password: str) -> None:
    page.goto(f"{server.url}/")
    if page.locator("button:has-text('Log out')").count():
        page.click("button:has-text('Log out')")
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_a_class_from_creation_to_gradebook(browser, tutor_server: TutorServer):  # noqa: F811
    env = {**os.environ, "TUTOR_DATA_DIR": str(tutor_server.data_dir)}
    manage(env, "shell", "-c", CREATE_INSTRUCTOR)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    problems: list[str] = []
    # The refused join answers 400 on purpose; what must not happen is a refused script or style.
    page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)

    log_in(page, tutor_server, "teacher", "teacher-pass-1")
    page.click("nav >> text=Teach")
    page.click("text=New class")
    page.fill("#id_name", "Browser class")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/instructor/classes/\d+/$"))
    code = page.locator(".join-code").inner_text().strip()
    assert re.fullmatch(r"[B-Z2-9]{4}-[B-Z2-9]{4}", code), code
    class_url = page.url

    log_in(page, tutor_server, "learner", tutor_server.learner_password)
    page.click("nav >> text=My classes")
    page.fill("#id_code", "nope")
    page.click("main button:has-text('Join')")
    assert "A join code has 8 letters and digits" in page.locator(".field-error").inner_text()
    page.fill("#id_code", code.lower())
    page.click("main button:has-text('Join')")
    assert "You joined the class “Browser class”." in page.locator(".messages").inner_text()
    page.screenshot(path=str(ARTIFACTS / "classes-student.png"), full_page=True)

    log_in(page, tutor_server, "teacher", "teacher-pass-1")
    page.goto(class_url)
    row = page.locator("table.gradebook tbody tr").first
    assert row.locator("th").inner_text() == "learner"
    page.screenshot(path=str(ARTIFACTS / "classes-gradebook.png"), full_page=True)
    page.click("table.gradebook >> text=learner")
    assert page.locator("h1").inner_text() == "learner"
    assert problems == [], problems
