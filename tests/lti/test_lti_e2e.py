"""LTI 1.3 Advantage end to end: the tutor as a tool, an independent platform as the LMS.

The platform is lti1p3platform served over HTTP on 127.0.0.1: every
id_token, access token, JWKS and deep-linking check below is made by that
library, every tool-side JWT step by PyLTI1p3. Scores are sent by the Celery
task run in this process (``apply``: Celery's own retry loop, without a
broker); the periodic sweep that catches lost messages is tested by calling it.
"""

from __future__ import annotations

import base64
import json
import re

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User
from django.core.management import call_command
from lti_tool.models import Key, LtiDeployment, LtiRegistration, LtiUser

from classes import services as class_services
from classes.models import Cohort
from engine.assertions import RuleResult
from labs import runs
from labs.models import LabSubmission
from lessons.models import Chapter
from lti import tasks
from lti.models import CourseClass, PlacedItem, ScoreOutbox, UsedLaunchNonce
from lti.roster import roster_sync
from quizzes.models import Quiz
from tests.classes.conftest import make_lab
from tests.classes.test_regrade import (
    EXISTS,
    READY_FIXED,
    READY_WRONG,
    deployment,
    graded,
    snapshot_of,
)
from tests.lti.conftest import CLIENT, UserAgent, parse, register_manually
from tests.lti.platform import INSTRUCTOR, TestPlatform

# Also run on PostgreSQL and Redis by `make test` (the classroom suite).
pytestmark = [pytest.mark.django_db, pytest.mark.classroom]


def quiz() -> Quiz:
    return Quiz.objects.published().order_by("chapter__number").first()


def place(platform, course, key: str, *, graded_link: bool = True):
    return platform.add_resource_link(
        CLIENT, course, "Placed item", {"item": key}, score_maximum=100 if graded_link else None
    )


def logged_in_username(ua: UserAgent, tool: str) -> str:
    page = ua.http.get(f"{tool}/accounts/profile/", timeout=10)
    assert page.status_code == 200 and "/accounts/login/" not in page.url, page.url
    return re.search(r"\b(lti-[0-9a-f]{24})\b", page.text).group(1)


# --- launch ----------------------------------------------------------------------------------


def test_a_launch_opens_the_item_signed_in_without_a_password(
    platform, tool, course, registered, ua
):
    target = quiz()
    link = place(platform, course, f"quiz:{target.uuid}")
    launch = ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id)
    assert launch.response.status_code == 200, launch.response.text
    assert "Open in" in launch.response.text
    # The LMS may frame this page, and only this LMS; no X-Frame-Options: DENY.
    policy = launch.response.headers["Content-Security-Policy"]
    assert f"frame-ancestors {platform.base_url}" in policy
    assert "X-Frame-Options" not in launch.response.headers

    opened = ua.open_in_tutor(launch)
    assert opened.status_code == 200 and opened.url == f"{tool}{target.get_absolute_url()}"
    username = logged_in_username(ua, tool)
    user = User.objects.get(username=username)
    assert not user.has_usable_password()
    lti_user = LtiUser.objects.get(registration=registered, sub="u-alice")
    assert lti_user.auth_user == user and lti_user.email == "alice@example.edu"
    cohort = CourseClass.objects.get(context__id_on_platform=course).cohort
    assert list(cohort.members.all()) == [user] and not cohort.instructors.exists()
    placed = PlacedItem.objects.get()
    assert placed.line_item_url.startswith(platform.lineitems_url(course))

    # The link that signed alice in works once.
    again = requests.get(opened.history[0].url, timeout=10)
    assert again.status_code == 404 and "expired" in again.text


def test_an_lms_instructor_teaches_the_class(platform, tool, course, registered, ua):
    link = place(platform, course, f"quiz:{quiz().uuid}")
    ua.open_in_tutor(
        ua.launch(platform, "u-teacher", course, resource_link_id=link.resource_link_id)
    )
    teacher = LtiUser.objects.get(sub="u-teacher").auth_user
    cohort = Cohort.objects.get(lms_course__context__id_on_platform=course)
    assert list(cohort.instructors.all()) == [teacher]
    assert ua.http.get(f"{tool}{cohort.get_absolute_url()}", timeout=10).status_code == 200


