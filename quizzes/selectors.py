"""Reads for quiz pages.

A question is shown through ``ShownQuestion``: before it is answered it
carries only what the student needs to answer (prompt, choices in the
attempt's order, ids); the answer key is added only together with the
student's recorded response. Templates cannot leak what they never get.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.http import Http404

from lessons.models import ChapterProgress
from quizzes.models import (
    Question,
    Quiz,
    QuizAttempt,
    Response,
    Review,
    ReviewCard,
    ReviewReason,
    ReviewSource,
)
from quizzes.scoring import score
from quizzes.shuffle import choice_order

AnyUser = User | AnonymousUser


@dataclass
class Choice:
    id: str
    html: str


@dataclass
class Feedback:
    correct: bool
    points: float
    max_points: int
    explanation_html: str
    # single/multiple: per option {html, chosen, correct, explanation}
    options: list[dict[str, Any]] = field(default_factory=list)
    # true_false: the student's value, the right one, both explanations
    answer: bool | None = None
    right_answer: bool | None = None
    explanations: list[tuple[str, str]] = field(default_factory=list)
    # short_answer and command: what was typed and what is accepted
    text: str = ""
    accepted: list[str] = field(default_factory=list)
    # command: what differs from the nearest accepted command (empty when right)
    problem: str = ""
    # ordering: the student's order (each item's html, whether it is in its place, and
    # its right place counted from 1) and the right order
    order: list[tuple[str, bool, int]] = field(default_factory=list)
    right_order: list[str] = field(default_factory=list)
    # manifest: the submitted text, findings and rule results
    manifest: str = ""
    result: dict[str, Any] = field(default_factory=dict)


@dataclass
class ShownQuestion:
    number: int
    question: Question
    choices: list[Choice]
    starter: str = ""
    feedback: Feedback | None = None

    @property
    def answered(self) -> bool:
        return self.feedback is not None

    @property
    def dom_id(self) -> str:
        return f"question-{self.question.pk}"


@dataclass
class ProgressItem:
    number: int
    answered: bool
    dom_id: str


def progress_items(*, attempt: QuizAttempt) -> list[ProgressItem]:
    """Which of the attempt's questions are answered: the question list above a quiz."""
    answered = set(attempt.responses.values_list("question_id", flat=True))
    return [
        ProgressItem(number=n, answered=pk in answered, dom_id=f"question-{pk}")
        for n, pk in enumerate(attempt.question_ids, start=1)
    ]


def quiz_get_published(*, quiz_id: int) -> Quiz:
    quiz = Quiz.objects.published().select_related("chapter").filter(pk=quiz_id).first()
    if quiz is None:
        raise Http404("No such quiz")
    return quiz


def attempt_get_for_user(*, attempt_id: int, user: User) -> QuizAttempt:
    """The user's own attempt; anyone else's is a 404, the same as one that does not exist."""
    attempt = (
        QuizAttempt.objects.select_related("quiz", "quiz__chapter")
        .filter(pk=attempt_id, user=user)
        .first()
    )
    if attempt is None:
        raise Http404("No such attempt")
    return attempt


def open_attempt(*, user: AnyUser, quiz: Quiz) -> QuizAttempt | None:
    if not user.is_authenticated:
        return None
    return QuizAttempt.objects.filter(user=user, quiz=quiz, finished_at__isnull=True).first()


def finished_attempts(*, user: AnyUser, quiz: Quiz, limit: int = 20) -> list[QuizAttempt]:
    if not user.is_authenticated:
        return []
    return list(QuizAttempt.objects.filter(user=user, quiz=quiz, finished_at__isnull=False)[:limit])


def best_attempts(*, user: AnyUser, quiz_ids: list[int] | None = None) -> dict[int, QuizAttempt]:
    """Per quiz, the user's finished attempt with the highest percentage (the earliest on a tie)."""
    if not user.is_authenticated:
        return {}
    attempts = QuizAttempt.objects.filter(user=user, finished_at__isnull=False).order_by(
        "started_at"
    )
    if quiz_ids is not None:
        attempts = attempts.filter(quiz_id__in=quiz_ids)
    best: dict[int, QuizAttempt] = {}
    for attempt in attempts:
        current = best.get(attempt.quiz_id)
        if current is None or attempt.percent > current.percent:
            best[attempt.quiz_id] = attempt
    return best


