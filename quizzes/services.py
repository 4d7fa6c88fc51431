"""Writes for quizzes: starting (or resuming) an attempt, answering, finishing.

Every write checks first and then acts, and the checks are repeated under
a row lock where two requests could race (two tabs, a double click): an
attempt answers each question once, and a finished attempt changes no more.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import policy
from engine.content.errors import ContentError
from lessons.models import Chapter
from quizzes import spacing
from quizzes.answers import AnswerError, RawAnswer, parse_answer
from quizzes.content import (
    apply_question,
    quiz_export_settings,
    read_bank,
    read_question,
    sync_bank,
)
from quizzes.models import (
    Origin,
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
from quizzes.selectors import refreshers
from quizzes.shuffle import choice_order
from quizzes.signals import attempt_finished


class QuizError(Exception):
    """A request a quiz cannot take; ``status`` is the HTTP status a view answers with."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AttemptFinished(QuizError):
    status = 409


class QuestionNotInAttempt(QuizError):
    pass


class InvalidAnswer(QuizError):
    pass


class NoQuestions(QuizError):
    status = 409


class AttemptRefused(QuizError):
    """A class's rules refuse a new attempt: past the due date, or no attempts left."""

    status = 403


class NotDueForReview(QuizError):
    status = 409


def draw(quiz: Quiz, rng: random.Random) -> tuple[list[int], dict[str, list[str]]]:
    """The questions of a new attempt (in bank order) and the order of their choices."""
    pool = list(quiz.questions.published().order_by("position", "id"))
    wanted = quiz.questions_per_attempt
    if wanted and wanted < len(pool):
        pool = sorted(rng.sample(pool, wanted), key=lambda q: (q.position, q.pk))
    orders: dict[str, list[str]] = {}
    for question in pool:
        order = choice_order(question, rng)
        if order is not None:
            orders[str(question.pk)] = order
    return [q.pk for q in pool], orders


def quiz_attempt_start(
    *, user: User, quiz: Quiz, rng: random.Random | None = None
) -> tuple[QuizAttempt, bool]:
    """The student's unfinished attempt if there is one (resumed: True), else a new draw."""
    with transaction.atomic():
        current = QuizAttempt.objects.filter(user=user, quiz=quiz, finished_at__isnull=True).first()
        if current is not None:
            return current, True
        rules = policy.rules_for(user, "quiz", str(quiz.uuid))
        if rules is not None:
            used = QuizAttempt.objects.filter(user=user, quiz=quiz).count()
            refusal = rules.refusal(attempts_used=used)
            if refusal:
                raise AttemptRefused(refusal)
        question_ids, orders = draw(quiz, rng or random.SystemRandom())
        if not question_ids:
            raise NoQuestions(_("This quiz has no published questions yet."))
        try:
            with transaction.atomic():
                attempt = QuizAttempt.objects.create(
                    user=user, quiz=quiz, question_ids=question_ids, option_orders=orders
                )
        except IntegrityError:
            # Another tab started one between our read and our insert: use it.
            return QuizAttempt.objects.get(user=user, quiz=quiz, finished_at__isnull=True), True
    return attempt, False


def quiz_attempt_answer(
    *, attempt: QuizAttempt, question: Question, raw: RawAnswer
) -> tuple[Response, bool]:
    """Record and score one answer; returns ``(response, created)``.

    Idempotent: a question already answered in this attempt returns the
    recorded response unchanged, whatever was sent the second time.
    """
    if question.pk not in attempt.question_ids:
        raise QuestionNotInAttempt(_("This question is not part of your attempt."))
    if attempt.is_finished:
        raise AttemptFinished(_("This attempt is finished: start a new one to answer again."))
    try:
        answer = parse_answer(question.type, question.data, raw)
    except AnswerError as exc:
        raise InvalidAnswer(str(exc)) from None
    recorded = Response.objects.filter(attempt=attempt, question=question).first()
    if recorded is not None:
        return recorded, False
    # Scoring a manifest runs the validator: do it before taking any lock.
    outcome = score(question.type, question.data, question.points, answer)
    stored: dict[str, Any] = {**answer, **({"result": outcome.details} if outcome.details else {})}
    with transaction.atomic():
        locked = QuizAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.is_finished:
            raise AttemptFinished(_("This attempt is finished: start a new one to answer again."))
        try:
            with transaction.atomic():
                response, created = Response.objects.get_or_create(
                    attempt=locked,
                    question=question,
                    defaults={
                        "response": stored,
                        "correct": outcome.correct,
                        "points": outcome.points,
                    },
                )
        except IntegrityError:
            response, created = Response.objects.get(attempt=locked, question=question), False
    if created:
        review_record_quiz_answer(user_id=attempt.user_id, response=response)
    return response, created