def test_a_login_without_client_id_still_finds_the_registration(platform, tool, course, registered):
    answer = requests.get(
        f"{tool}/lti/login/{registered.uuid}/",
        params={"iss": platform.issuer, "login_hint": "u-alice",
                "target_link_uri": f"{tool}/lti/launch/"},
        timeout=10, allow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 302 and answer.headers["Location"].startswith(platform.auth_url)


def test_bad_login_requests_get_a_clear_answer(platform, tool, registered):
    base = f"{tool}/lti/login/{registered.uuid}/"
    missing = requests.get(base, params={"iss": platform.issuer}, timeout=10)
    assert missing.status_code == 400 and "target_link_uri" in missing.text
    elsewhere = requests.get(
        base, params={"iss": platform.issuer, "login_hint": "x", "target_link_uri": "https://evil.example/"},
        timeout=10,
    )  # fmt: skip
    assert elsewhere.status_code == 400
    unknown = requests.get(
        f"{tool}/lti/login/00000000-0000-4000-8000-000000000000/",
        params={"iss": platform.issuer, "login_hint": "x", "target_link_uri": f"{tool}/lti/launch/"},
        timeout=10,
    )  # fmt: skip
    assert unknown.status_code == 403


# --- refused launches ------------------------------------------------------------------------


def test_a_replayed_launch_is_refused(platform, tool, course, registered, ua):
    link = place(platform, course, f"quiz:{quiz().uuid}")
    first = ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id)
    assert first.response.status_code == 200
    replay = {"id_token": first.id_token, "state": first.state}
    other_browser = requests.post(first.launch_url, data=replay, timeout=10)
    assert other_browser.status_code == 403 and "already used" in other_browser.text
    same_browser = ua.http.post(first.launch_url, data=replay, timeout=10)
    assert same_browser.status_code == 403
    assert UsedLaunchNonce.objects.count() == 1


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_tampered_or_forged_launch_is_refused_and_leaves_nothing(
    platform, tool, course, registered, ua
):
    link = place(platform, course, f"quiz:{quiz().uuid}")
    form = ua.begin_launch(platform, "u-alice", course, resource_link_id=link.resource_link_id)
    fields = dict(form["fields"])
    header, payload, signature = fields["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["https://purl.imsglobal.org/spec/lti/claim/roles"] = [INSTRUCTOR]
    tampered = ua.http.post(
        form["action"],
        data={**fields, "id_token": f"{header}.{_b64(claims)}.{signature}"},
        timeout=10,
    )
    assert tampered.status_code == 403 and "LTI launch refused" in tampered.text
    forged = jwt.encode(
        claims, rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256",
        headers={"kid": jwt.get_unverified_header(fields["id_token"])["kid"]},
    )  # fmt: skip
    assert (
        ua.http.post(form["action"], data={**fields, "id_token": forged}, timeout=10).status_code
        == 403
    )
    garbage = ua.http.post(form["action"], data={"id_token": "x.y.z", "state": "nope"}, timeout=10)
    assert garbage.status_code == 403
    assert (
        not LtiUser.objects.exists()
        and not User.objects.filter(username__startswith="lti-").exists()
    )
    # The untouched token still works, once.
    assert ua.http.post(form["action"], data=fields, timeout=10).status_code == 200


def test_an_unknown_deployment_waits_until_an_operator_activates_it(
    platform, tool, course, registered, ua
):
    platform.clients[CLIENT].deployment_id = "dep-2"  # the LMS adds a second deployment
    link = place(platform, course, f"quiz:{quiz().uuid}")
    refused = ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id)
    assert refused.response.status_code == 403 and "not active" in refused.response.text
    # Refused as a whole: the deployment row django-lti records is rolled back with it.
    LtiDeployment.objects.create(registration=registered, deployment_id="dep-2", is_active=True)
    again = UserAgent().launch(platform, "u-alice", course, resource_link_id=link.resource_link_id)
    assert again.response.status_code == 200


# --- deep linking ----------------------------------------------------------------------------


