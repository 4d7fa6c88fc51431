"""After a success, the next step: the next exercise, the chapter's lab, the next chapter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exercises.models import Exercise
from exercises.services import exercise_attempt_submit
from labs.models import Lab, LabSubmission, SubmissionStatus
from lessons.models import Chapter
from quizzes.models import QuizAttempt
from quizzes.services import quiz_attempt_answer, quiz_attempt_finish, quiz_attempt_start
from tests.quizzes.factories import make_quiz, option_id
from tutor.next_step import UnknownStep, next_step, parse_after

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def chapter(number):
    return Chapter.objects.get(number=number)


def solve(user, slug):
    exercise = Exercise.objects.get(slug=slug)
    exercise_attempt_submit(user=user, exercise=exercise, manifest=exercise.solution)
    return exercise


def pass_lab(user, slug):
    lab = Lab.objects.get(slug=slug)
    return LabSubmission.objects.create(
        user=user, lab=lab, namespace="ns", status=SubmissionStatus.DONE, score=1, max_score=1,
        passed=True,
    )  # fmt: skip


@pytest.mark.parametrize("value", ["", "quiz:x", "exercise", "exercise:", "lab:", "chapter:x"])
def test_unknown_steps_are_refused(value):
    with pytest.raises(UnknownStep):
        parse_after(value)


def test_after_the_quiz_comes_the_first_exercise_not_solved_then_the_lab(alice):
    services = chapter(9)
    step = next_step(chapter=services, after="quiz", user=alice)
    assert (step.kind, step.url) == (
        "exercise",
        Exercise.objects.get(slug="frontend-clusterip").get_absolute_url(),
    )
    solve(alice, "frontend-clusterip")
    step = next_step(chapter=services, after="quiz", user=alice)
    assert (step.kind, step.title) == ("lab", Lab.objects.get(slug="services").title)
    pass_lab(alice, "services")
    step = next_step(chapter=services, after="quiz", user=alice)
    assert (step.kind, step.title) == ("lab", Lab.objects.get(slug="service-no-endpoints").title)


def test_after_an_exercise_comes_the_next_one_then_the_next_chapter(alice):
    blocks = chapter(7)
    first, second = Exercise.objects.filter(chapter=blocks).order_by("position")
    step = next_step(chapter=blocks, after=f"exercise:{first.slug}", user=alice)
    assert (step.kind, step.title) == ("exercise", second.title)
    # The chapter has no lab: after its last exercise, the next chapter.
    step = next_step(chapter=blocks, after=f"exercise:{second.slug}", user=alice)
    assert (step.kind, step.number, step.url) == ("chapter", 8, chapter(8).get_absolute_url())


def test_solved_exercises_and_passed_labs_are_skipped(alice):
    blocks = chapter(7)
    first, second = Exercise.objects.filter(chapter=blocks).order_by("position")
    solve(alice, second.slug)
    step = next_step(chapter=blocks, after=f"exercise:{first.slug}", user=alice)
    assert step.kind == "chapter"
    pass_lab(alice, "services")
    pass_lab(alice, "service-no-endpoints")
    solve(alice, "frontend-clusterip")
    assert next_step(chapter=chapter(9), after="quiz", user=alice).kind == "chapter"


def test_after_the_last_chapters_lab_comes_the_end_and_the_review(alice_client, alice):
    step = next_step(chapter=chapter(10), after="lab:webserver", user=alice)
    assert step.kind == "end"
    url = reverse("next_step", args=[chapter(10).slug])
    assert alice_client.get(url, {"after": "lab:webserver"})["Location"] == reverse("review:page")
    body = alice_client.get(url, {"after": "lab:webserver"}, headers=HX).content.decode()
    assert "You have reached the end of the course." in body
    assert reverse("review:page") in body


def test_the_url_redirects_and_htmx_gets_the_step_named(alice_client, alice):
    url = reverse("next_step", args=[chapter(9).slug])
    response = alice_client.get(url, {"after": "lab:services"})
    assert response.status_code == 302
    assert response["Location"] == chapter(10).get_absolute_url()
    partial = alice_client.get(url, {"after": "lab:services"}, headers=HX)
    body = partial.content.decode()
    assert body.lstrip().startswith('<p class="next-step">')
    assert f"Next: chapter 10, {chapter(10).title}" in body
    assert "HX-Request" in partial["Vary"]


@pytest.mark.parametrize(
    "after, status",
    [("nonsense", 400), ("exercise:no-such-exercise", 404), ("lab:webserver", 404)],
)
def test_bad_steps_get_a_clear_answer(client, after, status):
    response = client.get(reverse("next_step", args=[chapter(9).slug]), {"after": after})
    assert response.status_code == status


def test_an_unknown_chapter_is_404(client):
    assert client.get("/chapters/nope/next/", {"after": "quiz"}).status_code == 404


def test_a_passed_exercise_offers_the_next_step(alice_client, alice):
    exercise = Exercise.objects.filter(chapter=chapter(7)).order_by("position").first()
    body = alice_client.get(exercise.get_absolute_url()).content.decode()
    assert "next-step" not in body
    solve(alice, exercise.slug)
    body = alice_client.get(exercise.get_absolute_url()).content.decode()
    url = reverse("next_step", args=[exercise.chapter.slug])
    assert f'href="{url}?after=exercise%3A{exercise.slug}"' in body
    assert f'hx-get="{url}?after=exercise%3A{exercise.slug}"' in body


def test_a_passed_lab_names_the_next_step(alice_client, alice):
    submission = pass_lab(alice, "services")
    body = alice_client.get(submission.get_absolute_url()).content.decode()
    assert f"Next: chapter 10, {chapter(10).title}" in body
    polled = alice_client.get(submission.get_absolute_url(), headers=HX).content.decode()
    assert f"Next: chapter 10, {chapter(10).title}" in polled
    assert "hx-trigger" not in polled  # the finished run stops polling, and loads nothing


def test_a_lab_not_passed_offers_no_next_step(alice_client, alice):
    submission = pass_lab(alice, "services")
    LabSubmission.objects.filter(pk=submission.pk).update(passed=False)
    assert "next-step" not in alice_client.get(submission.get_absolute_url()).content.decode()


def test_a_passed_quiz_offers_the_next_step_and_a_missed_question_the_review(alice_client, alice):
    quiz = make_quiz(chapter=chapter(9), pass_mark=50)
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    question = quiz.questions.get()
    quiz_attempt_answer(
        attempt=attempt, question=question, raw={"option": [option_id(question, "Right")]}
    )
    quiz_attempt_finish(attempt=attempt)
    body = alice_client.get(reverse("quizzes:review", args=[attempt.pk])).content.decode()
    assert "after=quiz" in body and "your review page" not in body
    failed, _ = quiz_attempt_start(user=alice, quiz=quiz)
    quiz_attempt_answer(
        attempt=failed, question=question, raw={"option": [option_id(question, "Wrong")]}
    )
    quiz_attempt_finish(attempt=failed)
    assert not QuizAttempt.objects.get(pk=failed.pk).passed
    body = alice_client.get(reverse("quizzes:review", args=[failed.pk])).content.decode()
    assert "after=quiz" not in body and "your review page" in body
