"""The review deck: which questions come back, when (FSRS), and what is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from lessons.models import Chapter, ChapterProgress
from quizzes import selectors, spacing
from quizzes.models import Review, ReviewCard, ReviewReason, ReviewSource
from quizzes.selectors import REFRESH_AFTER, REFRESH_PER_DAY, review_queue
from quizzes.services import (
    InvalidAnswer,
    NotDueForReview,
    quiz_attempt_answer,
    quiz_attempt_finish,
    quiz_attempt_start,
    review_answer,
)
from tests.quizzes.factories import make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db


def answer_in_quiz(user, quiz, text):
    attempt, _ = quiz_attempt_start(user=user, quiz=quiz)
    question = quiz.questions.get()
    response, _ = quiz_attempt_answer(
        attempt=attempt, question=question, raw={"option": [option_id(question, text)]}
    )
    quiz_attempt_finish(attempt=attempt)
    return response


def right(question):
    return {"option": [option_id(question, "Right")]}


def wrong(question):
    return {"option": [option_id(question, "Wrong")]}


def test_a_missed_quiz_answer_puts_the_question_in_the_deck_for_ten_minutes_later(alice):
    quiz = make_quiz()
    response = answer_in_quiz(alice, quiz, "Wrong")
    card = ReviewCard.objects.get(user=alice)
    assert card.question == response.question
    assert card.reason == ReviewReason.MISSED
    assert card.due - response.answered_at == spacing.LEARNING_STEPS[0]
    assert card.reviews == 1
    log = card.log.get()
    assert (log.source, log.number, log.rating, log.correct) == (ReviewSource.QUIZ, 0, 1, False)
    assert log.quiz_response == response


def test_a_right_quiz_answer_to_a_new_question_adds_nothing(alice):
    answer_in_quiz(alice, make_quiz(), "Right")
    assert not ReviewCard.objects.filter(user=alice).exists()


def test_a_later_quiz_answer_moves_a_card_already_in_the_deck(alice):
    quiz = make_quiz()
    answer_in_quiz(alice, quiz, "Wrong")
    first_due = ReviewCard.objects.get(user=alice).due
    answer_in_quiz(alice, quiz, "Right")
    card = ReviewCard.objects.get(user=alice)
    assert card.reviews == 2
    assert card.due > first_due + timedelta(hours=12)
    assert [r.rating for r in card.log.order_by("number")] == [1, 3]


def test_a_card_is_refused_before_it_is_due_and_nothing_is_recorded(alice):
    quiz = make_quiz()
    answer_in_quiz(alice, quiz, "Wrong")
    question = quiz.questions.get()
    with pytest.raises(NotDueForReview):
        review_answer(user=alice, question=question, number=1, raw=right(question))
    assert Review.objects.filter(source=ReviewSource.REVIEW).count() == 0


def test_a_due_card_is_answered_and_scheduled_days_ahead_when_right(alice):
    quiz = make_quiz()
    answer_in_quiz(alice, quiz, "Wrong")
    question = quiz.questions.get()
    later = timezone.now() + timedelta(minutes=11)
    review, created = review_answer(
        user=alice, question=question, number=1, raw=right(question), now=later
    )
    assert created and review.correct and review.source == ReviewSource.REVIEW
    assert review.rating == 3
    assert review.due_after - later >= timedelta(days=1)
    card = ReviewCard.objects.get(user=alice)
    assert (card.reviews, card.due) == (2, review.due_after)
    assert card.state == 2  # fsrs State.Review: out of the learning steps


def test_a_wrong_review_brings_the_question_back_in_ten_minutes(alice):
    quiz = make_quiz()
    answer_in_quiz(alice, quiz, "Wrong")
    question = quiz.questions.get()
    later = timezone.now() + timedelta(minutes=11)
    review, _ = review_answer(
        user=alice, question=question, number=1, raw=wrong(question), now=later
    )
    assert review.rating == 1
    assert review.due_after - later == spacing.LEARNING_STEPS[0]


def test_partial_credit_is_rated_hard():
    assert spacing.rating_for(correct=False, points=0.5) == 2
    assert spacing.rating_for(correct=False, points=0) == 1
    assert spacing.rating_for(correct=True, points=1) == 3


def test_the_same_form_sent_twice_records_one_answer(alice):
    quiz = make_quiz()
    answer_in_quiz(alice, quiz, "Wrong")
    question = quiz.questions.get()
    later = timezone.now() + timedelta(minutes=11)
    first, created = review_answer(
        user=alice, question=question, number=1, raw=right(question), now=later
    )
    again, created_again = review_answer(
        user=alice, question=question, number=1, raw=wrong(question), now=later
    )
    assert created and not created_again
    assert again.pk == first.pk and again.correct
    assert ReviewCard.objects.get(user=alice).reviews == 2


def test_an_invalid_answer_changes_nothing(alice):
    quiz = make_quiz()
    answer_in_quiz(alice, quiz, "Wrong")
    question = quiz.questions.get()
    later = timezone.now() + timedelta(minutes=11)
    with pytest.raises(InvalidAnswer):
        review_answer(user=alice, question=question, number=1, raw={"option": ["nope"]}, now=later)
    assert ReviewCard.objects.get(user=alice).reviews == 1


def test_another_students_deck_is_not_yours(alice, bob):
    quiz = make_quiz()
    answer_in_quiz(alice, quiz, "Wrong")
    question = quiz.questions.get()
    later = timezone.now() + timedelta(minutes=11)
    with pytest.raises(NotDueForReview):
        review_answer(user=bob, question=question, number=1, raw=right(question), now=later)
    with pytest.raises(NotDueForReview):
        review_answer(user=bob, question=question, number=0, raw=right(question), now=later)
    assert not ReviewCard.objects.filter(user=bob).exists()
    assert selectors.review_queue(user=bob, now=later).waiting == 0
    assert selectors.review_queue(user=alice, now=later).waiting == 1


def finish_chapter(user, chapter, days_ago):
    ChapterProgress.objects.update_or_create(
        user=user,
        chapter=chapter,
        defaults={"completed_at": timezone.now() - timedelta(days=days_ago)},
    )


def test_chapters_finished_weeks_ago_send_a_few_questions_a_day(alice):
    chapter = Chapter.objects.get(number=2)
    quiz = make_quiz(chapter=chapter, questions=[question_data() for _ in range(5)])
    finish_chapter(alice, chapter, days_ago=REFRESH_AFTER.days + 1)
    now = timezone.now()
    offered = selectors.refreshers(user=alice, now=now)
    assert len(offered) == REFRESH_PER_DAY
    ours = {q.pk for q in quiz.questions.all()}
    # Other questions of the chapter's real quiz (the fixture course's) may be among them.
    assert {q.quiz.chapter_id for q in offered} == {chapter.pk}
    assert selectors.refreshers(user=alice, now=now) == offered  # the same on every reload
    for question in offered:
        raw = right(question) if question.pk in ours else None
        if raw is None:
            continue
        review, created = review_answer(user=alice, question=question, number=0, raw=raw, now=now)
        assert created and review.card.reason == ReviewReason.REFRESH
    started = ReviewCard.objects.filter(user=alice, reason=ReviewReason.REFRESH).count()
    assert len(selectors.refreshers(user=alice, now=now)) == REFRESH_PER_DAY - started
    tomorrow = now + timedelta(days=1, minutes=1)
    assert len(selectors.refreshers(user=alice, now=tomorrow)) == REFRESH_PER_DAY


def test_a_chapter_finished_recently_sends_nothing(alice):
    chapter = Chapter.objects.get(number=2)
    make_quiz(chapter=chapter)
    finish_chapter(alice, chapter, days_ago=3)
    assert selectors.refreshers(user=alice, now=timezone.now()) == []


def test_a_question_not_offered_as_a_refresher_is_refused(alice):
    chapter = Chapter.objects.get(number=2)
    quiz = make_quiz(chapter=chapter)
    question = quiz.questions.get()
    with pytest.raises(NotDueForReview):
        review_answer(user=alice, question=question, number=0, raw=right(question))


def test_the_queue_puts_a_refresher_after_every_few_due_cards():
    quiz = make_quiz(questions=[question_data() for _ in range(4)])
    first, second, third, refresher = quiz.questions.all()
    cards = [ReviewCard(question=q, reviews=1) for q in (first, second, third)]

    def next_after(answered_today):
        queue = selectors.ReviewQueue(
            due=cards, refreshers=[refresher], answered_today=answered_today,
            next_due=None, deck_size=3,
        )  # fmt: skip
        return queue.next_item()

    assert [next_after(n).is_refresher for n in range(8)] == [False, False, False, True] * 2
    assert next_after(0).question == first and next_after(0).number == 1
    assert next_after(3).question == refresher and next_after(3).number == 0
    only_refreshers = selectors.ReviewQueue(
        due=[], refreshers=[refresher], answered_today=0, next_due=None, deck_size=0
    )
    assert only_refreshers.next_item().question == refresher


def test_unpublished_questions_leave_the_queue(alice):
    quiz = make_quiz()
    answer_in_quiz(alice, quiz, "Wrong")
    later = timezone.now() + timedelta(minutes=11)
    assert review_queue(user=alice, now=later).waiting == 1
    quiz.questions.update(is_published=False)
    queue = review_queue(user=alice, now=later)
    assert queue.waiting == 0 and queue.deck_size == 0


def test_the_empty_queue_says_when_the_next_question_comes_back(alice):
    quiz = make_quiz()
    answer_in_quiz(alice, quiz, "Wrong")
    queue = review_queue(user=alice, now=timezone.now())
    assert queue.next_item() is None
    assert queue.next_due == ReviewCard.objects.get(user=alice).due


def test_the_choice_order_is_shuffled_but_stable(alice):
    quiz = make_quiz(questions=[question_data("ordering")])
    question = quiz.questions.get()
    orders = {
        tuple(selectors.review_choice_order(question, user_id=alice.pk, number=n))
        for n in range(12)
    }
    assert len(orders) > 1
    assert all(list(order) != question.item_ids for order in orders)
    assert selectors.review_choice_order(
        question, user_id=alice.pk, number=3
    ) == selectors.review_choice_order(question, user_id=alice.pk, number=3)