@dataclass
class ChapterQuiz:
    quiz: Quiz
    question_count: int
    best: QuizAttempt | None
    open_attempt: QuizAttempt | None


def chapter_quiz(*, chapter_id: int, user: AnyUser) -> ChapterQuiz | None:
    """The chapter's quiz with the user's best result, for the chapter page."""
    quiz = Quiz.objects.published().filter(chapter_id=chapter_id).first()
    if quiz is None:
        return None
    count = quiz.questions.published().count()
    per_attempt = quiz.questions_per_attempt
    return ChapterQuiz(
        quiz=quiz,
        question_count=min(count, per_attempt) if per_attempt else count,
        best=best_attempts(user=user, quiz_ids=[quiz.pk]).get(quiz.pk),
        open_attempt=open_attempt(user=user, quiz=quiz),
    )


def published_quizzes() -> list[Quiz]:
    return list(
        Quiz.objects.published().select_related("chapter").order_by("chapter__number", "title")
    )


def shown_questions(*, attempt: QuizAttempt) -> list[ShownQuestion]:
    """The attempt's questions in its order, each with its feedback once answered."""
    questions = {q.pk: q for q in Question.objects.filter(pk__in=attempt.question_ids)}
    responses = {r.question_id: r for r in attempt.responses.all()}
    shown = []
    for number, pk in enumerate(attempt.question_ids, start=1):
        question = questions.get(pk)
        if question is not None:
            shown.append(show_question(attempt, question, number, responses.get(pk)))
    return shown


def _ordered_ids(order: list[str], ids: list[str]) -> list[str]:
    kept = [i for i in order if i in ids]
    # An edit after the draw may have added a choice: show it last.
    return kept + [i for i in ids if i not in kept]


def show_question(
    attempt: QuizAttempt, question: Question, number: int, response: Response | None
) -> ShownQuestion:
    order = attempt.option_orders.get(str(question.pk), [])
    return show_in_order(question, order, number, response)


def show_in_order(
    question: Question, order: list[str], number: int, response: Response | None
) -> ShownQuestion:
    """The question with its choices in ``order`` and, once answered, its feedback."""
    rendered = question.rendered
    choices: list[Choice] = []
    if question.type in ("single", "multiple"):
        ids = _ordered_ids(order, [o["id"] for o in question.options])
        choices = [Choice(i, rendered["options"][i]["text"]) for i in ids]
    elif question.type == "ordering":
        ids = _ordered_ids(order, question.item_ids)
        choices = [Choice(i, rendered["items"][i]) for i in ids]
    shown = ShownQuestion(
        number=number,
        question=question,
        choices=choices,
        starter=question.data.get("starter", ""),
    )
    if response is not None:
        shown.feedback = feedback(question, response, choices)
    return shown


def feedback(question: Question, response: Response, choices: list[Choice]) -> Feedback:
    """What the student sees once their answer is recorded: the whole answer key."""
    data, given, rendered = question.data, response.response, question.rendered
    result = Feedback(
        correct=response.correct,
        points=response.points,
        max_points=question.points,
        explanation_html=question.explanation_html,
    )
    if question.type in ("single", "multiple"):
        chosen = {given["option"]} if question.type == "single" else set(given.get("options", []))
        by_id = {o["id"]: o for o in question.options}
        result.options = [
            {
                "html": c.html,
                "chosen": c.id in chosen,
                "correct": bool(by_id[c.id].get("correct")),
                "explanation": rendered["options"][c.id]["explanation"],
            }
            for c in choices
        ]
    elif question.type == "true_false":
        result.answer = given["answer"]
        result.right_answer = data["answer"]
        result.explanations = [
            (label, rendered[key])
            for label, key in (("True", "explanation_true"), ("False", "explanation_false"))
            if key in rendered
        ]
    elif question.type in ("short_answer", "command"):
        result.text = given["text"]
        result.accepted = list(data["accept"])
        result.problem = str(given.get("result", {}).get("problem", ""))
    elif question.type == "ordering":
        right = question.item_ids
        result.order = [
            (rendered["items"][item], right.index(item) == place, right.index(item) + 1)
            for place, item in enumerate(given["order"])
            if item in rendered["items"]
        ]
        result.right_order = [rendered["items"][item] for item in right]
    elif question.type == "manifest":
        result.manifest = given["manifest"]
        result.result = given.get("result", {})
    return result


