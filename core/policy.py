"""The rules a class sets for a piece of work: due date, late work, attempts, feedback.

Classes own the rules (``classes.models.WorkPolicy``), but quizzes, labs and
exams, which sit below classes, apply them. So the apps below ask here, and
the classes app registers the one provider that answers when it starts
(``ClassesConfig.ready``): the usual inversion, with no import upwards. With
no provider, or no rule for the work, everything is allowed and students see
every explanation, as the tutor always did on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser, User
from django.utils import dateformat, timezone
from django.utils.translation import gettext, ngettext


class Late:
    ACCEPT = "accept"
    PENALTY = "penalty"
    REFUSE = "refuse"


class Feedback:
    SCORE = "score"  # the score, nothing per question or check
    CHECKS = "checks"  # right or wrong per question, passed or failed per check
    SOLUTIONS = "solutions"  # and the explanations, right answers and hints


def _when(moment: datetime) -> str:
    """A due date or an opening time for a message: 05 Dec 2026, 14:00 UTC (month in the
    page's language, in the student's time zone)."""
    return dateformat.format(timezone.localtime(moment), "d M Y, H:i T")


def _all_used(max_attempts: int, cohort_name: str) -> str:
    return ngettext(
        "You have used all {count} attempt “{cohort}” allows.",
        "You have used all {count} attempts “{cohort}” allows.",
        max_attempts,
    ).format(count=max_attempts, cohort=cohort_name)


@dataclass(frozen=True)
class WorkRules:
    cohort_name: str
    due_at: datetime | None
    late: str
    penalty_percent: int
    max_attempts: int | None
    feedback_before_due: str
    feedback_after_due: str

    def past_due(self, when: datetime | None = None) -> bool:
        return self.due_at is not None and (when or timezone.now()) > self.due_at

    def feedback(self, when: datetime | None = None) -> str:
        return self.feedback_after_due if self.past_due(when) else self.feedback_before_due

    def factor(self, finished_at: datetime | None) -> float:
        """What a result finished at that time counts for (1.0, or less when late)."""
        if finished_at is None or not self.past_due(finished_at):
            return 1.0
        if self.late == Late.PENALTY:
            return max(0.0, 1 - self.penalty_percent / 100)
        return 1.0

    def refusal(self, *, attempts_used: int, now: datetime | None = None) -> str:
        """Why a new attempt is refused, for the student; empty when it is allowed."""
        if self.late == Late.REFUSE and self.past_due(now):
            due = _when(self.due_at)  # type: ignore[arg-type]
            return gettext(
                "The due date ({due}) has passed: “{cohort}” takes no late work."
            ).format(due=due, cohort=self.cohort_name)
        if self.max_attempts is not None and attempts_used >= self.max_attempts:
            return _all_used(self.max_attempts, self.cohort_name)
        return ""


Provider = Callable[[User, str, str], WorkRules | None]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def rules_for(user: User | AnonymousUser, kind: str, item_uuid: str) -> WorkRules | None:
    """The rules for this student and this work (kind: quiz, lab or exam), if a class set any."""
    if not user.is_authenticated:
        return None
    for provider in _providers:
        found = provider(user, kind, str(item_uuid))  # type: ignore[arg-type]
        if found is not None:
            return found
    return None


def feedback_level(user: User | AnonymousUser, kind: str, item_uuid: str) -> str:
    rules = rules_for(user, kind, item_uuid)
    return rules.feedback() if rules else Feedback.SOLUTIONS


@dataclass(frozen=True)
class ExamRules:
    """A class's schedule for an exam: when it may be taken, for how long, how often."""

    cohort_name: str
    opens_at: datetime | None
    closes_at: datetime | None
    duration_minutes: int | None  # None: the exam's own
    extra_minutes: int  # this student's extension
    max_attempts: int | None
    show_solutions: bool

    def refusal(self, *, attempts_used: int, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.opens_at is not None and now < self.opens_at:
            return gettext("“{cohort}” opens this exam on {when}.").format(
                cohort=self.cohort_name, when=_when(self.opens_at)
            )
        if self.closes_at is not None and now >= self.closes_at:
            return gettext("The exam window of “{cohort}” has closed.").format(
                cohort=self.cohort_name
            )
        if self.max_attempts is not None and attempts_used >= self.max_attempts:
            return _all_used(self.max_attempts, self.cohort_name)
        return ""

    def minutes(self, exam_minutes: int) -> int:
        return (self.duration_minutes or exam_minutes) + self.extra_minutes


ExamProvider = Callable[[User, str], ExamRules | None]
_exam_providers: list[ExamProvider] = []


def register_exams(provider: ExamProvider) -> None:
    if provider not in _exam_providers:
        _exam_providers.append(provider)


def exam_rules_for(user: User | AnonymousUser, exam_uuid: str) -> ExamRules | None:
    """A class's schedule for this student and exam; None: practice, any time, unlimited."""
    if not user.is_authenticated:
        return None
    for provider in _exam_providers:
        found = provider(user, str(exam_uuid))  # type: ignore[arg-type]
        if found is not None:
            return found
    return None
