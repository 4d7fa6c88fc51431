"""In Chromium: a student takes the practical exam (countdown, tasks, flag, hand-in), then
the instructor watches the class live; no script or style refused by the site's policy."""

from __future__ import annotations

import os
import re
import time

import pytest

from tests.browser.test_class_journey import log_in
from tests.browser.test_reading_journey import browser  # noqa: F401 (the shared browser fixture)
from tests.conftest import ARTIFACTS, TutorServer, manage

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

TEACHER = """
from django.contrib.auth.models import Group, User
from classes import services
user, _ = User.objects.get_or_create(username="liveteacher")
user.set_password("liveteacher-pass-1")
user.save()
user.groups.add(Group.objects.get(name="instructors"))
cohort = services.cohort_create(name="Live class", instructor=user)
services.cohort_join(user=User.objects.get(username="learner"), code=cohort.join_code)
print(cohort.pk)
"""


def test_a_student_takes_the_exam_then_the_teacher_watches_live(
    browser,  # noqa: F811
    tutor_server: TutorServer,
    cluster,
):
    env = {**os.environ, "TUTOR_DATA_DIR": str(tutor_server.data_dir)}
    cohort_id = manage(env, "shell", "--no-imports", "-c", TEACHER).strip().splitlines()[-1]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)

    log_in(page, tutor_server, "learner", tutor_server.learner_password)
    page.click("nav >> text=Exams")
    page.click("text=LFS158 practical")
    page.click("main button:has-text('Start the exam')")
    page.wait_for_url(re.compile(r".*/exams/attempts/\d+/$"))
    clock = page.locator("[data-seconds-left]")
    clock.wait_for(timeout=60_000)  # the page reloads itself once the worker made the namespace
    first = clock.inner_text()
    assert re.fullmatch(r"\d+:\d\d left", first), first
    time.sleep(1.5)
    assert clock.inner_text() != first  # it counts down
    page.click("text=2. Expose the frontend three ways")
    assert "frontend-nodeport" in page.locator("main").inner_text()
    page.click("main button:has-text('Flag to come back to it')")
    assert page.locator(".exam-tasks .badge").inner_text() == "flagged"
    page.screenshot(path=str(ARTIFACTS / "exam-in-progress.png"), full_page=True)

    page.once("dialog", lambda d: d.accept())
    page.click("main button:has-text('Hand in the exam now')")
    page.locator("#score-heading").wait_for(timeout=120_000)
    assert "% —" in page.locator("#score-heading").inner_text()
    page.screenshot(path=str(ARTIFACTS / "exam-review.png"), full_page=True)

    # One browser profile, one session: the instructor logs in after the student is done.
    teacher = page
    log_in(teacher, tutor_server, "liveteacher", "liveteacher-pass-1")
    teacher.goto(f"{tutor_server.url}/instructor/classes/{cohort_id}/live/")
    assert "learner" in teacher.locator("table.live-grid").inner_text()
    # The board replaces itself every 5 seconds (htmx).
    with teacher.expect_response(
        lambda r: "/live/" in r.url and r.request.headers.get("hx-request") == "true",
        timeout=15_000,
    ):
        pass
    teacher.screenshot(path=str(ARTIFACTS / "class-live.png"), full_page=True)

    assert problems == [], problems
