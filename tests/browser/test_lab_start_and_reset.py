"""A troubleshooting lab's Start and Reset, with the keyboard only, in headless Chromium."""

from __future__ import annotations

import pytest

from tests.browser.test_reading_journey import browser  # noqa: F401  (shared Chromium)
from tests.conftest import ARTIFACTS, TutorServer

pytestmark = pytest.mark.browser
LAB = "/labs/service-no-endpoints/"


def tab_to(page, text: str, limit: int = 120) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element reads ``text``, as a keyboard user would."""
    for _ in range(limit):
        if "xterm-helper-textarea" in page.evaluate("document.activeElement.className || ''"):
            page.keyboard.press("Escape")  # the terminal keeps Tab; Escape lets the next one out
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == text:
            return
    pytest.fail(f"{text!r} is not reachable with Tab")


def test_start_and_reset_are_reachable_and_work_by_keyboard(browser, tutor_server: TutorServer):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{tutor_server.url}/accounts/login/?next={LAB}")
    page.fill("#id_username", "learner")
    page.fill("#id_password", tutor_server.learner_password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{LAB}")
    panel = page.locator("#lab-state")
    assert "This lab starts broken" in panel.inner_text()
    assert "Deployment catalog" in panel.inner_text()

    tab_to(page, "Start the lab")
    tab_to(page, "Reset the lab…")
    page.screenshot(path=str(ARTIFACTS / "lab-start-and-reset.png"))
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{LAB}reset")
    assert page.locator("h1").inner_text() == "Reset your workspace for this lab?"
    assert "Service catalog" in page.inner_text(".reset-summary")

    # Cancel with the keyboard: nothing is reset, and the student is back on the lab.
    tab_to(page, "Cancel, keep my work")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{LAB}")
    assert "Not started yet" in page.inner_text("#lab-state")
    page.close()