def quiz_attempt_finish(*, attempt: QuizAttempt) -> QuizAttempt:
    """Score the attempt; unanswered questions earn nothing. Finishing twice changes nothing."""
    with transaction.atomic():
        locked = QuizAttempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
        if locked.is_finished:
            return locked
        points = dict(
            Question.objects.filter(pk__in=locked.question_ids).values_list("pk", "points")
        )
        earned = sum(r.points for r in locked.responses.all())
        locked.max_score = sum(points.get(pk, 0) for pk in locked.question_ids)
        locked.score = round(earned, 4)
        locked.passed = (
            locked.max_score > 0 and 100 * locked.score >= locked.quiz.pass_mark * locked.max_score
        )
        locked.finished_at = timezone.now()
        locked.save(update_fields=["max_score", "score", "passed", "finished_at"])
    attempt_finished.send(
        sender=QuizAttempt, user_id=locked.user_id, quiz_uuid=str(locked.quiz.uuid)
    )
    return locked


# Instructor writes. What an instructor saves is theirs (origin "browser"):
# load_content leaves it alone until a content file holds the same again.


def _uuids_taken_elsewhere(data: dict[str, Any]) -> list[ContentError]:
    """Uuids of the bank that already name a question of another quiz, or another quiz."""
    errors = []
    quiz_uuid = str(uuid.UUID(data["uuid"]))
    for index, source in enumerate(data["questions"]):
        owner = Question.objects.filter(uuid=source["uuid"]).exclude(quiz__uuid=quiz_uuid).first()
        if owner is not None:
            errors.append(
                ContentError(
                    "import",
                    0,
                    _("questions[{index}].uuid {uuid} already belongs to {quiz}").format(
                        index=index, uuid=source["uuid"], quiz=owner.quiz
                    ),
                )
            )
    if Question.objects.filter(uuid=quiz_uuid).exists():
        message = _("uuid {uuid} already names a question").format(uuid=data["uuid"])
        errors.append(ContentError("import", 0, message))
    return errors


def quiz_import(
    *, chapter: Chapter, raw: bytes, shown: str = "import"
) -> tuple[Quiz | None, list[ContentError]]:
    """Check a whole bank with the loader, then write all of it or nothing."""
    anchors = {h["anchor"] for h in chapter.toc}
    source, errors = read_bank(
        raw,
        shown=shown,
        chapter_uuid=str(chapter.uuid),
        anchors=anchors,
        objectives=len(chapter.objectives),
    )
    if source is None:
        return None, errors
    existing = Quiz.objects.filter(uuid=source.data["uuid"]).select_related("chapter").first()
    if existing is not None and existing.chapter_id != chapter.pk:
        return None, [
            ContentError(
                shown,
                1,
                _("uuid {uuid} is the quiz of {chapter}").format(
                    uuid=source.data["uuid"], chapter=existing.chapter
                ),
            )
        ]
    clashes = [ContentError(shown, 1, e.message) for e in _uuids_taken_elsewhere(source.data)]
    if clashes:
        return None, clashes
    with transaction.atomic():
        quiz = sync_bank(
            source.data, chapter=chapter, origin=Origin.BROWSER, content_hash=source.content_hash
        )
    return quiz, []


def quiz_create(*, chapter: Chapter, title: str, pass_mark: int, layout: str,
                questions_per_attempt: int | None) -> Quiz:  # fmt: skip
    """A new, empty and unpublished quiz: questions come next."""
    return Quiz.objects.create(
        uuid=uuid.uuid4(), chapter=chapter, title=title, pass_mark=pass_mark, layout=layout,
        questions_per_attempt=questions_per_attempt, is_published=False, origin=Origin.BROWSER,
    )  # fmt: skip


def quiz_settings_mark_edited(*, quiz: Quiz) -> Quiz:
    quiz.origin = Origin.BROWSER
    quiz.save()
    return quiz


def quiz_publish(*, quiz: Quiz, published: bool) -> Quiz:
    quiz.is_published = published
    quiz.save(update_fields=["is_published", "updated_at"])
    return quiz


def question_publish(*, question: Question, published: bool) -> Question:
    question.is_published = published
    question.origin = Origin.BROWSER
    question.save(update_fields=["is_published", "origin", "updated_at"])
    return question


def question_check(
    *, quiz: Quiz, text: str, question: Question | None = None
) -> tuple[dict[str, Any] | None, list[ContentError]]:
    """Check a question's YAML as the loader would, and that its uuid is its own."""
    anchors = {h["anchor"] for h in quiz.chapter.toc}
    data, errors = read_question(
        text,
        shown="question",
        settings=quiz_export_settings(quiz),
        anchors=anchors,
        objectives=len(quiz.chapter.objectives),
    )
    if data is None:
        return None, errors
    key = str(uuid.UUID(data["uuid"]))
    if question is not None and key != str(question.uuid):
        message = _("the uuid cannot change: keep {uuid}").format(uuid=question.uuid)
        return None, [ContentError("question", 1, message)]
    if question is None and (
        Question.objects.filter(uuid=key).exists() or Quiz.objects.filter(uuid=key).exists()
    ):
        message = _("uuid {uuid} is already used: make a new one").format(uuid=key)
        return None, [ContentError("question", 1, message)]
    return data, []