def preview_question(question: Question) -> ShownQuestion:
    """How a student sees an (unsaved) question, with the feedback for the right answer."""
    data = question.data
    choices: list[Choice] = []
    if question.type in ("single", "multiple"):
        choices = [
            Choice(o["id"], question.rendered["options"][o["id"]]["text"]) for o in question.options
        ]
    elif question.type == "ordering":
        choices = [Choice(i, question.rendered["items"][i]) for i in question.item_ids]
    ideal: dict[str, Any] = {
        "single": lambda: {"option": next(o["id"] for o in question.options if o.get("correct"))},
        "multiple": lambda: {"options": [o["id"] for o in question.options if o.get("correct")]},
        "true_false": lambda: {"answer": data["answer"]},
        "short_answer": lambda: {"text": data["accept"][0]},
        "command": lambda: {"text": data["accept"][0]},
        "ordering": lambda: {"order": question.item_ids},
        "manifest": lambda: {"manifest": data["starter"]},
    }
    answer = ideal[question.type]()
    outcome = score(question.type, data, question.points, answer)
    if outcome.details:
        answer["result"] = outcome.details
    response = Response(response=answer, correct=outcome.correct, points=outcome.points)
    return ShownQuestion(
        number=1,
        question=question,
        choices=choices,
        starter=data.get("starter", ""),
        feedback=feedback(question, response, choices),
    )


def quiz_results(*, user: AnyUser) -> list[tuple[Quiz, QuizAttempt | None]]:
    """Every published quiz with the user's best finished attempt, for the profile page."""
    best = best_attempts(user=user)
    return [(quiz, best.get(quiz.pk)) for quiz in published_quizzes()]


# --- the review deck -------------------------------------------------------------------

# A chapter finished this long ago sends a few of its questions to the review,
# at most this many new ones a day, so the review stays short.
REFRESH_AFTER = timedelta(days=14)
REFRESH_PER_DAY = 3
# Among the questions due, every so many answers a refresher comes next.
REFRESH_EVERY = 4
DAY = timedelta(days=1)


def _reviewable(questions: QuerySet[Question]) -> QuerySet[Question]:
    return questions.filter(
        is_published=True, quiz__is_published=True, quiz__chapter__is_published=True
    )


def due_cards(*, user: User, now: datetime) -> list[ReviewCard]:
    """The student's cards due now, the longest waiting first (only published questions).

    Only the cards: the question of the one shown next is loaded by ``load_item``.
    """
    questions = _reviewable(Question.objects.all())
    return list(
        ReviewCard.objects.filter(user=user, due__lte=now, question__in=questions)
        .only("id", "user_id", "question_id", "reason", "reviews", "due")
        .order_by("due", "pk")
    )


def refreshers(*, user: User, now: datetime) -> list[Question]:
    """Questions from chapters the student finished weeks ago, not yet in their deck.

    Today's share only (REFRESH_PER_DAY, counting the ones already started
    today), in an order fixed per student, so a reload offers the same one.
    """
    started = ReviewCard.objects.filter(
        user=user, reason=ReviewReason.REFRESH, created_at__gt=now - DAY
    ).count()
    budget = REFRESH_PER_DAY - started
    if budget <= 0:
        return []
    finished = ChapterProgress.objects.filter(
        user=user, completed_at__lte=now - REFRESH_AFTER
    ).values("chapter_id")
    candidates = (
        _reviewable(Question.objects.filter(quiz__chapter_id__in=finished))
        .exclude(review_cards__user=user)
        .values_list("pk", flat=True)
    )
    chosen = sorted(candidates, key=lambda pk: _fixed_order(user.pk, pk))[:budget]
    found = Question.objects.select_related("quiz__chapter").in_bulk(chosen)
    return [found[pk] for pk in chosen if pk in found]


def _fixed_order(user_id: int, question_id: int) -> str:
    return hashlib.sha256(f"{user_id}:{question_id}".encode()).hexdigest()


@dataclass
class ReviewItem:
    """The question to review next: a card of the deck, or a refresher not in it yet."""

    question: Question
    card: ReviewCard | None
    # The card's review count, which the answer form sends back (0 for a refresher).
    number: int

    @property
    def is_refresher(self) -> bool:
        return self.card is None or self.card.reason == ReviewReason.REFRESH


