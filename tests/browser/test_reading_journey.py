"""A student's first visit, in headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import ARTIFACTS, TutorServer

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run `make test-deps`")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=executable, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )  # fmt: skip
        yield context
        context.close()


def test_home_to_chapter_to_mark_done(browser, tutor_server: TutorServer):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    page.goto(f"{tutor_server.url}/accounts/login/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", tutor_server.learner_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{tutor_server.url}/")
    assert page.locator("h1").inner_text() == "Introduction to Kubernetes"
    assert "0 of 7 chapters done" in page.inner_text(".progress-summary")

    page.click("text=Start with chapter 1: Container Orchestration")
    page.wait_for_url("**/chapters/container-orchestration/")
    assert page.locator("h1").inner_text() == "Container Orchestration"
    assert page.locator(".code-block .copy-button").count() == page.locator(".code-block").count()

    page.click("text=Mark chapter as done")
    page.locator("#done-toggle .done-state").wait_for()
    assert "You marked this chapter as done" in page.inner_text("#done-toggle")
    # htmx swaps the sidebar's state out of band, without a reload (the new
    # class lands after htmx's settle delay, hence the wait).
    page.locator("#state-container-orchestration.is-done").wait_for()
    page.screenshot(path=str(ARTIFACTS / "chapter-marked-done.png"), full_page=False)

    page.goto(f"{tutor_server.url}/")
    assert "1 of 7 chapters done" in page.inner_text(".progress-summary")
    assert "Continue with chapter 2" in page.inner_text(
        ".hero"
    ) or "Start with chapter 2" in page.inner_text(".hero")
    page.screenshot(path=str(ARTIFACTS / "home-after-one-chapter.png"), full_page=True)
    page.close()


def test_keyboard_users_can_skip_to_the_content(browser, tutor_server: TutorServer):
    page = browser.new_page()
    page.goto(f"{tutor_server.url}/chapters/services/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.close()


def test_live_search_shows_highlighted_results(browser, tutor_server: TutorServer):
    page = browser.new_page()
    page.goto(f"{tutor_server.url}/search/")
    page.fill("#search-q", "ClusterIP")
    page.locator("#search-results mark").first.wait_for()
    assert page.locator("#search-results li").count() > 0
    assert "q=ClusterIP" in page.url
    page.close()