def question_save(
    *, quiz: Quiz, text: str, question: Question | None = None
) -> tuple[Question | None, list[ContentError]]:
    data, errors = question_check(quiz=quiz, text=text, question=question)
    if data is None:
        return None, errors
    with transaction.atomic():
        if question is None:
            last = quiz.questions.order_by("-position").values_list("position", flat=True).first()
            question = Question(
                uuid=data["uuid"], quiz=quiz, position=0 if last is None else last + 1
            )
        apply_question(question, data)
        question.origin = Origin.BROWSER
        question.save()
    return question, []


# The review deck: questions come back on the schedule quizzes.spacing keeps.


def review_record_quiz_answer(*, user_id: int, response: Response) -> None:
    """A quiz answer is a review too: a miss puts the question in the student's deck,
    and any answer to a question already in it moves its schedule."""
    with transaction.atomic():
        card = (
            ReviewCard.objects.select_for_update()
            .filter(user_id=user_id, question_id=response.question_id)
            .first()
        )
        if card is None and response.correct:
            return
        if card is None:
            card = _new_card(
                user_id=user_id,
                question_id=response.question_id,
                reason=ReviewReason.MISSED,
                now=response.answered_at,
            )
            if card is None:  # another request put it in the deck just now
                return
        _record(
            card,
            source=ReviewSource.QUIZ,
            answer=response.response,
            correct=response.correct,
            points=response.points,
            at=response.answered_at,
            quiz_response=response,
        )


def _new_card(*, user_id: int, question_id: int, reason: str, now: datetime) -> ReviewCard | None:
    card = spacing.new_card(user_id=user_id, question_id=question_id, reason=reason, now=now)
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:
        return None
    return card


def _record(
    card: ReviewCard,
    *,
    source: str,
    answer: dict[str, Any],
    correct: bool,
    points: float,
    at: datetime,
    quiz_response: Response | None = None,
) -> Review:
    """Schedule the card after this answer and keep the answer (the card is locked or new)."""
    rating = spacing.rating_for(correct=correct, points=points)
    spacing.review(card, rating=rating, at=at)
    review = Review.objects.create(
        card=card,
        number=card.reviews,
        source=source,
        quiz_response=quiz_response,
        response=answer,
        correct=correct,
        points=points,
        rating=int(rating),
        reviewed_at=at,
        due_after=card.due,
    )
    card.reviews += 1
    card.save()
    return review


def review_answer(
    *, user: User, question: Question, number: int, raw: RawAnswer, now: datetime | None = None
) -> tuple[Review, bool]:
    """Record the student's answer to a question of their review; returns ``(review, created)``.

    ``number`` is the card's review count the form was shown with (0 for a
    question not in the deck yet). Idempotent: the same form sent twice
    returns the answer recorded the first time. A question that is not due for
    this student, or not theirs to review, is refused before anything about
    its answer is looked at.
    """
    now = now or timezone.now()
    recorded = _recorded_review(user=user, question=question, number=number)
    if recorded is not None:
        return recorded, False
    try:
        _check_due(user=user, question=question, number=number, now=now)
    except NotDueForReview:
        # Not due any more because another tab has just recorded this very form.
        recorded = _recorded_review(user=user, question=question, number=number)
        if recorded is not None:
            return recorded, False
        raise
    try:
        answer = parse_answer(question.type, question.data, raw)
    except AnswerError as exc:
        raise InvalidAnswer(str(exc)) from None
    # Scoring a manifest runs the validator: do it before taking any lock.
    outcome = score(question.type, question.data, question.points, answer)
    stored: dict[str, Any] = {**answer, **({"result": outcome.details} if outcome.details else {})}
    with transaction.atomic():
        card = ReviewCard.objects.select_for_update().filter(user=user, question=question).first()
        if card is None and number == 0:
            card = _new_card(
                user_id=user.pk, question_id=question.pk, reason=ReviewReason.REFRESH, now=now
            )
            if card is None:  # the same form, sent twice at once: the other one won
                card = ReviewCard.objects.select_for_update().get(user=user, question=question)
        if card is None:
            raise NotDueForReview(_(NOT_DUE))
        recorded = card.log.filter(number=number).first()
        if recorded is not None:
            return recorded, False
        if card.reviews != number:
            raise NotDueForReview(_(NOT_DUE))
        review = _record(
            card,
            source=ReviewSource.REVIEW,
            answer=stored,
            correct=outcome.correct,
            points=outcome.points,
            at=now,
        )
    return review, True


# Translated where it is raised, in the reader's language.
NOT_DUE = gettext_noop(
    "This question is not due for review now. Open the review page for the next one."
)


def _recorded_review(*, user: User, question: Question, number: int) -> Review | None:
    return (
        Review.objects.select_related("card")
        .filter(card__user=user, card__question=question, number=number, source=ReviewSource.REVIEW)
        .first()
    )


def _check_due(*, user: User, question: Question, number: int, now: datetime) -> None:
    card = ReviewCard.objects.filter(user=user, question=question).first()
    if card is not None:
        if card.reviews != number or card.due > now:
            raise NotDueForReview(_(NOT_DUE))
        return
    if number != 0 or question.pk not in {q.pk for q in refreshers(user=user, now=now)}:
        raise NotDueForReview(_(NOT_DUE))
