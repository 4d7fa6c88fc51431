"""WCAG 2.2 AA on every page type, checked by axe-core in Chromium.

Each page is opened once and checked four times: light and dark colour scheme
(emulated), at 1280 and 320 px wide. A page passes with no critical or serious
violation; a failure lists every one (rule, targets, what to fix). One browser,
one context per person (signed out, a student, an instructor), reused by every page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator

import pytest

from tests.browser.a11y import axe_script, check_page
from tests.browser.test_quiz_journey import answer
from tests.browser.test_reading_journey import CHROMIUM_ARGS
from tests.conftest import TutorServer, manage

pytestmark = pytest.mark.browser

STUDENT, TEACHER = "a11y-student", "a11y-teacher"
PASSWORD = "a11y-journey-pass-1"

WORLD = f"""
import json
from datetime import timedelta
from django.contrib.auth.models import Group, User
from django.utils import timezone
from classes import services
from exams.models import AttemptStatus, Exam, ExamAttempt
from quizzes.models import Question, Quiz
student, _ = User.objects.get_or_create(username={STUDENT!r})
student.set_password({PASSWORD!r}); student.save()
teacher, _ = User.objects.get_or_create(username={TEACHER!r})
teacher.set_password({PASSWORD!r}); teacher.save()
teacher.groups.add(Group.objects.get(name="instructors"))
cohort = services.cohort_create(name="Accessible class", instructor=teacher)
services.cohort_join(user=student, code=cohort.join_code)
quiz = Quiz.objects.get(title="Services quiz")
question = Question.objects.filter(quiz=quiz).order_by("pk").first()
exam = Exam.objects.first()
now = timezone.now()
attempt = ExamAttempt.objects.create(
    user=student, exam=exam, status=AttemptStatus.IN_PROGRESS, where="local",
    namespace="t-a11y-exam", duration_minutes=exam.duration_minutes, started_at=now,
    deadline=now + timedelta(hours=2),
)
print(json.dumps({{"cohort": cohort.pk, "student": student.pk, "quiz": quiz.pk,
                  "question": question.pk, "exam": exam.slug, "attempt": attempt.pk}}))
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


@pytest.fixture(scope="module")
def script():
    return axe_script()


@pytest.fixture(scope="module")
def people(chromium, tutor_server: TutorServer, world) -> Iterator[dict]:
    """One page per person, each in a context of its own (cookies apart)."""
    pages = {}
    for who in ("anonymous", STUDENT, TEACHER):
        context = chromium.new_context(
            viewport={"width": 1280, "height": 800}, bypass_csp=True, reduced_motion="reduce"
        )
        page = context.new_page()
        if who != "anonymous":
            page.goto(f"{tutor_server.url}/accounts/login/")
            page.fill("#id_username", who)
            page.fill("#id_password", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{tutor_server.url}/")
        pages[who] = page
    yield pages
    for page in pages.values():
        page.context.close()


# (label, who, path): {name} fields come from the world the module makes.
PAGES = [
    ("home", "anonymous", "/"),
    ("chapter", "anonymous", "/chapters/services/"),
    ("search", "anonymous", "/search/?q=ClusterIP"),
    ("log in", "anonymous", "/accounts/login/"),
    ("sign up", "anonymous", "/accounts/signup/"),
    ("exams, signed out", "anonymous", "/exams/"),
    ("accessibility statement", "anonymous", "/accessibility/"),
    ("home, signed in", STUDENT, "/"),
    ("chapter, signed in", STUDENT, "/chapters/kubernetes-architecture/"),
    ("objectives", STUDENT, "/chapters/services/objectives/"),
    ("quiz list", STUDENT, "/quizzes/"),
    ("quiz", STUDENT, "/quizzes/{quiz}/"),
    ("exercise", STUDENT, "/chapters/kubernetes-building-blocks/exercises/nginx-deployment/"),
    ("lab", STUDENT, "/labs/webserver/"),
    ("lab with a long instruction", STUDENT, "/labs/services/"),
    ("profile", STUDENT, "/accounts/profile/"),
    ("review", STUDENT, "/review/"),
    ("my classes", STUDENT, "/classes/"),
    ("terminal page", STUDENT, "/terminal/"),
    ("exam", STUDENT, "/exams/{exam}/"),
    ("exam in progress", STUDENT, "/exams/attempts/{attempt}/"),
    ("classes (instructor)", TEACHER, "/instructor/classes/"),
    ("class and gradebook", TEACHER, "/instructor/classes/{cohort}/"),
    ("a student in the class", TEACHER, "/instructor/classes/{cohort}/students/{student}/"),
    ("live board", TEACHER, "/instructor/classes/{cohort}/live/"),
    ("quiz authoring: list", TEACHER, "/instructor/quizzes/"),
    ("quiz authoring: quiz", TEACHER, "/instructor/quizzes/{quiz}/"),
    ("quiz authoring: question", TEACHER, "/instructor/quizzes/{quiz}/questions/{question}/"),
    ("quiz statistics", TEACHER, "/instructor/quizzes/{quiz}/statistics/"),
]


@pytest.mark.parametrize(("label", "who", "path"), PAGES, ids=[p[0] for p in PAGES])
def test_page_meets_wcag_22_aa(label, who, path, people, world, script, tutor_server):
    page = people[who]
    response = page.goto(tutor_server.url + path.format(**world))
    assert response is not None and response.status == 200, (label, response and response.status)
    page.wait_for_load_state("networkidle")
    found = check_page(page, script, label)
    assert not found, "\n".join(found)


def walk_quiz(page, script, server: TutorServer, title: str, seen: set[str]) -> list[str]:
    """Answer a whole quiz; axe on each question type not seen yet, before and after."""
    page.goto(f"{server.url}/quizzes/")
    page.click(f"text={title}")
    page.click("form[action$='/start'] button")
    page.wait_for_url(re.compile(r".*/quizzes/attempts/\d+/$"))
    found: list[str] = []
    heading = page.inner_text("section.quiz-question h2")  # "Question 1 of 10 · ..."
    total = int(re.search(r"of (\d+)", heading).group(1))
    for number in range(1, total + 1):
        section = page.locator("section.quiz-question")
        kind = section.locator("h2 .muted").inner_text().split("·")[1].strip()
        new_kind = kind not in seen
        seen.add(kind)
        if new_kind:
            found += check_page(page, script, f"quiz question ({kind})")
        answer(page, section)
        section.locator("button[type=submit]").click()
        page.locator("section.quiz-question .feedback").wait_for()
        if new_kind:
            found += check_page(page, script, f"quiz feedback ({kind})")
        if number < total:
            page.click("text=Next question")
            page.wait_for_url(f"**?q={number + 1}")
    page.click("text=See your score")
    page.wait_for_url("**/review/")
    return found


def test_a_quiz_question_its_feedback_and_the_score(people, script, tutor_server):
    """Every question type once, unanswered and with its feedback, then the score."""
    page = people[STUDENT]
    seen: set[str] = set()
    found = walk_quiz(page, script, tutor_server, "Services quiz", seen)
    found += check_page(page, script, "quiz score")
    # The Services quiz draws 10 of its questions; this one always has an ordering question.
    found += walk_quiz(page, script, tutor_server, "Kubernetes Architecture quiz", seen)
    # The draw may leave out the manifest question: its editor is checked on the exercise
    # and quiz-authoring pages anyway.
    assert {"Single choice", "Multiple choice", "Ordering"} <= seen, seen
    assert not found, "\n".join(found)
