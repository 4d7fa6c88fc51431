"""Taking a chapter quiz end to end in headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import pytest

from tests.browser.test_reading_journey import browser  # noqa: F401 (the shared browser fixture)
from tests.conftest import ARTIFACTS, TutorServer

pytestmark = pytest.mark.browser


def log_in(page, server: TutorServer) -> None:
    """Log in as the learner. No chapter page is opened: the reading journey
    expects a learner who has not started reading yet."""
    page.goto(f"{server.url}/quizzes/")
    if page.locator("button:has-text('Log out')").count():
        return  # the browser profile is shared by the module's tests
    page.goto(f"{server.url}/accounts/login/?next=/quizzes/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", server.learner_password)
    page.click("button[type=submit]")
    page.wait_for_url("**/quizzes/")


def answer(page, section) -> str:
    """Fill the question in whatever way its type asks for; returns the type."""
    form = section.locator("form.answer-form")
    if form.locator("input[name=option][type=radio]").count():
        form.locator("input[name=option]").first.check()
        return "single"
    if form.locator("input[name=option][type=checkbox]").count():
        form.locator("input[name=option]").first.check()
        return "multiple"
    if form.locator("input[name=answer]").count():
        form.locator("input[name=answer][value=true]").check()
        return "true_false"
    if form.locator("input[name=text]").count():
        form.locator("input[name=text]").fill("kube-proxy")
        return "short_answer"
    if form.locator("ol[data-ordering]").count():
        items = form.locator("ol[data-ordering] > li")
        last_text = items.last.locator(".ordering-text").inner_text()
        # Keyboard only: focus the last item's Up button and press Enter.
        items.last.locator(".move-up").focus()
        page.keyboard.press("Enter")
        assert items.nth(items.count() - 2).locator(".ordering-text").inner_text() == last_text
        positions = [s.input_value() for s in form.locator("select").all()]
        assert positions == [str(i + 1) for i in range(len(positions))]
        return "ordering"
    return "manifest"  # the starter as it is


def test_a_learner_takes_the_services_quiz(browser, tutor_server: TutorServer):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    log_in(page, tutor_server)
    page.click("text=Services quiz")
    page.click("text=Start the quiz")
    page.wait_for_url("**/quizzes/attempts/*/")
    seen = set()
    for number in range(1, 11):
        section = page.locator("section.quiz-question")
        assert f"Question {number}" in section.locator("h2").inner_text()
        seen.add(answer(page, section))
        # Mark the page: an htmx swap keeps the mark, a reload would lose it.
        page.evaluate("window.notReloaded = true")
        section.locator("button[type=submit]").click()
        page.locator("section.quiz-question .feedback").wait_for()
        assert page.evaluate("window.notReloaded === true")
        feedback = page.locator("section.quiz-question .feedback").inner_text()
        assert "point" in feedback
        if number == 1:
            page.screenshot(path=str(ARTIFACTS / "quiz-feedback.png"), full_page=True)
        if number < 10:
            page.click("text=Next question")
            page.wait_for_url(f"**?q={number + 1}")
    page.click("text=See your score")
    page.wait_for_url("**/review/")
    heading = page.locator("#score-heading").inner_text()
    assert "%" in heading
    assert page.locator("section.quiz-question").count() == 10
    page.screenshot(path=str(ARTIFACTS / "quiz-review.png"), full_page=False)

    page.goto(f"{tutor_server.url}/accounts/profile/")
    assert "Services quiz" in page.inner_text("table:has-text('Best score')")
    page.close()


def test_a_refused_answer_shows_its_message(browser, tutor_server: TutorServer):  # noqa: F811
    page = browser.new_page()
    log_in(page, tutor_server)
    page.goto(f"{tutor_server.url}/quizzes/")
    page.click("text=Kubernetes Architecture quiz")
    page.click("form[action$='/start'] button")
    page.wait_for_url("**/quizzes/attempts/*/")
    section = page.locator("section.quiz-question")
    answer(page, section)
    # A tampered request: whatever the form holds, the body names an option
    # the question does not have (or lacks the field its type needs).
    page.route("**/answer", lambda route: route.continue_(post_data="option=deadbeef"))
    section.locator("button[type=submit]").click()
    page.locator(".answer-error:not([hidden])").wait_for()
    assert page.inner_text(".answer-error").strip()
    assert page.locator(".feedback").count() == 0
    page.close()
