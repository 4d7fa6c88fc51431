"""In Chromium: the exercise page shows the problems of what the editor holds, and nothing
green that did not pass (issue: "No problems found" above a starter with errors)."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_reading_journey import browser  # noqa: F401  (shared Chromium)
from tests.conftest import ARTIFACTS, TutorServer

pytestmark = pytest.mark.browser

EXERCISE = "/chapters/kubernetes-building-blocks/exercises/nginx-deployment/"


def test_the_starter_and_a_failed_attempt_open_with_their_problems(
    browser,  # noqa: F811
    tutor_server: TutorServer,
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    page.goto(f"{tutor_server.url}/accounts/login/?next={EXERCISE}")
    if page.locator("#id_username").count():
        page.fill("#id_username", "learner")
        page.fill("#id_password", tutor_server.learner_password)
        page.click("button[type=submit]")
    page.goto(f"{tutor_server.url}{EXERCISE}")
    page.locator(".cm-content").wait_for()
    status = page.locator("#live-status")
    # No keystroke: the starter's own problems are there from the start.
    page.wait_for_function("document.querySelector('#live-status').textContent.length > 0")
    assert re.match(r"\d+ errors?, \d+ warnings?", status.inner_text()), status.inner_text()
    assert page.locator("#live-findings li").count() > 0
    assert page.locator(".cm-lintRange-error").count() > 0

    # Submit the starter as it is, then reload: the attempt's problems, not "No problems found".
    page.click("text=Check my manifest")
    page.locator("#exercise-result h3").wait_for()
    page.reload()
    page.locator(".cm-content").wait_for()
    page.wait_for_function("document.querySelector('#live-status').textContent.length > 0")
    assert "No problems found" not in status.inner_text()
    assert "Not yet" in page.inner_text("#exercise-result h3")
    valid_row = page.locator('#exercise-result li[data-check="valid"]')
    assert "rule-failed" in (valid_row.get_attribute("class") or "")
    assert page.locator("#exercise-result li.rule-passed").count() == 0
    page.screenshot(path=str(ARTIFACTS / "exercise-failed-attempt.png"), full_page=True)
    page.close()
