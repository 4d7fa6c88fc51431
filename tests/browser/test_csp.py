"""The Content-Security-Policy holds on every kind of page, in a real Chromium.

Each page is opened with the policy the server sends (Playwright does not
bypass it), and every violation is collected twice: from the console and from
``securitypolicyviolation`` events, listened to before any of the page's own
scripts run. The journey touches what could break the policy: htmx swaps
(answering a quiz question, a lab check polling), CodeMirror's injected styles
(which need the request's nonce), chapter diagrams, and htmx's indicator styles.
"""

from __future__ import annotations

import urllib.request
import uuid

import pytest

from tests.browser.test_quiz_journey import answer
from tests.browser.test_reading_journey import browser  # noqa: F401  (the shared Chromium)
from tests.conftest import TutorServer

pytestmark = pytest.mark.browser

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""

YAML_WITH_A_MISTAKE = """apiVersion: apps/v1
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


class Watched:
    """A page whose CSP violations and policy headers are recorded."""

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        self.page = context.new_page()
        self.console: list[str] = []
        self.policies: dict[str, str] = {}
        self.page.add_init_script(LISTEN)
        self.page.on("console", self._on_console)
        self.page.on("response", self._on_response)

    def _on_console(self, message) -> None:  # type: ignore[no-untyped-def]
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def _on_response(self, response) -> None:  # type: ignore[no-untyped-def]
        if response.request.resource_type == "document" or response.request.is_navigation_request():
            self.policies[response.url] = response.headers.get("content-security-policy", "")

    def violations(self) -> list[str]:
        events = self.page.evaluate("window.__cspViolations || []")
        return [*self.console, *events]


def sign_up(watched: Watched, server: TutorServer) -> None:
    """An account of this test's own: the shared learner's progress stays as other tests expect."""
    page = watched.page
    page.goto(f"{server.url}/accounts/signup/")
    password = "csp-Passphrase-" + uuid.uuid4().hex[:8]
    page.fill("#id_username", f"csp-{uuid.uuid4().hex[:8]}")
    page.fill("#id_password1", password)
    page.fill("#id_password2", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")


def test_it_keeps_the_policy_on_every_kind_of_page(browser, tutor_server: TutorServer):  # noqa: F811
    watched = Watched(browser)
    page = watched.page
    sign_up(watched, tutor_server)
    seen: dict[str, list[str]] = {}

    seen["signup"] = watched.violations()

    # Home.
    page.goto(f"{tutor_server.url}/")
    page.locator("h1").wait_for()
    seen["home"] = watched.violations()

    # A chapter with diagrams: each image must load under img-src.
    page.goto(f"{tutor_server.url}/chapters/services/")
    page.locator("h1").wait_for()
    images = page.locator(".prose img")
    assert images.count() > 0
    for index in range(images.count()):
        images.nth(index).scroll_into_view_if_needed()
        # decode() waits for the (lazy) image and fails if it could not load.
        assert images.nth(index).evaluate(
            "img => img.decode().then(() => img.naturalWidth > 0, () => false)"
        )
    seen["chapter"] = watched.violations()

    # A quiz question answered through htmx.
    page.goto(f"{tutor_server.url}/quizzes/")
    page.click("text=Services quiz")
    page.click("text=Start the quiz")
    page.wait_for_url("**/quizzes/attempts/*/")
    section = page.locator("section.quiz-question")
    answer(page, section)
    page.evaluate("window.notReloaded = true")
    section.locator("button[type=submit]").click()
    page.locator("section.quiz-question .feedback").wait_for()
    assert page.evaluate("window.notReloaded === true"), "the answer was not swapped in by htmx"
    seen["quiz"] = watched.violations()

    # The exercise editor: CodeMirror's injected styles need the nonce.
    page.goto(f"{tutor_server.url}/chapters/kubernetes-building-blocks/exercises/nginx-deployment/")
    editor = page.locator(".cm-content")
    editor.wait_for()
    # Without its styles CodeMirror's root is a plain block; its base theme makes it flex.
    assert page.evaluate("getComputedStyle(document.querySelector('.cm-editor')).display") == "flex"
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    for line in YAML_WITH_A_MISTAKE.splitlines():
        page.keyboard.insert_text(line + "\n")
        page.keyboard.press("Home")
        page.keyboard.press("Shift+Home")
    page.locator(".cm-lintRange-error").first.wait_for(timeout=10_000)
    assert "did you mean" in page.inner_text("#live-findings")
    exercise_policy = watched.policies[page.url]
    assert "'nonce-" in exercise_policy
    seen["exercise"] = watched.violations()

    # A lab: check my work, then htmx polls the result into the page.
    page.goto(f"{tutor_server.url}/labs/webserver/")
    page.locator("h1").wait_for()
    page.click("button:has-text('Check my work')")
    page.locator("#lab-result .lab-state").wait_for(timeout=15_000)
    page.wait_for_timeout(2500)  # at least two polls
    seen["lab"] = watched.violations()

    # Every document came with the policy. The chapter page a visitor gets (cached, shared
    # by every visitor) has no nonce; a signed-in reader's (rendered for them, never
    # cached) carries one for its terminal drawer's styles.
    assert watched.policies, "no document was seen"
    for url, policy in watched.policies.items():
        assert "default-src 'self'" in policy, url
        assert "script-src 'self'" in policy and "unsafe" not in policy, url
    for _ in range(2):  # the second answer comes from the page cache
        with urllib.request.urlopen(f"{tutor_server.url}/chapters/services/") as response:
            assert "'nonce-" not in response.headers["Content-Security-Policy"]
    assert seen == {"signup": [], "home": [], "chapter": [], "quiz": [], "exercise": [], "lab": []}

    # The listeners do catch a violation: an inline style is refused.
    page.evaluate(
        "document.head.insertAdjacentHTML('beforeend', '<style>body { color: red }</style>')"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert any("style-src" in v for v in watched.violations())
    page.close()
