"""What axe cannot see, tried with the keyboard in Chromium.

Leaving the YAML editor after Escape however long one waits, and Ctrl+M; ordering
feedback told in words as well as colour; a quiz question's answer a few Tab presses
from the top; the instructor's pages at 320 px without sideways scrolling; a focused
element never hidden under the sticky header (WCAG 2.2's 2.4.11).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator

import pytest

from tests.browser.test_reading_journey import CHROMIUM_ARGS
from tests.conftest import ARTIFACTS, TutorServer, manage

pytestmark = pytest.mark.browser

STUDENT, TEACHER = "keys-student", "keys-teacher"
PASSWORD = "keyboard-journey-pass-1"
# From the top of a quiz question: the skip links, the site's navigation and search,
# the breadcrumbs, then the answer (the question numbers come after the question).
MAX_TABS_TO_THE_ANSWER = 15

WORLD = f"""
import json
from django.contrib.auth.models import Group, User
from classes import services
from quizzes.models import Question, Quiz
student, _ = User.objects.get_or_create(username={STUDENT!r})
student.set_password({PASSWORD!r}); student.save()
teacher, _ = User.objects.get_or_create(username={TEACHER!r})
teacher.set_password({PASSWORD!r}); teacher.save()
teacher.groups.add(Group.objects.get(name="instructors"))
cohort = services.cohort_create(name="A class with a rather long name for a small phone screen",
                                instructor=teacher)
services.cohort_join(user=student, code=cohort.join_code)
quiz = Quiz.objects.get(title="Services quiz")
question = Question.objects.filter(quiz=quiz).order_by("pk").first()
print(json.dumps({{"cohort": cohort.pk, "student": student.pk, "quiz": quiz.pk,
                  "question": question.pk}}))
