"""The review page: one question at a time, feedback only after answering, only your own cards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Review, ReviewCard
from quizzes.services import quiz_attempt_answer, quiz_attempt_finish, quiz_attempt_start
from tests.quizzes.factories import make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
PAGE = "/review/"


def miss(user, quiz, question=None, fields=None):
    """Answer ``question`` wrong in a quiz attempt, then make its card due now."""
    attempt, _ = quiz_attempt_start(user=user, quiz=quiz)
    question = question or quiz.questions.get()
    quiz_attempt_answer(
        attempt=attempt, question=question, raw=fields or {"option": [option_id(question, "Wrong")]}
    )
    quiz_attempt_finish(attempt=attempt)
    ReviewCard.objects.filter(user=user, question=question).update(
        due=timezone.now() - timedelta(minutes=1)
    )
    return question


def answer_url(question):
    return reverse("review:answer", args=[question.pk])


def test_anonymous_visitors_are_sent_to_log_in(client, alice):
    question = miss(alice, make_quiz())
    for response in (
        client.get(PAGE),
        client.post(answer_url(question), {"number": "1"}),
        client.get(reverse("review:answered", args=[Review.objects.get().pk])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_empty_deck_explains_what_the_review_is(alice_client):
    body = alice_client.get(PAGE).content.decode()
    assert "Nothing to review right now" in body
    assert "When you miss a question in a chapter quiz" in body
    assert 'href="/review/" aria-current="page"' in body


def test_a_fresh_miss_comes_back_in_ten_minutes(alice_client, alice):
    quiz = make_quiz()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    question = quiz.questions.get()
    quiz_attempt_answer(
        attempt=attempt, question=question, raw={"option": [option_id(question, "Wrong")]}
    )
    body = alice_client.get(PAGE).content.decode()
    assert "The next question comes back in about" in body and "minutes" in body


def test_a_due_question_is_shown_without_its_answers(alice_client, alice):
    kinds = ["single", "multiple", "true_false", "short_answer", "ordering", "manifest"]
    quiz = make_quiz(questions=[question_data(k) for k in kinds], layout="all-on-one-page")
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    wrong_answers = {
        "single": lambda q: {"option": [option_id(q, "Wrong")]},
        "multiple": lambda q: {"option": [option_id(q, "C")]},
        "true_false": lambda q: {"answer": ["true"]},
        "short_answer": lambda q: {"text": ["kubelet"]},
        "ordering": lambda q: {
            f"position-{item}": [str(len(q.item_ids) - i)] for i, item in enumerate(q.item_ids)
        },
        "manifest": lambda q: {"manifest": [q.data["starter"]]},
    }
    for question in quiz.questions.all():
        quiz_attempt_answer(
            attempt=attempt, question=question, raw=wrong_answers[question.type](question)
        )
    ReviewCard.objects.filter(user=alice).update(due=timezone.now() - timedelta(minutes=1))
    seen = set()
    for _ in kinds:
        html = alice_client.get(PAGE).content.decode()
        shown = ReviewCard.objects.filter(user=alice).order_by("due", "pk").first().question
        seen.add(shown.type)
        assert shown.prompt_html in html
        assert shown.explanation_html not in html
        assert "correct" not in html.lower().replace("incorrect", "")
        for option in shown.rendered.get("options", {}).values():
            assert option["explanation"] not in html
        for accepted in shown.data.get("accept", []):
            assert accepted not in html
        if shown.type == "manifest":
            assert shown.data["rules"][0]["title"] not in html
            assert "codemirror" in html
        # Answer it (right or wrong, it no longer matters) so the next one comes up.
        ReviewCard.objects.filter(user=alice, question=shown).update(
            due=timezone.now() + timedelta(days=3)
        )
    assert seen == set(kinds)


def test_answering_with_htmx_returns_the_feedback_and_the_next_step(alice_client, alice):
    quiz = make_quiz(questions=[question_data(), question_data()])
    first, second = quiz.questions.all()
    miss(alice, quiz, first)
    miss(alice, quiz, second)
    shown = ReviewCard.objects.filter(user=alice).order_by("due", "pk").first().question
    response = alice_client.post(
        answer_url(shown), {"number": "1", "option": option_id(shown, "Right")}, headers=HX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="review-question"')
    assert "Correct" in body and "Right because." in body
    assert "Well remembered. This question comes back in about" in body
    assert "Next question" in body
    assert 'href="/chapters/container-orchestration/#first-section"' in body
    other = second if shown == first else first
    response = alice_client.post(
        answer_url(other), {"number": "1", "option": option_id(other, "Wrong")}, headers=HX
    )
    body = response.content.decode()
    assert "No problem: that is what the review is for." in body
    assert "That was the last question for now." in body


def test_answering_without_javascript_lands_on_the_recorded_answer(alice_client, alice):
    question = miss(alice, make_quiz())
    response = alice_client.post(
        answer_url(question), {"number": "1", "option": option_id(question, "Right")}
    )
    review = Review.objects.get(card__user=alice, source="review")
    assert response.status_code == 302
    assert response["Location"] == reverse("review:answered", args=[review.pk])
    body = alice_client.get(response["Location"]).content.decode()
    assert "Right because." in body and "Well remembered" in body
    # Sending the same form again shows the same recorded answer.
    again = alice_client.post(
        answer_url(question), {"number": "1", "option": option_id(question, "Wrong")}
    )
    assert again["Location"] == response["Location"]
    assert Review.objects.filter(card__user=alice, source="review").count() == 1


def test_a_student_never_sees_or_answers_another_students_cards(client, alice, bob):
    question = miss(alice, make_quiz())
    client.force_login(alice)
    client.post(answer_url(question), {"number": "1", "option": option_id(question, "Right")})
    review = Review.objects.get(card__user=alice, source="review")
    ReviewCard.objects.filter(user=alice).update(due=timezone.now() - timedelta(minutes=1))
    client.force_login(bob)
    assert "Nothing to review right now" in client.get(PAGE).content.decode()
    assert client.get(reverse("review:answered", args=[review.pk])).status_code == 404
    refused = client.post(
        answer_url(question), {"number": "2", "option": option_id(question, "Right")}, headers=HX
    )
    assert refused.status_code == 409
    assert "not due for review" in refused.content.decode()
    assert not ReviewCard.objects.filter(user=bob).exists()
    assert ReviewCard.objects.get(user=alice).reviews == 2


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize(
    "fields, status, message",
    [
        ({"option": "x"}, 400, "Open the review page and answer again."),
        ({"number": "one"}, 400, "Open the review page and answer again."),
        ({"number": "1", "option": "nope"}, 400, "That option is not part of this question."),
        ({"number": "1"}, 400, "Choose option first."),
        ({"number": "7", "option": "x"}, 409, "not due for review"),
    ],
)
def test_bad_answers_are_refused_with_a_clear_message(
    alice_client, alice, htmx, fields, status, message
):
    question = miss(alice, make_quiz())
    response = alice_client.post(answer_url(question), fields, headers=HX if htmx else {})
    assert response.status_code == status
    assert message in response.content.decode()
    assert ReviewCard.objects.get(user=alice).reviews == 1


def test_an_unknown_or_unpublished_question_is_404(alice_client, alice):
    question = miss(alice, make_quiz())
    assert (
        alice_client.post(reverse("review:answer", args=[999999]), {"number": "0"}).status_code
        == 404
    )
    question.quiz.questions.update(is_published=False)
    assert alice_client.post(answer_url(question), {"number": "1"}).status_code == 404
    assert "Nothing to review right now" in alice_client.get(PAGE).content.decode()


def test_the_page_is_for_reading_and_the_answer_for_posting(alice_client, alice):
    question = miss(alice, make_quiz())
    assert alice_client.post(PAGE).status_code == 405
    assert alice_client.get(answer_url(question)).status_code == 405


@pytest.mark.parametrize("who", ["carol", "superuser"])
def test_instructors_and_superusers_do_not_read_a_students_review_either(
    client, alice, carol, django_user_model, who
):
    question = miss(alice, make_quiz())
    client.force_login(alice)
    client.post(answer_url(question), {"number": "1", "option": option_id(question, "Right")})
    review = Review.objects.get(card__user=alice, source="review")
    viewer = (
        carol
        if who == "carol"
        else django_user_model.objects.create_superuser("root", "", "pw-root-1")
    )
    client.force_login(viewer)
    assert client.get(reverse("review:answered", args=[review.pk])).status_code == 404