def test_an_instructor_places_tutor_content_in_the_course(platform, tool, course, registered, ua):
    chapter = Chapter.objects.published().order_by("number").first()
    picked = [f"quiz:{quiz().uuid}", f"chapter:{chapter.uuid}"]
    launch = ua.launch(platform, "u-teacher", course, deep_link=True)
    assert launch.response.status_code == 200, launch.response.text
    assert (
        f"frame-ancestors {platform.base_url}" in launch.response.headers["Content-Security-Policy"]
    )
    ret = ua.submit(launch.response, item=picked)
    assert ret.status_code == 200, ret.text
    form = parse(ret.text).forms[0]
    assert form["action"] == f"{platform.base_url}/deep_link_return"
    assert f"form-action 'self' {platform.base_url}" in ret.headers["Content-Security-Policy"]
    placed = ua.submit(ret)
    assert placed.status_code == 200 and "Content placed" in placed.text, placed.text

    [answer] = platform.deep_link_responses
    assert [i["custom"]["item"] for i in answer["items"]] == picked
    quiz_link, chapter_link = answer["placed"]
    assert quiz_link.lineitem_id and not chapter_link.lineitem_id
    # A student opens what the instructor placed.
    student = UserAgent()
    opened = student.open_in_tutor(
        student.launch(platform, "u-alice", course, resource_link_id=quiz_link.resource_link_id)
    )
    assert opened.url == f"{tool}{quiz().get_absolute_url()}"


def test_students_cannot_deep_link_and_stale_pickers_are_refused(
    platform, tool, course, registered, ua
):
    launch = ua.launch(platform, "u-alice", course, deep_link=True)
    assert launch.response.status_code == 403 and "instructors" in launch.response.text
    stale = requests.post(
        f"{tool}/lti/deep-link/", data={"token": "forged", "item": "x"}, timeout=10
    )
    assert stale.status_code == 403 and "expired" in stale.text


# --- grades (AGS) ----------------------------------------------------------------------------


def graded_lab_submission(user, lab, checks):
    """A submission graded as a worker grades it: claimed, then finished with results."""
    submission = LabSubmission.objects.create(
        user=user, lab=lab, namespace="ns", max_score=lab.max_score
    )
    claimed = runs.claim(submission.pk, worker="test")
    snapshot = snapshot_of(deployment(replicas=2, ready=2))
    runs.finish(claimed, [RuleResult(**r) for r in graded(checks, snapshot)])
    return LabSubmission.objects.get(pk=submission.pk)


def test_lab_scores_reach_the_lms_gradebook_and_follow_a_regrade(
    platform, tool, course, registered, ua, carol
):
    lab = make_lab([EXISTS, READY_WRONG])
    link = place(platform, course, f"lab:{lab.uuid}")
    ua.open_in_tutor(ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id))
    alice = LtiUser.objects.get(sub="u-alice").auth_user

    submission = graded_lab_submission(alice, lab, [EXISTS, READY_WRONG])
    assert (submission.score, submission.max_score) == (1, 3)
    row = ScoreOutbox.objects.get()
    assert tasks.send_score.apply(args=[row.pk]).get() == "sent"
    [first] = platform.scores[(course, link.lineitem_id, "u-alice")]
    assert (first["scoreGiven"], first["scoreMaximum"]) == (pytest.approx(1 / 3, abs=1e-6), 1.0)
    assert first["activityProgress"] == "Completed" and first["gradingProgress"] == "FullyGraded"

    # The instructor fixes the lab's check and regrades: the LMS gets the new score, later.
    lab.checks = [EXISTS, READY_FIXED]
    lab.save()
    cohort = CourseClass.objects.get().cohort
    cohort.instructors.add(carol)
    class_services.submission_regrade(submission=submission, by=carol, cohort=cohort)
    row.refresh_from_db()
    assert row.status == ScoreOutbox.Status.PENDING and row.fraction == 1.0
    assert tasks.send_score.apply(args=[row.pk]).get() == "sent"
    history = platform.scores[(course, link.lineitem_id, "u-alice")]
    assert [s["scoreGiven"] for s in history] == [pytest.approx(1 / 3, abs=1e-6), 1.0]
    assert history[1]["timestamp"] > history[0]["timestamp"]
    assert ScoreOutbox.objects.count() == 1


def test_quiz_scores_are_retried_when_the_lms_is_down(platform, tool, course, registered, ua):
    from quizzes.services import quiz_attempt_finish, quiz_attempt_start

    target = quiz()
    link = place(platform, course, f"quiz:{target.uuid}")
    ua.open_in_tutor(ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id))
    alice = LtiUser.objects.get(sub="u-alice").auth_user
    attempt, _ = quiz_attempt_start(user=alice, quiz=target)
    quiz_attempt_finish(attempt=attempt)  # nothing answered: 0 of the quiz
    row = ScoreOutbox.objects.get()
    platform.fail_next_score_posts = 2  # the gradebook answers 503 twice
    assert tasks.send_score.apply(args=[row.pk]).get() == "sent"
    row.refresh_from_db()
    assert platform.score_post_attempts == 3 and row.attempts == 3 and row.status == "sent"
    assert platform.scores[(course, link.lineitem_id, "u-alice")][-1]["scoreGiven"] == 0.0