"""


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run `make test-deps`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def world(tutor_server: TutorServer) -> dict:
    env = {**os.environ, "TUTOR_DATA_DIR": str(tutor_server.data_dir)}
    return json.loads(manage(env, "shell", "--no-imports", "-c", WORLD).strip().splitlines()[-1])


def signed_in(chromium, server: TutorServer, username: str, width: int = 1280):
    context = chromium.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{server.url}/")
    return page


@pytest.fixture
def student(chromium, tutor_server, world) -> Iterator:
    page = signed_in(chromium, tutor_server, STUDENT)
    yield page
    page.context.close()


@pytest.fixture
def teacher(chromium, tutor_server, world) -> Iterator:
    page = signed_in(chromium, tutor_server, TEACHER, width=320)
    yield page
    page.context.close()


def in_editor(page) -> bool:
    return page.evaluate("!!document.activeElement.closest('.cm-editor')")


def test_escape_then_tab_always_leaves_the_editor(student, tutor_server):
    page = student
    page.goto(f"{tutor_server.url}/chapters/kubernetes-building-blocks/exercises/nginx-deployment/")
    hint = page.locator("#editor-keys").inner_text()
    assert "Escape" in hint and "Tab" in hint and "Ctrl+M" in hint, hint
    editor = page.locator(".cm-content")
    editor.wait_for()
    source = page.locator("textarea[data-editor]")

    editor.click()
    page.keyboard.press("Control+End")
    before = source.input_value()
    page.keyboard.press("Tab")
    assert in_editor(page) and source.input_value() == before + "  ", "Tab indents in the editor"

    # Escape, then a long pause (CodeMirror's own Escape lasts two seconds), then Tab.
    page.keyboard.press("Escape")
    time.sleep(2.5)
    page.keyboard.press("Tab")
    assert not in_editor(page), "Tab after Escape must leave the editor"
    assert source.input_value() == before + "  ", "the Tab that left typed nothing"

    # Back in the editor (Shift+Tab), Tab indents again; Escape then Shift+Tab leaves backwards.
    page.keyboard.press("Shift+Tab")
    assert in_editor(page)
    page.keyboard.press("Tab")
    assert in_editor(page) and source.input_value() == before + "    "
    page.keyboard.press("Escape")
    time.sleep(2.5)
    page.keyboard.press("Shift+Tab")
    assert not in_editor(page)

    # Ctrl+M: Tab moves on (and the status line says so) until Ctrl+M again.
    editor.click()
    page.keyboard.press("Control+m")
    assert "Tab now moves out of the editor" in page.locator("#live-status").inner_text()
    page.keyboard.type("x")  # typing does not end it, unlike Escape's
    page.keyboard.press("Tab")
    assert not in_editor(page)
    editor.click()
    page.keyboard.press("Control+m")
    assert "Tab indents again" in page.locator("#live-status").inner_text()
    value = source.input_value()
    page.keyboard.press("Tab")
    assert in_editor(page) and len(source.input_value()) == len(value) + 2


def open_ordering_feedback(page, server: TutorServer):
    page.goto(f"{server.url}/quizzes/")
    page.click("text=Kubernetes Architecture quiz")
    page.click("form[action$='/start'] button")
    page.wait_for_url(re.compile(r".*/quizzes/attempts/\d+/$"))
    for number in range(1, 10):
        form = page.locator("section.quiz-question form.answer-form")
        if form.locator("ol[data-ordering]").count():
            # The reverse of the order shown: at least one item is then out of place.
            items = form.locator("ol[data-ordering] > li")
            count = items.count()
            for index in range(count):
                items.nth(index).locator("select").select_option(str(count - index))
            form.locator("button[type=submit]").click()
            page.locator("section.quiz-question .feedback").wait_for()
            return
        page.goto(re.sub(r"\?.*$", "", page.url) + f"?q={number + 1}")
    pytest.fail("the quiz has no ordering question")


def test_ordering_feedback_is_told_in_words_not_colour_alone(student, tutor_server):
    page = student
    open_ordering_feedback(page, tutor_server)
    items = page.locator(".ordering-feedback ol").first.locator("li")
    marks = [items.nth(i).locator(".order-mark").inner_text() for i in range(items.count())]
    assert marks, "the student's order is listed"
    for mark in marks:
        assert re.fullmatch(r"✓ In the right place|✗ Should be \d+", mark.strip()), mark
    assert any("Should be" in mark for mark in marks)
    # Visible, not only for screen readers.
    assert items.first.locator(".order-mark").is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("section.quiz-question").screenshot(path=str(ARTIFACTS / "ordering-feedback.png"))


def test_a_quiz_answer_is_a_few_tab_presses_from_the_top(student, tutor_server):
    page = student
    page.goto(f"{tutor_server.url}/quizzes/")
    page.click("text=Services quiz")
    page.click("form[action$='/start'] button")
    page.wait_for_url(re.compile(r".*/quizzes/attempts/\d+/$"))
    # The question's own controls (a link in its prompt counts: it is part of the question).
    inside = "!!document.activeElement.closest('section.quiz-question')"

    # With the skip link: Tab, Tab, Enter, Tab.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to the question"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate(inside), page.evaluate("document.activeElement.outerHTML")

    # Without it: the question numbers no longer stand between the top and the answer.
    page.reload()
    for _press in range(MAX_TABS_TO_THE_ANSWER):
        page.keyboard.press("Tab")
        if page.evaluate(inside):
            break
    else:
        pytest.fail(f"no answer control within {MAX_TABS_TO_THE_ANSWER} Tab presses")
    # The question numbers follow the question.
    assert page.evaluate(
        "document.querySelector('section.quiz-question').compareDocumentPosition("
        "document.querySelector('.question-nav')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )


INSTRUCTOR_PAGES = (
    "/instructor/classes/",
    "/instructor/classes/{cohort}/",
    "/instructor/classes/{cohort}/students/{student}/",
    "/instructor/classes/{cohort}/live/",
    "/instructor/quizzes/",
    "/instructor/quizzes/{quiz}/",
    "/instructor/quizzes/{quiz}/questions/{question}/",
    "/instructor/quizzes/{quiz}/statistics/",
)


def test_instructor_pages_fit_a_320_px_screen(teacher, tutor_server, world):
    page = teacher
    too_wide = []
    for path in INSTRUCTOR_PAGES:
        page.goto(tutor_server.url + path.format(**world))
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            culprits = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > 321 && e.offsetParent !== null
                            && !e.closest('table, pre, .table-scroll, .cm-editor'))
                    .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""
            )
            too_wide.append(f"{path}: {width}px wide; {culprits}")
        logout = page.locator("button:has-text('Log out')")
        box = logout.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320, (path, box)
    assert not too_wide, "\n".join(too_wide)
    # Log out works from there, by keyboard.
    page.locator("button:has-text('Log out')").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("a:has-text('Log in')").count()


def test_focus_is_never_hidden_under_the_sticky_header(chromium, tutor_server, world):
    """Tab forward through a long chapter, then Shift+Tab back up: every focused element
    shows below the sticky header (the instructor's header has the most links)."""
    page = signed_in(chromium, tutor_server, TEACHER, width=1280)
    try:
        page.goto(f"{tutor_server.url}/chapters/services/")
        hidden = []
        for key in ["Tab"] * 60 + ["Shift+Tab"] * 60:
            page.keyboard.press(key)
            where = page.evaluate(
                """() => {
                    const e = document.activeElement, header = document.querySelector('.site-header');
                    if (!e || e === document.body || header.contains(e)) return null;
                    if (e.classList.contains('skip-link')) return null;  // shown above the header
                    if (getComputedStyle(header).position !== 'sticky') return null;
                    const r = e.getBoundingClientRect(), h = header.getBoundingClientRect();
                    return {top: r.top, bottom: r.bottom, header: h.bottom,
                            what: e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40)};
                }"""
            )
            if where and where["bottom"] <= where["header"] + 1:
                hidden.append(f"{key}: {where}")
        assert not hidden, "\n".join(hidden)
    finally:
        page.context.close()


def test_a_code_block_too_wide_for_a_phone_scrolls_by_keyboard(student, tutor_server):
    page = student
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{tutor_server.url}/chapters/kubernetes-architecture/")
    wide = page.locator("main pre[tabindex='0']").first
    wide.wait_for()
    assert wide.get_attribute("role") == "region"
    assert (wide.get_attribute("aria-label") or "").startswith("Code")
    wide.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.activeElement.scrollLeft > 0")
    # Wide again, the block fits and gives its Tab stop back.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.evaluate("document.activeElement.blur()")
    page.wait_for_function(
        "() => !document.querySelector('main pre[data-scroll-focus]') || "
        "[...document.querySelectorAll('main pre[data-scroll-focus]')]"
        ".every(p => p.scrollWidth > p.clientWidth + 1)"
    )
