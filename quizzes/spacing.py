"""When a question comes back for review: FSRS, through the `fsrs` package (the only importer).

FSRS (the Free Spaced Repetition Scheduler) models how well a student knows
each question and asks again just before they would forget it: ten minutes
after a miss, then a day or so, then longer and longer as they keep
remembering, and sooner again after a miss. A card's FSRS state lives in the
ReviewCard row; this module turns a row into an ``fsrs.Card``, reviews it and
writes the result back.

Students answer right or wrong rather than rating their own recall, so an
answer maps to a rating: right is Good, partly right (a multiple choice
question with partial scoring) is Hard, wrong is Again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from fsrs import Card, Rating, Scheduler, State

from quizzes.models import ReviewCard

# A missed question comes back ten minutes later, once the explanation is no
# longer on the screen; a year is the longest any question stays away.
LEARNING_STEPS = (timedelta(minutes=10),)
RELEARNING_STEPS = (timedelta(minutes=10),)
MAXIMUM_INTERVAL_DAYS = 365
DESIRED_RETENTION = 0.9


@cache
def scheduler() -> Scheduler:
    return Scheduler(
        desired_retention=DESIRED_RETENTION,
        learning_steps=LEARNING_STEPS,
        relearning_steps=RELEARNING_STEPS,
        maximum_interval=MAXIMUM_INTERVAL_DAYS,
        # A little randomness keeps questions learnt together from coming back together.
        enable_fuzzing=True,
    )


def rating_for(*, correct: bool, points: float) -> Rating:
    if correct:
        return Rating.Good
    return Rating.Hard if points > 0 else Rating.Again


def _utc(value: datetime) -> datetime:
    # fsrs refuses any time zone object but datetime.UTC itself.
    return value.astimezone(UTC)


def new_card(*, user_id: int, question_id: int, reason: str, now: datetime) -> ReviewCard:
    """A card that has never been reviewed, due now (not saved)."""
    card = ReviewCard(user_id=user_id, question_id=question_id, reason=reason)
    _write(card, Card(card_id=0, due=_utc(now)))
    return card


def _read(row: ReviewCard) -> Card:
    return Card(
        card_id=row.pk or 0,
        state=State(row.state),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=_utc(row.due),
        last_review=_utc(row.last_review) if row.last_review else None,
    )


def _write(row: ReviewCard, card: Card) -> None:
    row.state = int(card.state)
    row.step = card.step
    row.stability = card.stability
    row.difficulty = card.difficulty
    row.due = card.due
    row.last_review = card.last_review


def review(row: ReviewCard, *, rating: Rating, at: datetime) -> None:
    """Schedule the card's next review after an answer rated ``rating`` at ``at`` (not saved)."""
    card, _log = scheduler().review_card(_read(row), rating, review_datetime=_utc(at))
    _write(row, card)
