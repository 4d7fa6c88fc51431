"""Reads for quiz pages.

A question is shown through ``ShownQuestion``: before it is answered it
carries only what the student needs to answer (prompt, choices in the
attempt's order, ids); the answer key is added only together with the
student's recorded response. Templates cannot leak what they never get.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import Http404

from quizzes.models import Question, Quiz, QuizAttempt, Response
from quizzes.scoring import score

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
    # ordering: the student's order and the right one
    order: list[tuple[str, bool]] = field(default_factory=list)
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


def _ordered_ids(attempt: QuizAttempt, question: Question, ids: list[str]) -> list[str]:
    order = [i for i in attempt.option_orders.get(str(question.pk), []) if i in ids]
    # An edit after the draw may have added a choice: show it last.
    return order + [i for i in ids if i not in order]


def show_question(
    attempt: QuizAttempt, question: Question, number: int, response: Response | None
) -> ShownQuestion:
    rendered = question.rendered
    choices: list[Choice] = []
    if question.type in ("single", "multiple"):
        ids = _ordered_ids(attempt, question, [o["id"] for o in question.options])
        choices = [Choice(i, rendered["options"][i]["text"]) for i in ids]
    elif question.type == "ordering":
        ids = _ordered_ids(attempt, question, question.item_ids)
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
            (rendered["items"][item], right.index(item) == place)
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