def test_a_refused_score_is_shown_to_the_instructor_who_can_send_it_again(
    platform, tool, course, registered, ua, client
):
    target = quiz()
    link = place(platform, course, f"quiz:{target.uuid}")
    teacher_ua = UserAgent()
    teacher_ua.open_in_tutor(
        teacher_ua.launch(platform, "u-teacher", course, resource_link_id=link.resource_link_id)
    )
    ua.open_in_tutor(ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id))
    PlacedItem.objects.update(
        line_item_url=f"{platform.lineitems_url(course)}/999"
    )  # deleted in the LMS
    from quizzes.services import quiz_attempt_finish, quiz_attempt_start

    alice = LtiUser.objects.get(sub="u-alice").auth_user
    quiz_attempt_finish(attempt=quiz_attempt_start(user=alice, quiz=target)[0])
    row = ScoreOutbox.objects.get()
    assert tasks.send_score.apply(args=[row.pk]).get() == "failed"
    row.refresh_from_db()
    assert row.status == "failed" and "HTTP 404" in row.last_error
    cohort = CourseClass.objects.get().cohort
    page = teacher_ua.http.get(f"{tool}/instructor/classes/{cohort.pk}/lms/", timeout=10)
    assert (
        "Refused by the LMS" in page.text and "HTTP 404" in page.text and "Send again" in page.text
    )
    # Fixed in the LMS; the instructor sends it again.
    PlacedItem.objects.update(line_item_url=f"{platform.lineitems_url(course)}/{link.lineitem_id}")
    csrf = teacher_ua.http.cookies.get("csrftoken")
    resend = teacher_ua.http.post(
        f"{tool}/instructor/classes/{cohort.pk}/lms/scores/{row.pk}/resend",
        data={"csrfmiddlewaretoken": csrf}, headers={"Referer": page.url}, timeout=10,
    )  # fmt: skip
    assert resend.status_code == 200
    assert tasks.send_score.apply(args=[row.pk]).get() == "sent"


def test_the_sweep_sends_scores_whose_message_was_lost(platform, tool, course, registered, ua):
    target = quiz()
    link = place(platform, course, f"quiz:{target.uuid}")
    ua.open_in_tutor(ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id))
    from quizzes.services import quiz_attempt_finish, quiz_attempt_start

    alice = LtiUser.objects.get(sub="u-alice").auth_user
    quiz_attempt_finish(attempt=quiz_attempt_start(user=alice, quiz=target)[0])
    # No worker took the message: the sweep finds the row and queues it again.
    from lti import delivery

    assert delivery.due() == [ScoreOutbox.objects.get().pk]
    assert tasks.send_due_scores.apply().get() == 1
    assert tasks.send_score.apply(args=[ScoreOutbox.objects.get().pk]).get() == "sent"
    assert delivery.due() == []


# --- roster (NRPS) ---------------------------------------------------------------------------


def test_the_lms_roster_becomes_the_class(platform, tool, course, registered, ua):
    link = place(platform, course, f"quiz:{quiz().uuid}")
    ua.open_in_tutor(
        ua.launch(platform, "u-teacher", course, resource_link_id=link.resource_link_id)
    )
    course_class = CourseClass.objects.get()
    roster_sync(course_class_id=course_class.pk)  # the token endpoint, then the memberships
    course_class.refresh_from_db()
    assert course_class.roster_synced_at is not None and course_class.roster_problem == ""
    cohort = course_class.cohort
    assert {u.lti_users.get().sub for u in cohort.members.all()} == {"u-alice", "u-bob"}
    assert [u.lti_users.get().sub for u in cohort.instructors.all()] == ["u-teacher"]
    bob = LtiUser.objects.get(sub="u-bob").auth_user
    assert not bob.has_usable_password()
    # Bob, known from the roster, launches later: the same account.
    student = UserAgent()
    student.open_in_tutor(
        student.launch(platform, "u-bob", course, resource_link_id=link.resource_link_id)
    )
    assert logged_in_username(student, tool) == bob.username


