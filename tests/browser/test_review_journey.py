"""The study loop in headless Chromium: miss a quiz question, meet it again on the Review page.

A missed question comes back ten minutes later; the test moves the card's
due time into the past in the server's database instead of waiting. The
Review page is then used with the keyboard alone.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.test_reading_journey import browser  # noqa: F401 (the shared browser fixture)
from tests.conftest import ARTIFACTS, TutorServer

pytestmark = pytest.mark.browser
PASSWORD = "review-journey-pw-1"
# From the top of the page, the skip link, the site's navigation and search come
# first; the question's first answer must follow without a long detour.
MAX_TABS_TO_THE_ANSWER = 15


def sign_up(page, server: TutorServer, username: str) -> None:
    page.goto(f"{server.url}/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def make_cards_due(server: TutorServer, username: str) -> int:
    """Time passes: every card of this student is due a minute ago."""
    past = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(server.data_dir / "db.sqlite3", timeout=30) as db:
        changed = db.execute(
            "UPDATE quizzes_reviewcard SET due = ? WHERE user_id = "
            "(SELECT id FROM auth_user WHERE username = ?)",
            (past, username),
        ).rowcount
    return changed


def miss_the_quiz(page, server: TutorServer) -> None:
    page.goto(f"{server.url}/quizzes/")
    page.click("text=Container Orchestration quiz")
    page.click("text=Start the quiz")
    page.wait_for_url("**/quizzes/attempts/*/")
    for number in (1, 2, 3):
        form = page.locator("section.quiz-question form.answer-form")
        if form.locator("input[type=radio]").count():
            form.locator("input[type=radio]").last.check()
        else:
            form.locator("input[name=text]").fill("certainly not this")
        form.locator("button[type=submit]").click()
        page.locator("section.quiz-question .feedback").wait_for()
        if number < 3:
            page.click("text=Next question")
            page.wait_for_url(f"**?q={number + 1}")
    page.click("text=See your score")
    page.wait_for_url("**/review/")
    assert "your review page" in page.inner_text(".quiz-score")


def tab_to_the_first_answer(page) -> int:
    """Press Tab from the top of the page until an answer control has focus."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for presses in range(1, MAX_TABS_TO_THE_ANSWER + 1):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "!!(document.activeElement && document.activeElement.closest('#review-question form'))"
        )
        if inside:
            return presses
    raise AssertionError(f"no answer control within {MAX_TABS_TO_THE_ANSWER} Tab presses")


def answer_by_keyboard(page) -> None:
    kind = page.evaluate("document.activeElement.type")
    if kind == "radio":
        page.keyboard.press("Space")
    else:
        page.keyboard.type("certainly not this")
    page.evaluate("window.notReloaded = true")
    page.keyboard.press("Enter")


def test_a_missed_question_comes_back_on_the_review_page(browser, tutor_server: TutorServer):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    page.goto(f"{tutor_server.url}/")
    if page.locator("button:has-text('Log out')").count():
        page.click("button:has-text('Log out')")
    sign_up(page, tutor_server, "reviewer")
    page.goto(f"{tutor_server.url}/review/")
    assert "Nothing to review right now" in page.inner_text("main")
    assert "When you miss a question in a chapter quiz" in page.inner_text("main")

    miss_the_quiz(page, tutor_server)
    page.click("nav.site-nav >> text=Review")
    page.wait_for_url("**/review/")
    assert "The next question comes back in about" in page.inner_text(".review-empty")

    due = make_cards_due(tutor_server, "reviewer")
    assert due >= 1
    answered = 0
    page.reload()
    while page.locator("#review-question").count():
        assert page.locator("#review-question .feedback").count() == 0
        presses = tab_to_the_first_answer(page)
        assert presses <= MAX_TABS_TO_THE_ANSWER
        answer_by_keyboard(page)
        page.locator("#review-question .feedback").wait_for()
        assert page.evaluate("window.notReloaded === true"), "the answer reloaded the page"
        # Focus moves to the verdict (once htmx settles), so a screen reader reads it first.
        page.wait_for_function(
            "document.activeElement && document.activeElement.classList.contains('feedback-verdict')",
            timeout=5000,
        )
        after = page.inner_text(".review-after")
        assert "This question comes back in about" in after
        answered += 1
        if answered == 1:
            page.screenshot(path=str(ARTIFACTS / "review-feedback.png"), full_page=True)
        link = page.locator(".review-after a:has-text('Next question')")
        if not link.count():
            link = page.locator(".review-after a:has-text('See when the next one comes back')")
        link.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert answered <= due, "a question came back twice in one sitting"
    assert answered == due
    assert "Nothing to review right now" in page.inner_text("main")
    page.screenshot(path=str(ARTIFACTS / "review-done.png"), full_page=True)
    page.close()
