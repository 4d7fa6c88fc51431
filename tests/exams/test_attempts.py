"""Exam attempts without a cluster: start, schedule and extension, flags, hand-in, time-out,
the reaper's work list, who may see what, the gradebook and the LMS score."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from classes import services as class_services
from classes.gradebook import gradebook_csv, gradebook_for
from exams import runs, services
from exams.models import AttemptStatus, ExamAttempt
from lti.scores import fraction_for
from tests.exams.factories import make_exam

# Also run on PostgreSQL and Redis by `make test` (the classroom suite).
pytestmark = [pytest.mark.django_db, pytest.mark.classroom]


@pytest.fixture
def exam(tmp_path):
    return make_exam(tmp_path)


def in_progress(attempt: ExamAttempt, *, minutes_left: float = 30) -> ExamAttempt:
    """As a worker leaves it once the workspace is ready."""
    now = timezone.now()
    ExamAttempt.objects.filter(pk=attempt.pk).update(
        status=AttemptStatus.IN_PROGRESS, started_at=now,
        deadline=now + timedelta(minutes=minutes_left),
    )  # fmt: skip
    attempt.refresh_from_db()
    return attempt


def test_a_start_makes_one_attempt_in_a_fresh_namespace(exam, alice, settings):
    settings.TUTOR_MODE = "local"
    attempt, resumed = services.exam_attempt_start(user=alice, exam=exam)
    assert not resumed and attempt.status == AttemptStatus.PREPARING
    assert attempt.namespace.startswith("lfs158-exam-") and attempt.where == "local"
    assert attempt.namespace != settings.TUTOR_LAB_NAMESPACE
    assert (attempt.duration_minutes, attempt.max_score) == (30, 100)
    again, resumed = services.exam_attempt_start(user=alice, exam=exam)
    assert resumed and again.pk == attempt.pk


def test_a_class_schedule_sets_the_window_attempts_and_time(exam, cohort, alice, bob):
    now = timezone.now()
    schedule = class_services.exam_schedule_set(
        cohort=cohort, exam=exam, opens_at=now + timedelta(hours=1), closes_at=None,
        duration_minutes=20, max_attempts=1, show_solutions=False,
    )  # fmt: skip
    with pytest.raises(services.ExamRefused, match="opens this exam on"):
        services.exam_attempt_start(user=alice, exam=exam)
    assert services.exam_attempt_start(user=bob, exam=exam)[0].duration_minutes == 30  # practice
    schedule.opens_at = now - timedelta(minutes=1)
    schedule.save()
    class_services.exam_extension_set(
        cohort=cohort, schedule_id=schedule.pk, user_id=alice.pk, extra_minutes=10
    )
    attempt, _ = services.exam_attempt_start(user=alice, exam=exam)
    assert attempt.duration_minutes == 30  # 20 + 10
    services.exam_attempt_submit(attempt=in_progress(attempt))
    with pytest.raises(services.ExamRefused, match="all 1 attempt"):
        services.exam_attempt_start(user=alice, exam=exam)
    schedule.closes_at = now - timedelta(seconds=1)
    schedule.max_attempts = None
    schedule.save()
    with pytest.raises(services.ExamRefused, match="has closed"):
        services.exam_attempt_start(user=alice, exam=exam)


def test_an_extension_gives_an_attempt_in_progress_the_time_at_once(exam, cohort, alice):
    schedule = class_services.exam_schedule_set(
        cohort=cohort, exam=exam, opens_at=None, closes_at=None, duration_minutes=None,
        max_attempts=None, show_solutions=False,
    )  # fmt: skip
    attempt = in_progress(services.exam_attempt_start(user=alice, exam=exam)[0], minutes_left=5)
    before = attempt.deadline
    class_services.exam_extension_set(
        cohort=cohort, schedule_id=schedule.pk, user_id=alice.pk, extra_minutes=15
    )
    attempt.refresh_from_db()
    assert attempt.deadline - before == timedelta(minutes=15)


def test_flags_and_one_hand_in(exam, alice):
    attempt = in_progress(services.exam_attempt_start(user=alice, exam=exam)[0])
    services.exam_flag(attempt=attempt, task_id="rbac", flagged=True)
    attempt.refresh_from_db()
    assert attempt.flagged == ["rbac"]
    with pytest.raises(services.ExamError):
        services.exam_flag(attempt=attempt, task_id="nope", flagged=True)
    assert services.exam_attempt_submit(attempt=attempt) is True
    assert services.exam_attempt_submit(attempt=attempt) is False  # a double click: one hand-in
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and not attempt.timed_out
    with pytest.raises(services.ExamClosed):
        services.exam_flag(attempt=attempt, task_id="web", flagged=True)


def test_time_out_hands_in_at_the_deadline_whoever_comes_first(exam, alice, client):
    attempt = in_progress(services.exam_attempt_start(user=alice, exam=exam)[0], minutes_left=-1)
    client.force_login(alice)
    page = client.get(attempt.get_absolute_url()).content.decode()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.timed_out
    assert attempt.submitted_at == attempt.deadline  # the server's clock, not the late page
    assert "when the time ran out" in page
    assert runs.time_out(attempt.pk) is False  # the timer's task comes second: nothing to do


def test_the_reaper_finds_every_lost_attempt(exam, alice, bob, carol, django_user_model):
    late = in_progress(services.exam_attempt_start(user=alice, exam=exam)[0], minutes_left=-1)
    dead = services.exam_attempt_start(user=bob, exam=exam)[0]
    ExamAttempt.objects.filter(pk=dead.pk).update(
        status=AttemptStatus.GRADING, claimed_at=timezone.now() - timedelta(hours=1)
    )
    lost = services.exam_attempt_start(user=carol, exam=exam)[0]
    ExamAttempt.objects.filter(pk=lost.pk).update(
        status=AttemptStatus.SUBMITTED, submitted_at=timezone.now() - timedelta(minutes=5)
    )
    dave = django_user_model.objects.create_user("dave", password="x")
    stale = services.exam_attempt_start(user=dave, exam=exam)[0]
    ExamAttempt.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    todo = runs.stuck()
    assert todo["time_out"] == [late.pk] and todo["prepare"] == [stale.pk]
    assert sorted(todo["grade"]) == sorted([dead.pk, lost.pk])
    dead.refresh_from_db()
    assert dead.status == AttemptStatus.SUBMITTED  # given back: the next worker grades it


def test_nobody_else_sees_or_touches_an_attempt(exam, alice, bob, carol):
    attempt = in_progress(services.exam_attempt_start(user=alice, exam=exam)[0])
    for user in (bob, carol):  # another student; an instructor outside the class pages
        client = Client()
        client.force_login(user)
        assert client.get(attempt.get_absolute_url()).status_code == 404
        assert client.post(reverse("exams:submit", args=[attempt.pk])).status_code == 404
        assert (
            client.post(
                reverse("exams:flag", args=[attempt.pk]), {"task": "web", "flagged": "1"}
            ).status_code
            == 404
        )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and attempt.flagged == []
    anonymous = Client().get(attempt.get_absolute_url())
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_exam_pages_for_the_student(exam, alice, client):
    client.force_login(alice)
    assert "Demo practical" in client.get(reverse("exams:list")).content.decode()
    intro = client.get(exam.get_absolute_url()).content.decode()
    assert "30 minutes" in intro and "Practice: take it as often" in intro
    response = client.post(reverse("exams:start", args=[exam.slug]))
    attempt = ExamAttempt.objects.get(user=alice)
    assert response["Location"] == attempt.get_absolute_url()
    assert "Preparing your workspace" in client.get(attempt.get_absolute_url()).content.decode()
    in_progress(attempt)
    page = client.get(attempt.get_absolute_url() + "?task=rbac").content.decode()
    assert "Bind bob." in page and attempt.namespace in page
    # The browser terminal opens in the exam's namespace, not the lab namespace.
    assert f'data-terminal-namespace="{attempt.namespace}"' in page
    assert 'data-seconds-left="' in page
    # A poll that finds a new state asks for the whole page again.
    poll = client.get(attempt.get_absolute_url() + "?since=preparing", HTTP_HX_REQUEST="true")
    assert poll.headers.get("HX-Refresh") == "true"


def graded(attempt: ExamAttempt, web: float, rbac: float) -> ExamAttempt:
    results = {
        "web": {"score": web, "max_score": 60, "points": 0, "max_points": 4, "checks": [
            {"id": "ready", "title": "2 ready replicas", "passed": False, "points": 0, "max_points": 2,
             "message": "readyReplicas is 1", "hint": "Look at the Pods.", "evidence": {}}]},
        "rbac": {"score": rbac, "max_score": 40, "points": 2, "max_points": 2, "checks": []},
    }  # fmt: skip
    ExamAttempt.objects.filter(pk=attempt.pk).update(status=AttemptStatus.GRADING)
    runs.finish(ExamAttempt.objects.select_related("exam").get(pk=attempt.pk), results)
    attempt.refresh_from_db()
    return attempt


def test_the_review_the_gradebook_and_the_lms_score(exam, cohort, alice, carol, client):
    attempt = graded(in_progress(services.exam_attempt_start(user=alice, exam=exam)[0]), 30, 40)
    assert (attempt.score, attempt.passed, attempt.percent) == (70, True, 70)
    client.force_login(alice)
    review = client.get(attempt.get_absolute_url()).content.decode()
    assert "70%" in review and "readyReplicas is 1" in review
    assert "Hint: Look at the Pods." in review  # practice: hints and solutions shown
    class_services.exam_schedule_set(
        cohort=cohort, exam=exam, opens_at=None, closes_at=None, duration_minutes=None,
        max_attempts=None, show_solutions=False,
    )  # fmt: skip
    review = client.get(attempt.get_absolute_url()).content.decode()
    assert "Look at the Pods" not in review and "does not show the solutions" in review

    book = gradebook_for(cohort=cohort)
    assert book.exams == [exam]
    [row] = book.rows
    assert row.exams[exam.pk].best_percent == 70
    assert "exam_demo-practical_best_percent" in gradebook_csv(book)
    teacher = Client()
    teacher.force_login(carol)
    page = teacher.get(cohort.get_absolute_url()).content.decode()
    assert "Timed exams" in page and "70%" in page
    detail = teacher.get(reverse("classes_instructor:exam_attempt", args=[cohort.pk, attempt.pk]))
    assert detail.status_code == 200 and "readyReplicas is 1" in detail.content.decode()
    assert fraction_for(user_id=alice.pk, kind="exam", item_uuid=str(exam.uuid)) == 0.7


def test_instructors_schedule_and_extend_from_the_class_page(
    exam, cohort, alice, carol, dave, client
):
    client.force_login(carol)
    url = reverse("classes_instructor:exam_schedule", args=[cohort.pk])
    response = client.post(url, {"exam": exam.pk, "opens_at": "2031-01-01T10:00",
                                 "closes_at": "2030-01-01T10:00"}, follow=True)  # fmt: skip
    assert "must close after it opens" in response.content.decode()
    client.post(url, {"exam": exam.pk, "duration_minutes": "40", "max_attempts": "2"})
    schedule = cohort.exam_schedules.get()
    assert (schedule.duration_minutes, schedule.max_attempts) == (40, 2)
    extension = reverse("classes_instructor:exam_extension", args=[cohort.pk, schedule.pk])
    client.post(extension, {"user": alice.pk, "extra_minutes": "25"})
    assert schedule.extensions.get().extra_minutes == 25
    other = Client()
    other.force_login(dave)
    assert other.post(extension, {"user": alice.pk, "extra_minutes": "99"}).status_code == 404
    assert other.post(url, {"exam": exam.pk}).status_code == 404


def test_quiz_questions_in_an_exam_are_answered_then_scored_at_the_end(tmp_path, alice, client):
    from quizzes.models import Question
    from tests.exams.factories import course_single_question

    asked = course_single_question()
    exam = make_exam(tmp_path, questions=[asked["uuid"]])
    assert exam.max_score == 101
    question = Question.objects.get(uuid=asked["uuid"])
    right = next(o["id"] for o in question.options if o.get("correct"))
    wrong = next(o["id"] for o in question.options if not o.get("correct"))
    attempt = in_progress(services.exam_attempt_start(user=alice, exam=exam)[0])
    client.force_login(alice)
    page = client.get(attempt.get_absolute_url() + "?task=questions").content.decode()
    assert "Question 1" in page and "Right answer" not in page  # nothing is given away
    url = reverse("exams:answer", args=[attempt.pk])
    client.post(url, {"question": asked["uuid"], "option": wrong})
    client.post(url, {"question": asked["uuid"], "option": right})  # changed before the end
    refused = client.post(url, {"question": asked["uuid"], "option": "forged"}, follow=True)
    assert "not part of this question" in refused.content.decode()
    attempt.refresh_from_db()
    assert attempt.answers == {asked["uuid"]: {"option": right}}
    attempt = graded(attempt, 30, 40)
    assert attempt.question_results[asked["uuid"]]["correct"] is True
    assert (attempt.score, attempt.max_score) == (71, 101)
    with pytest.raises(services.ExamClosed):
        services.exam_answer(attempt=attempt, question_uuid=asked["uuid"], raw={"option": [wrong]})
    review = client.get(attempt.get_absolute_url()).content.decode()
    assert 'badge done">right' in review or ">right<" in review


def test_the_terminals_shell_points_at_the_exam_namespace_during_it(exam, alice, settings):
    from workspaces.resolve import workspace_now
    from workspaces.terminal.backends import backend_for

    settings.TUTOR_MODE = "local"
    assert backend_for(user_id=alice.pk, client_address="127.0.0.1").namespace == (
        settings.TUTOR_LAB_NAMESPACE
    )
    attempt = in_progress(services.exam_attempt_start(user=alice, exam=exam)[0])
    assert workspace_now(alice).namespace == attempt.namespace
    assert backend_for(user_id=alice.pk, client_address="127.0.0.1").namespace == attempt.namespace
    services.exam_attempt_submit(attempt=attempt)
    assert workspace_now(alice).namespace == settings.TUTOR_LAB_NAMESPACE  # the exam is over