@dataclass
class ReviewQueue:
    due: list[ReviewCard]
    refreshers: list[Question]
    answered_today: int
    next_due: datetime | None  # when the next card not due yet comes back
    deck_size: int

    @property
    def waiting(self) -> int:
        return len(self.due) + len(self.refreshers)

    def next_item(self) -> ReviewItem | None:
        """Cards due first, the longest waiting first; a refresher after every few."""
        take_refresher = self.refreshers and (
            not self.due or self.answered_today % REFRESH_EVERY == REFRESH_EVERY - 1
        )
        if take_refresher:
            return ReviewItem(question=self.refreshers[0], card=None, number=0)
        if self.due:
            card = self.due[0]
            return ReviewItem(question=card.question, card=card, number=card.reviews)
        return None


def load_item(item: ReviewItem) -> ReviewItem:
    """The item with its question loaded whole, with its quiz and chapter (one query)."""
    question = Question.objects.select_related("quiz__chapter").get(pk=item.question.pk)
    return ReviewItem(question=question, card=item.card, number=item.number)


def review_queue(*, user: User, now: datetime) -> ReviewQueue:
    cards = ReviewCard.objects.filter(user=user, question__in=_reviewable(Question.objects.all()))
    upcoming = cards.filter(due__gt=now).order_by("due").values_list("due", flat=True).first()
    answered_today = Review.objects.filter(
        card__user=user, source=ReviewSource.REVIEW, reviewed_at__gt=now - DAY
    ).count()
    return ReviewQueue(
        due=due_cards(user=user, now=now),
        refreshers=refreshers(user=user, now=now),
        answered_today=answered_today,
        next_due=upcoming,
        deck_size=cards.count(),
    )


def review_choice_order(question: Question, *, user_id: int, number: int) -> list[str]:
    """The order a review shows the choices in: shuffled, the same on every reload."""
    rng = random.Random(f"review:{user_id}:{question.pk}:{number}")  # noqa: S311 (not a secret)
    return choice_order(question, rng) or []


def show_review_item(item: ReviewItem, *, user_id: int) -> ShownQuestion:
    order = review_choice_order(item.question, user_id=user_id, number=item.number)
    return show_in_order(item.question, order, 1, None)


def show_review(review: Review) -> ShownQuestion:
    """A recorded review with its feedback, in the order its question was shown."""
    card = review.card
    order = review_choice_order(card.question, user_id=card.user_id, number=review.number)
    response = Response(response=review.response, correct=review.correct, points=review.points)
    return show_in_order(card.question, order, 1, response)


def review_get_for_user(*, review_id: int, user: User) -> Review:
    """The student's own recorded review; anyone else's is a 404, like one that does not exist."""
    review = (
        Review.objects.select_related("card__question__quiz__chapter")
        .filter(pk=review_id, card__user=user)
        .first()
    )
    if review is None:
        raise Http404("No such review")
    return review


def latest_answers(*, user: AnyUser, question_ids: list[int]) -> dict[int, bool]:
    """Per question, whether the user's most recent answer (in a quiz or a review) was right."""
    if not user.is_authenticated or not question_ids:
        return {}
    answers: list[tuple[Any, int, bool]] = [
        (answered_at, question_id, correct)
        for question_id, correct, answered_at in Response.objects.filter(
            attempt__user=user, question_id__in=question_ids
        ).values_list("question_id", "correct", "answered_at")
    ]
    answers += [
        (reviewed_at, question_id, correct)
        for question_id, correct, reviewed_at in Review.objects.filter(
            card__user=user, source=ReviewSource.REVIEW, card__question_id__in=question_ids
        ).values_list("card__question_id", "correct", "reviewed_at")
    ]
    latest: dict[int, bool] = {}
    for _when, question_id, correct in sorted(answers, key=lambda a: a[0]):
        latest[question_id] = correct
    return latest


def practice_questions(*, chapter_ids: list[int] | None = None) -> list[Question]:
    """Published questions of published quizzes that name objectives, with their quiz."""
    questions = _reviewable(Question.objects.all()).exclude(objectives=[])
    if chapter_ids is not None:
        questions = questions.filter(quiz__chapter_id__in=chapter_ids)
    return list(
        questions.select_related("quiz").only(
            "id", "objectives", "type", "quiz__id", "quiz__chapter_id", "quiz__title"
        )
    )
