"""The editor teaches while the student writes (issue 14): completion, hover, quick fixes,
the Kubernetes version selector; all by keyboard, with screen-reader announcements."""

from __future__ import annotations

import pytest

from tests.browser.test_reading_journey import browser  # noqa: F401  (shared Chromium)
from tests.conftest import ARTIFACTS, TutorServer

pytestmark = pytest.mark.browser

EXERCISE = "/chapters/kubernetes-building-blocks/exercises/nginx-deployment/"
DEPLOYMENT = """apiVersion: apps/v1
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
        ports:
        - containerPort: 80
"""
HPA = """apiVersion: autoscaling/v2beta2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 1
  maxReplicas: 3
"""


def open_editor(browser, tutor_server: TutorServer):  # noqa: F811
    page = browser.new_page()
    page.goto(f"{tutor_server.url}{EXERCISE}")
    page.locator(".cm-content").wait_for()
    return page


def set_text(page, text: str) -> None:
    page.evaluate(
        """(text) => { const {view} = window.TutorEditor.get('manifest');
        view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: text}}); view.focus(); }""",
        text,
    )


def doc(page) -> str:
    return page.evaluate("window.TutorEditor.get('manifest').view.state.doc.toString()")


def wait_open(page) -> None:
    page.locator(".cm-tooltip-autocomplete").wait_for(timeout=10_000)
    # CodeMirror ignores keys for its first 75 ms on screen (interactionDelay).
    page.wait_for_timeout(150)


def cursor_after(page, needle: str) -> None:
    page.evaluate(
        """(needle) => { const {view} = window.TutorEditor.get('manifest');
        const at = view.state.doc.toString().indexOf(needle) + needle.length;
        view.dispatch({selection: {anchor: at}}); view.focus(); }""",
        needle,
    )


def test_completion_by_keyboard_offers_replicas_and_escape_leaves(browser, tutor_server):  # noqa: F811
    page = open_editor(browser, tutor_server)
    set_text(page, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n")
    cursor_after(page, "spec:\n")
    page.keyboard.type("  repl")
    completions = page.locator(".cm-tooltip-autocomplete")
    wait_open(page)
    assert "replicas" in completions.inner_text()
    # Announced for screen readers.
    page.wait_for_function(
        "() => document.getElementById('manifest-live').textContent.includes('suggestion')"
    )
    # Dismiss with Escape, reopen with Ctrl+Space, accept with Enter.
    page.keyboard.press("Escape")
    completions.wait_for(state="detached")
    page.keyboard.press("Control+Space")
    wait_open(page)
    page.keyboard.press("Enter")
    completions.wait_for(state="detached")
    assert "spec:\n  replicas: " in doc(page)
    # Required fields come first where nothing was typed; present ones are left out.
    page.keyboard.type("2\n")
    page.keyboard.press("Control+Space")
    wait_open(page)
    labels = page.locator(".cm-tooltip-autocomplete li").all_inner_texts()
    assert labels[0].startswith("selector") and labels[1].startswith("template")
    assert not any(label.startswith("replicas") for label in labels)
    page.keyboard.press("ArrowDown")
    selected = page.locator(".cm-tooltip-autocomplete li[aria-selected=true]").inner_text()
    assert selected.startswith("template")
    page.keyboard.press("Escape")
    completions.wait_for(state="detached")
    # Escape, then Tab, leaves the editor.
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.cm-editor') === null")
    page.screenshot(path=str(ARTIFACTS / "editor-completion.png"))
    page.close()


def test_hover_and_keyboard_help_explain_container_port(browser, tutor_server):  # noqa: F811
    page = open_editor(browser, tutor_server)
    set_text(page, DEPLOYMENT.replace("replica:", "replicas:"))
    key = page.locator(".cm-line span", has_text="containerPort").first
    key.hover()
    tooltip = page.locator(".editor-hover")
    tooltip.wait_for(timeout=10_000)
    assert "Number of port to expose on the pod's IP address" in tooltip.inner_text()
    assert "required" in tooltip.inner_text()
    # By keyboard: Ctrl+K then Ctrl+I on the key at the cursor, read out too.
    cursor_after(page, "- contain")
    page.keyboard.press("Control+k")
    page.keyboard.press("Control+i")
    help_box = page.locator("#manifest-help")
    help_box.wait_for()
    page.wait_for_function(
        "() => document.getElementById('manifest-help').textContent.includes('Number of port')"
    )
    page.wait_for_function(
        "() => document.getElementById('manifest-live').textContent.includes('containerPort')"
    )
    page.close()


def test_a_quick_fix_renames_replica_and_the_error_goes_away(browser, tutor_server):  # noqa: F811
    page = open_editor(browser, tutor_server)
    set_text(page, DEPLOYMENT)
    fix = page.locator("#live-findings .finding-fix", has_text="Rename replica to replicas")
    fix.wait_for(timeout=10_000)
    fix.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => !document.getElementById('live-findings').textContent.includes('is not a field')"
    )
    assert "  replicas: 3\n" in doc(page)
    assert page.locator(".cm-lintRange-error").count() == 0
    page.wait_for_function(
        "() => document.getElementById('manifest-live').textContent.includes('Applied: Rename replica')"
    )
    page.close()


def test_the_version_selector_changes_accepted_api_versions_and_is_remembered(
    browser,  # noqa: F811
    tutor_server,
):
    page = open_editor(browser, tutor_server)
    select = page.locator("#manifest-version")
    assert select.input_value() == "1.35"
    set_text(page, HPA)
    findings = page.locator("#live-findings")
    page.wait_for_function(
        "() => document.getElementById('live-findings').textContent.includes('was removed in Kubernetes 1.26')"
    )
    select.focus()
    select.select_option("1.25")
    page.wait_for_function(
        "() => !document.getElementById('live-findings').textContent.includes('was removed')"
    )
    assert "deprecated since Kubernetes 1.23" in findings.inner_text()
    page.wait_for_function(
        "() => document.getElementById('manifest-live').textContent.includes('Kubernetes 1.25')"
    )
    page.wait_for_timeout(300)  # the choice is posted in the background
    page.reload()
    page.locator(".cm-content").wait_for()
    assert page.locator("#manifest-version").input_value() == "1.25"
    page.locator("#manifest-version").select_option("1.35")
    page.wait_for_timeout(300)
    page.close()