def test_a_roster_the_lms_refuses_is_reported(platform, tool, course, registered, ua):
    link = place(platform, course, f"quiz:{quiz().uuid}")
    ua.open_in_tutor(
        ua.launch(platform, "u-teacher", course, resource_link_id=link.resource_link_id)
    )
    course_class = CourseClass.objects.get()
    course_class.context.memberships_url = f"{platform.base_url}/nrps/no-such-course/memberships"
    course_class.context.save()
    roster_sync(course_class_id=course_class.pk)
    course_class.refresh_from_db()
    assert course_class.roster_problem.startswith("The LMS did not give the roster")


# --- registration and keys -------------------------------------------------------------------


def test_dynamic_registration_then_a_launch(platform, tool, course, ua):
    token = platform.new_registration_token()
    start = (
        f"{tool}/lti/register/?openid_configuration={platform.base_url}/.well-known/openid-configuration"
        f"&registration_token={token}"
    )
    page = ua.http.get(start, timeout=10)
    assert (
        page.status_code == 200
        and f"frame-ancestors {platform.base_url}" in page.headers["Content-Security-Policy"]
    )
    assert not LtiRegistration.objects.exists()  # nothing stored before the LMS agreed
    done = ua.submit(page)
    assert done.status_code == 200 and "data-lti-close" in done.text, done.text
    registration = LtiRegistration.objects.get()
    [client] = [c for c in platform.clients.values() if c.registered_by_dr]
    assert (registration.client_id, registration.issuer) == (client.client_id, platform.issuer)
    assert client.oidc_login_url == f"{tool}/lti/login/{registration.uuid}/"
    assert (
        LtiDeployment.objects.get(registration=registration).deployment_id == client.deployment_id
    )
    link = platform.add_resource_link(
        client.client_id, course, "Quiz", {"item": f"quiz:{quiz().uuid}"}
    )
    launch = ua.launch(
        platform,
        "u-alice",
        course,
        client_id=client.client_id,
        resource_link_id=link.resource_link_id,
    )
    assert ua.open_in_tutor(launch).url == f"{tool}{quiz().get_absolute_url()}"
    # The token was for one registration: used again, the LMS refuses and nothing is stored.
    again = ua.submit(ua.http.get(start, timeout=10))
    assert again.status_code == 400 and "Nothing was registered" in again.text
    assert LtiRegistration.objects.count() == 1


def test_keys_rotate_and_services_keep_working(platform, tool, course, registered, ua):
    lab = make_lab([EXISTS, READY_WRONG])
    link = place(platform, course, f"lab:{lab.uuid}")
    ua.open_in_tutor(ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id))
    alice = LtiUser.objects.get(sub="u-alice").auth_user
    old_kid = Key.objects.get().as_jwk()["kid"]
    call_command("rotate_keys")
    assert len(requests.get(f"{tool}/lti/.well-known/jwks.json", timeout=10).json()["keys"]) == 2
    graded_lab_submission(alice, lab, [EXISTS, READY_WRONG])
    assert tasks.send_score.apply(args=[ScoreOutbox.objects.get().pk]).get() == "sent"
    call_command("rotate_keys", deactivate_after=0)
    kids = [
        k["kid"]
        for k in requests.get(f"{tool}/lti/.well-known/jwks.json", timeout=10).json()["keys"]
    ]
    assert old_kid not in kids and len(kids) == 1


def test_the_same_sub_on_two_lmss_is_two_people(platform, tool, course, registered, ua):
    link = place(platform, course, f"quiz:{quiz().uuid}")
    ua.open_in_tutor(ua.launch(platform, "u-alice", course, resource_link_id=link.resource_link_id))
    other = TestPlatform().start()
    try:
        register_manually(other, tool, deployment_id="1")
        other.add_user("u-alice", "Mallory Impostor", "m@example.org")
        other.add_context("c1", "Other course", {"u-alice": [INSTRUCTOR]})
        link2 = other.add_resource_link(CLIENT, "c1", "x", {"item": f"quiz:{quiz().uuid}"})
        agent = UserAgent()
        agent.open_in_tutor(
            agent.launch(other, "u-alice", "c1", resource_link_id=link2.resource_link_id)
        )
    finally:
        other.stop()
    assert User.objects.filter(lti_users__sub="u-alice").distinct().count() == 2
