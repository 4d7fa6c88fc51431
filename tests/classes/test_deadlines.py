"""Deadlines and rules per class: due dates, late work, attempt limits, feedback, time zones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Preferences
from classes import services
from classes.gradebook import gradebook_for
from classes.models import WorkPolicy
from core import policy
from labs.models import LabSubmission
from labs.submissions import SubmissionRefused, lab_submission_create
from quizzes.models import QuizAttempt
from quizzes.services import AttemptRefused, quiz_attempt_finish, quiz_attempt_start
from tests.classes.conftest import make_lab
from tests.quizzes.factories import make_quiz, question_data
from workspaces.resolve import Where, Workspace

pytestmark = pytest.mark.django_db


def rules(cohort, item, kind="quiz", **fields):
    defaults = {
        "due_at": None, "late": "accept", "penalty_percent": 0, "max_attempts": None,
        "feedback_before_due": "solutions", "feedback_after_due": "solutions",
    }  # fmt: skip
    return services.policy_set(
        cohort=cohort, kind=kind, item_uuid=str(item.uuid), title=item.title,
        **{**defaults, **fields},
    )  # fmt: skip


def test_an_attempt_limit_refuses_the_next_attempt(cohort, alice, client):
    quiz = make_quiz()
    rules(cohort, quiz, max_attempts=1)
    quiz_attempt_finish(attempt=quiz_attempt_start(user=alice, quiz=quiz)[0])
    with pytest.raises(AttemptRefused, match="all 1 attempt"):
        quiz_attempt_start(user=alice, quiz=quiz)
    client.force_login(alice)
    response = client.post(reverse("quizzes:start", args=[quiz.pk]))
    assert response.status_code == 403 and "Kubernetes 101" in response.content.decode()


def test_late_work_is_refused_accepted_or_penalised(cohort, alice, bob):
    quiz = make_quiz()
    past = timezone.now() - timedelta(hours=1)
    rules(cohort, quiz, due_at=past, late="refuse")
    with pytest.raises(AttemptRefused, match=r"due date .* has passed"):
        quiz_attempt_start(user=alice, quiz=quiz)
    # A student who is in no class with rules is not bound by them.
    assert quiz_attempt_start(user=bob, quiz=quiz)[1] is False

    rules(cohort, quiz, due_at=past, late="penalty", penalty_percent=25)
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    question = quiz.questions.get()
    right = next(o["id"] for o in question.options if o.get("correct"))
    from quizzes.services import quiz_attempt_answer

    quiz_attempt_answer(attempt=attempt, question=question, raw={"option": [right]})
    quiz_attempt_finish(attempt=attempt)
    [row] = [r for r in gradebook_for(cohort=cohort).rows if r.user == alice]
    cell = row.quizzes[quiz.pk]
    assert (cell.best_percent, cell.late) == (75, True)


def test_an_attempt_finished_before_the_due_date_counts_in_full(cohort, alice):
    quiz = make_quiz()
    rules(
        cohort, quiz, due_at=timezone.now() + timedelta(days=1), late="penalty", penalty_percent=50
    )
    attempt = quiz_attempt_finish(attempt=quiz_attempt_start(user=alice, quiz=quiz)[0])
    found = policy.rules_for(alice, "quiz", str(quiz.uuid))
    assert found is not None and found.factor(attempt.finished_at) == 1.0


def test_the_most_lenient_of_two_classes_applies(cohort, alice, dave):
    other = services.cohort_create(name="Second class", instructor=dave)
    services.cohort_join(user=alice, code=other.join_code)
    quiz = make_quiz()
    rules(cohort, quiz, due_at=timezone.now() - timedelta(days=1), late="refuse")
    rules(other, quiz, due_at=timezone.now() + timedelta(days=1), late="refuse")
    found = policy.rules_for(alice, "quiz", str(quiz.uuid))
    assert found.cohort_name == "Second class" and not found.past_due()
    services.cohort_end(cohort=other)  # an ended class sets no rules any more
    assert policy.rules_for(alice, "quiz", str(quiz.uuid)).cohort_name == "Kubernetes 101"


def answer_first_question(client, quiz) -> str:
    attempt_url = client.post(reverse("quizzes:start", args=[quiz.pk]))["Location"]
    attempt = QuizAttempt.objects.get(quiz=quiz)
    question = quiz.questions.get()
    wrong = next(o["id"] for o in question.options if not o.get("correct"))
    response = client.post(
        reverse("quizzes:answer", args=[attempt.pk, question.pk]), {"option": wrong},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 200, attempt_url
    return response.content.decode()


@pytest.mark.parametrize(
    ("level", "shown", "hidden"),
    [
        ("score", ["Your answer is recorded"], ["Not quite", "Wrong because.", "Right answer"]),
        ("checks", ["Not quite"], ["Wrong because.", "Right answer", "Because of how Pods"]),
        ("solutions", ["Not quite", "Wrong because.", "Right answer"], []),
    ],
)
def test_feedback_shows_what_the_class_allows(cohort, alice, client, level, shown, hidden):
    quiz = make_quiz(questions=[question_data()])
    rules(cohort, quiz, feedback_before_due=level)
    client.force_login(alice)
    body = answer_first_question(client, quiz)
    for text in shown:
        assert text in body, (level, text)
    for text in hidden:
        assert text not in body, (level, text)


def test_after_the_due_date_the_later_feedback_applies(cohort, alice, client):
    quiz = make_quiz(questions=[question_data()])
    rules(cohort, quiz, due_at=timezone.now() - timedelta(minutes=1),
          feedback_before_due="score", feedback_after_due="solutions")  # fmt: skip
    client.force_login(alice)
    assert "Wrong because." in answer_first_question(client, quiz)


def test_lab_checks_have_a_limit_and_a_score_only_mode(cohort, alice, client):
    lab = make_lab([{"id": "exists", "title": "Deployment web", "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}}])  # fmt: skip
    rules(cohort, lab, kind="lab", max_attempts=1, feedback_before_due="score")
    workspace = Workspace(Where.LOCAL, "default", True, alice.pk)
    submission, _ = lab_submission_create(user=alice, lab=lab, workspace=workspace)
    LabSubmission.objects.filter(pk=submission.pk).update(status="done")
    with pytest.raises(SubmissionRefused, match="all 1 attempt"):
        lab_submission_create(user=alice, lab=lab, workspace=workspace)
    client.force_login(alice)
    refused = client.post(reverse("labs:check", args=[lab.slug]), HTTP_HX_REQUEST="true")
    assert refused.status_code == 403 and "all 1 attempt" in refused.content.decode()
    page = client.get(lab.get_absolute_url()).content.decode()
    assert "score only" in page and "Deployment web</strong>" not in page
    assert "At most 1 attempt" in page


def test_due_dates_show_in_the_students_time_zone(cohort, alice, client):
    quiz = make_quiz()
    due = timezone.now().replace(
        year=2031, month=3, day=1, hour=12, minute=0, second=0, microsecond=0
    )
    rules(cohort, quiz, due_at=due)
    client.force_login(alice)
    assert "12:00 UTC" in client.get(quiz.get_absolute_url()).content.decode()
    response = client.post(reverse("accounts:time_zone"), {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert Preferences.objects.get(user=alice).time_zone == "Asia/Tokyo"
    assert "21:00 JST" in client.get(quiz.get_absolute_url()).content.decode()
    assert "21:00 JST" in client.get(reverse("classes:mine")).content.decode()
    bad = client.post(reverse("accounts:time_zone"), {"time_zone": "Mars/Olympus"})
    assert bad.status_code == 400 and "not a time zone" in bad.content.decode()


def test_instructors_set_and_remove_rules(cohort, carol, client):
    quiz = make_quiz()
    client.force_login(carol)
    url = reverse("classes_instructor:policy_save", args=[cohort.pk])
    page = client.get(cohort.get_absolute_url()).content.decode()
    assert "Deadlines and rules" in page and quiz.title in page
    refused = client.post(url, {"item": f"quiz:{quiz.uuid}", "late": "penalty",
                                "feedback_before_due": "score", "feedback_after_due": "solutions"},
                          follow=True)  # fmt: skip
    body = refused.content.decode()
    assert "Rules not saved" in body and "needs a due date" in body
    assert not WorkPolicy.objects.exists()
    client.post(url, {"item": f"quiz:{quiz.uuid}", "due_at": "2031-03-01T12:00", "late": "penalty",
                      "penalty_percent": "20", "max_attempts": "3", "feedback_before_due": "score",
                      "feedback_after_due": "solutions"})  # fmt: skip
    saved = WorkPolicy.objects.get()
    assert (saved.late, saved.penalty_percent, saved.max_attempts) == ("penalty", 20, 3)
    assert saved.due_at.isoformat() == "2031-03-01T12:00:00+00:00"
    delete = reverse("classes_instructor:policy_delete", args=[cohort.pk, saved.pk])
    other = Client()
    other.force_login(cohort.memberships.get().user)
    assert other.post(delete).status_code == 403
    assert client.post(delete).status_code == 302 and not WorkPolicy.objects.exists()
