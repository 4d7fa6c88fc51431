"""The LMS problems a worker records for an instructor, in the right language.

A roster read and a score sent again speak the language of the instructor who
asked (their request's); a score sent by itself, after a result, speaks the
language that result was graded in, else English. The LMS is the independent
platform of tests/lti/platform.py; the tasks run in this process as
test_lti_e2e runs them (Celery's ``apply``), outside any language of their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation
from lti_tool.models import LtiUser

from classes import services as class_services
from engine.assertions import RuleResult
from labs import runs
from labs.models import LabSubmission
from lti import tasks
from lti.models import CourseClass, PlacedItem, ScoreOutbox
from lti.roster import roster_sync
from quizzes.services import quiz_attempt_finish, quiz_attempt_start
from tests.classes.conftest import make_lab
from tests.classes.test_regrade import (
    EXISTS,
    READY_FIXED,
    READY_WRONG,
    deployment,
    graded,
    snapshot_of,
)
from tests.lti.conftest import UserAgent
from tests.lti.test_lti_e2e import place, quiz
from tests.lti.test_spanish import compiled_messages as compiled_messages

pytestmark = [pytest.mark.django_db]
SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}


@pytest.fixture(autouse=True)
def no_language_left_behind() -> Iterator[None]:
    yield
    translation.deactivate()


def teacher(platform, course, link) -> UserAgent:  # type: ignore[no-untyped-def]
    agent = UserAgent()
    agent.open_in_tutor(
        agent.launch(platform, "u-teacher", course, resource_link_id=link.resource_link_id)
    )
    return agent


def post(agent: UserAgent, url: str, referer: str) -> None:
    csrf = agent.http.cookies.get("csrftoken")
    answer = agent.http.post(
        url, data={"csrfmiddlewaretoken": csrf}, headers={"Referer": referer, **SPANISH},
        timeout=10,
    )  # fmt: skip
    assert answer.status_code == 200, answer.text[:300]


def test_a_roster_read_asked_in_spanish_reports_in_spanish(
    platform, tool, course, registered, monkeypatch, django_capture_on_commit_callbacks
):
    link = place(platform, course, f"quiz:{quiz().uuid}")
    agent = teacher(platform, course, link)
    course_class = CourseClass.objects.get()
    course_class.context.memberships_url = f"{platform.base_url}/nrps/no-such-course/memberships"
    course_class.context.save()
    # The worker, here: the message the page enqueues on commit runs in this process.
    monkeypatch.setattr(
        tasks.sync_roster, "delay", lambda *a, **k: tasks.sync_roster.apply(args=a, kwargs=k)
    )
    page = f"{tool}/instructor/classes/{course_class.cohort.pk}/lms/"
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        post(agent, f"{tool}/instructor/classes/{course_class.cohort.pk}/lms/roster", page)
    translation.deactivate()
    [send] = enqueued
    send()
    course_class.refresh_from_db()
    assert course_class.roster_problem.startswith(
        "El LMS no entregó la lista de participantes: "
    ), course_class.roster_problem
    shown = agent.http.get(page, headers=SPANISH, timeout=10).text
    assert "El LMS no entregó la lista de participantes" in shown

    # Without the Names and Roles service: in Spanish when asked so, English otherwise.
    course_class.context.memberships_url = ""
    course_class.context.save()
    roster_sync(course_class_id=course_class.pk, language="es")
    course_class.refresh_from_db()
    assert course_class.roster_problem == (
        "El LMS no ofreció su lista de participantes (no tiene el servicio Names and Roles)."
    )
    with translation.override("es"):  # the worker's own language does not count
        roster_sync(course_class_id=course_class.pk)
    course_class.refresh_from_db()
    assert course_class.roster_problem == (
        "The LMS did not offer its roster (no Names and Roles service)."
    )


def test_a_score_sent_again_in_spanish_reports_in_spanish(
    platform, tool, course, registered, ua, django_capture_on_commit_callbacks
):
    target = quiz()
    link = place(platform, course, f"quiz:{target.uuid}")
    agent = teacher(platform, course, link)
    ua.open_in_tutor(ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id))
    PlacedItem.objects.update(line_item_url=f"{platform.lineitems_url(course)}/999")
    alice = LtiUser.objects.get(sub="u-alice").auth_user
    with translation.override("es"):  # a quiz records no language: its passback is English
        quiz_attempt_finish(attempt=quiz_attempt_start(user=alice, quiz=target)[0])
    translation.deactivate()
    row = ScoreOutbox.objects.get()
    assert tasks.send_score.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert (row.language, row.last_error) == ("", "the LMS refused it: HTTP 404")

    cohort = CourseClass.objects.get().cohort
    page = f"{tool}/instructor/classes/{cohort.pk}/lms/"
    with django_capture_on_commit_callbacks(execute=False):
        post(agent, f"{page}scores/{row.pk}/resend", page)
    translation.deactivate()
    assert tasks.send_score.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert (row.language, row.last_error) == ("es", "el LMS la rechazó: HTTP 404")
    shown = agent.http.get(page, headers=SPANISH, timeout=10).text
    assert "el LMS la rechazó: HTTP 404" in shown


def test_an_automatic_passback_speaks_the_language_the_result_was_graded_in(
    platform, tool, course, registered, ua, carol
):
    lab = make_lab([EXISTS, READY_WRONG])
    link = place(platform, course, f"lab:{lab.uuid}")
    ua.open_in_tutor(ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id))
    alice = LtiUser.objects.get(sub="u-alice").auth_user
    PlacedItem.objects.update(line_item_url=f"{platform.lineitems_url(course)}/999")

    # Graded in Spanish (the student's check asked so): the problem is in Spanish.
    with translation.override("es"):
        submission = graded_lab_submission_in(alice, lab, "es")
    translation.deactivate()
    row = ScoreOutbox.objects.get()
    assert tasks.send_score.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert (row.language, row.last_error) == ("es", "el LMS la rechazó: HTTP 404")

    # An instructor reading English regrades it: still the result's language.
    lab.checks = [EXISTS, READY_FIXED]
    lab.save()
    cohort = CourseClass.objects.get().cohort
    cohort.instructors.add(carol)
    with translation.override("en"):
        class_services.submission_regrade(submission=submission, by=carol, cohort=cohort)
    assert tasks.send_score.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert (row.language, row.last_error) == ("es", "el LMS la rechazó: HTTP 404")

    # A result graded in English: English, word for word as before.
    with translation.override("es"):  # whatever the worker had active
        graded_lab_submission_in(alice, lab, "")
    assert tasks.send_score.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert (row.language, row.last_error) == ("", "the LMS refused it: HTTP 404")


def graded_lab_submission_in(user, lab, language: str):  # type: ignore[no-untyped-def]
    """Graded as a worker grades it (test_lti_e2e's way), for a check asked in ``language``."""
    submission = LabSubmission.objects.create(
        user=user, lab=lab, namespace="ns", max_score=lab.max_score, language=language
    )
    claimed = runs.claim(submission.pk, worker="test")
    snapshot = snapshot_of(deployment(replicas=2, ready=2))
    runs.finish(claimed, [RuleResult(**r) for r in graded(lab.checks, snapshot)])
    return LabSubmission.objects.get(pk=submission.pk)
