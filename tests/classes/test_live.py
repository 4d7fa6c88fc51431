"""The live view of a class: done, working, stuck; what fails right now; each student's timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes import services
from classes.live import checks_grid, lab_state, live_board, student_timeline
from exercises.models import Exercise, ExerciseAttempt
from labs.models import LabSubmission
from quizzes.services import quiz_attempt_finish, quiz_attempt_start
from tests.classes.conftest import make_lab
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db

CHECKS = [
    {"id": "deployment", "title": "Deployment web exists", "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}},
    {"id": "service", "title": "Service web selects the Pods", "select": {"kind": "Service", "name": "web"}, "count": {"equals": 1}, "section": "services-section"},
]  # fmt: skip


def result(check, passed):
    return {"id": check["id"], "title": check["title"], "passed": passed, "points": int(passed),
            "max_points": 1, "message": "", "hint": "", "evidence": {}}  # fmt: skip


def submit(user, lab, *, minutes_ago, service_ok=False, deployment_ok=True, status="done"):
    results = [result(CHECKS[0], deployment_ok), result(CHECKS[1], service_ok)]
    submission = LabSubmission.objects.create(
        user=user, lab=lab, namespace="ns", status=status, results=results,
        score=sum(r["points"] for r in results), max_score=2,
        passed=all(r["passed"] for r in results),
    )  # fmt: skip
    when = timezone.now() - timedelta(minutes=minutes_ago)
    LabSubmission.objects.filter(pk=submission.pk).update(created_at=when)
    return submission


@pytest.fixture
def lab():
    return make_lab(CHECKS, slug="live-lab")


def states(cohort, lab):
    board = live_board(cohort=cohort)
    column = [lab.pk for lab in board.labs].index(lab.pk)
    return {user.username: cells[column] for user, cells in board.rows}


def test_done_working_stuck_tried_and_not_started(cohort, lab, alice, django_user_model):
    names = ["done1", "queued1", "working1", "stuck1", "tried1", "none1"]
    people = {n: django_user_model.objects.create_user(n, password="x") for n in names}
    for person in people.values():
        services.cohort_join(user=person, code=cohort.join_code)
    submit(people["done1"], lab, minutes_ago=50, service_ok=True)
    submit(people["queued1"], lab, minutes_ago=0, status="queued")
    submit(people["working1"], lab, minutes_ago=3)
    for minutes in (14, 8, 2):  # the same check, failing for 14 minutes
        submit(people["stuck1"], lab, minutes_ago=minutes)
    submit(people["tried1"], lab, minutes_ago=300)
    found = states(cohort, lab)
    assert {n: found[n].state for n in names} == {
        "done1": "done", "queued1": "working", "working1": "working", "stuck1": "stuck",
        "tried1": "tried", "none1": "none",
    }  # fmt: skip
    assert found["stuck1"].failing == "Service web selects the Pods"


def test_a_student_who_changes_what_fails_is_not_stuck(lab, alice):
    now = timezone.now()
    first = submit(alice, lab, minutes_ago=14, service_ok=False, deployment_ok=True)
    second = submit(alice, lab, minutes_ago=2, service_ok=True, deployment_ok=False)
    subs = list(LabSubmission.objects.filter(pk__in=[first.pk, second.pk]).order_by("-created_at"))
    assert lab_state(subs, False, now).state == "working"


def test_what_fails_right_now_links_to_the_section_that_teaches_it(
    cohort, lab, alice, bob, carol, client
):
    services.cohort_join(user=bob, code=cohort.join_code)
    submit(alice, lab, minutes_ago=5)
    submit(bob, lab, minutes_ago=6)
    exercise = Exercise.objects.filter(is_published=True).select_related("chapter").first()
    for user in (alice, bob):
        ExerciseAttempt.objects.create(
            user=user, exercise=exercise, manifest="x", valid=False, passed=False, score=0,
            max_score=1, findings=[{"severity": "error", "code": "unknown-field",
                                    "path": "spec.replica", "message": "replica is not a field"}],
        )  # fmt: skip
    board = live_board(cohort=cohort)
    [check] = board.checks
    assert (check.title, check.students) == ("Service web selects the Pods", 2)
    # The check names its section: the link goes there.
    assert check.url == f"{lab.chapter.get_absolute_url()}#services-section"
    [finding] = board.findings
    assert (finding.title, finding.students, finding.example) == (
        "unknown-field",
        2,
        "replica is not a field",
    )
    assert finding.url.startswith(exercise.chapter.get_absolute_url())

    client.force_login(carol)
    url = reverse("classes_instructor:live", args=[cohort.pk])
    page = client.get(url).content.decode()
    assert "Service web selects the Pods" in page and "unknown-field" in page
    assert 'hx-trigger="every 5s"' in page
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="live-board"') and "<html" not in partial
    grid = client.get(url + "?lab=live-lab").content.decode()
    assert "each check, from each student" in grid and "Deployment web exists" in grid


def test_the_checks_grid_reads_each_students_latest_result(cohort, lab, alice):
    submit(alice, lab, minutes_ago=30)
    submit(alice, lab, minutes_ago=1, service_ok=True)
    [(user, row)] = checks_grid(cohort=cohort, lab=lab)
    assert user == alice and row == ["passed", "passed"]


def test_the_board_costs_the_same_queries_for_a_bigger_class(
    cohort, lab, django_user_model, django_assert_max_num_queries
):
    for i in range(15):
        person = django_user_model.objects.create_user(f"p{i}", password="x")
        services.cohort_join(user=person, code=cohort.join_code)
        submit(person, lab, minutes_ago=i)
    with django_assert_max_num_queries(12):
        live_board(cohort=cohort)


def test_a_students_timeline_and_who_may_read_it(cohort, lab, alice, bob, carol, dave):
    quiz = make_quiz()
    quiz_attempt_finish(attempt=quiz_attempt_start(user=alice, quiz=quiz)[0])
    submit(alice, lab, minutes_ago=0)  # after the quiz: newest first
    entries = student_timeline(cohort=cohort, user=alice)
    assert [e.kind for e in entries] == ["Lab", "Quiz"]
    assert "failing: Service web selects the Pods" in entries[0].outcome
    url = reverse("classes_instructor:timeline", args=[cohort.pk, alice.pk])
    for user, status in ((alice, 403), (dave, 404), (carol, 200)):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status
    client = Client()
    client.force_login(carol)
    assert (
        client.get(reverse("classes_instructor:timeline", args=[cohort.pk, bob.pk])).status_code
        == 404
    )
    assert client.get(reverse("classes_instructor:live", args=[cohort.pk])).status_code == 200
    client.force_login(dave)
    assert client.get(reverse("classes_instructor:live", args=[cohort.pk])).status_code == 404
