"""Taking a quiz: start or resume, answer question by question, finish, review."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import policy
from core.http import AuthenticatedHttpRequest, HtmxHttpRequest, body_too_large
from engine.grading.exercise import grade_manifest
from engine.manifests import DEFAULT_VERSION
from quizzes import selectors, services
from quizzes.models import Question, Quiz, QuizAttempt
from quizzes.selectors import ShownQuestion


@require_safe
def quiz_list(request: HttpRequest) -> HttpResponse:
    quizzes = selectors.published_quizzes()
    best = selectors.best_attempts(user=request.user)
    return render(
        request,
        "quizzes/list.html",
        {"rows": [(quiz, best.get(quiz.pk)) for quiz in quizzes]},
    )


@require_safe
def quiz_detail(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = selectors.quiz_get_published(quiz_id=quiz_id)
    summary = selectors.chapter_quiz(chapter_id=quiz.chapter_id, user=request.user)
    return render(
        request,
        "quizzes/quiz.html",
        {
            "quiz": quiz,
            **_rules(request, quiz),
            "summary": summary if summary and summary.quiz.pk == quiz.pk else None,
            "attempts": selectors.finished_attempts(user=request.user, quiz=quiz),
        },
    )


@require_POST
@login_required
def quiz_start(request: AuthenticatedHttpRequest, quiz_id: int) -> HttpResponse:
    quiz = selectors.quiz_get_published(quiz_id=quiz_id)
    try:
        attempt, _resumed = services.quiz_attempt_start(user=request.user, quiz=quiz)
    except services.QuizError as exc:
        return _refused(request, exc)
    return redirect(attempt)


def _current_number(shown: list[ShownQuestion], requested: str | None) -> int:
    """The question to show: the one asked for, else the first not yet answered."""
    if requested and requested.isdigit() and 1 <= int(requested) <= len(shown):
        return int(requested)
    return next((s.number for s in shown if not s.answered), len(shown) or 1)


@require_safe
@login_required
def attempt_take(request: AuthenticatedHttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get_for_user(attempt_id=attempt_id, user=request.user)
    if attempt.is_finished:
        return redirect("quizzes:review", attempt_id=attempt.pk)
    shown = selectors.shown_questions(attempt=attempt)
    current = _current_number(shown, request.GET.get("q"))
    one_at_a_time = attempt.quiz.layout == "one-at-a-time"
    return render(
        request,
        "quizzes/take.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            **_rules(request, attempt.quiz),
            "shown": shown,
            "progress": shown,
            "visible": [shown[current - 1]] if one_at_a_time and shown else shown,
            "current": current,
            "total": len(shown),
            "answered": sum(1 for s in shown if s.answered),
            "one_at_a_time": one_at_a_time,
            "has_manifest": any(s.question.type == "manifest" for s in shown),
        },
    )


@require_POST
@login_required
def attempt_answer(
    request: AuthenticatedHttpRequest, attempt_id: int, question_id: int
) -> HttpResponse:
    attempt = selectors.attempt_get_for_user(attempt_id=attempt_id, user=request.user)
    question = Question.objects.filter(pk=question_id).first()
    if question is None or question.pk not in attempt.question_ids:
        missing = services.QuestionNotInAttempt(_("This question is not part of your attempt."))
        return _refused(request, missing, attempt=attempt)
    raw = {key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"}
    try:
        response, _created = services.quiz_attempt_answer(
            attempt=attempt, question=question, raw=raw
        )
    except services.QuizError as exc:
        return _refused(request, exc, attempt=attempt)
    number = attempt.question_ids.index(question.pk) + 1
    if request.htmx:
        progress = selectors.progress_items(attempt=attempt)
        return render(
            request,
            "quizzes/take.html#question",
            {
                "attempt": attempt,
                "quiz": attempt.quiz,
                **_rules(request, attempt.quiz),
                "s": selectors.show_question(attempt, question, number, response),
                "progress": progress,
                "current": number,
                "total": len(progress),
                "answered": sum(1 for item in progress if item.answered),
                "one_at_a_time": attempt.quiz.layout == "one-at-a-time",
                # The progress bar and question list above are swapped out of band.
                "oob": True,
            },
        )
    url = reverse("quizzes:take", kwargs={"attempt_id": attempt.pk})
    return redirect(f"{url}?q={number}#question-{question.pk}")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def attempt_finish(request: AuthenticatedHttpRequest, attempt_id: int) -> HttpResponse:
    """Finish the attempt; with questions left unanswered, only once the student confirms.

    The confirmation is a page of its own (GET), so it works without
    JavaScript and a screen reader lands on its heading.
    """
    attempt = selectors.attempt_get_for_user(attempt_id=attempt_id, user=request.user)
    if attempt.is_finished:
        return redirect("quizzes:review", attempt_id=attempt.pk)
    progress = selectors.progress_items(attempt=attempt)
    unanswered = [item for item in progress if not item.answered]
    confirmed = request.method == "POST" and request.POST.get("confirm") == "yes"
    if request.method == "POST" and (confirmed or not unanswered):
        services.quiz_attempt_finish(attempt=attempt)
        return redirect("quizzes:review", attempt_id=attempt.pk)
    if request.method == "POST":
        return redirect("quizzes:finish", attempt_id=attempt.pk)
    return render(
        request,
        "quizzes/finish.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            "total": len(progress),
            "answered": len(progress) - len(unanswered),
            "unanswered": len(unanswered),
            "first_unanswered": unanswered[0] if unanswered else None,
        },
    )


@require_safe
@login_required
def attempt_review(request: AuthenticatedHttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get_for_user(attempt_id=attempt_id, user=request.user)
    if not attempt.is_finished:
        return redirect(attempt)
    shown = selectors.shown_questions(attempt=attempt)
    best = selectors.best_attempts(user=request.user, quiz_ids=[attempt.quiz_id])
    return render(
        request,
        "quizzes/review.html",
        {
            "attempt": attempt,
            "quiz": attempt.quiz,
            **_rules(request, attempt.quiz),
            "shown": shown,
            "best": best.get(attempt.quiz_id),
            "unanswered": sum(1 for s in shown if not s.answered),
        },
    )


@require_POST
@login_required
def manifest_validate(request: AuthenticatedHttpRequest, question_id: int) -> JsonResponse:
    """As-you-type check of a manifest answer: the validator's findings only.

    The same JSON shape as the exercises' check, but ``rules`` stays empty:
    which rules pass would tell the student whether the answer is right
    before they submit it.
    """
    question = Question.objects.filter(
        pk=question_id, type="manifest", is_published=True, quiz__is_published=True
    ).first()
    if question is None:
        raise Http404("No such question")
    version = question.data.get("kubernetes_version", DEFAULT_VERSION)
    try:
        manifest = request.POST.get("manifest", "")
    except RequestDataTooBig:
        return body_too_large()
    outcome = grade_manifest(manifest, rules=[], kubernetes_version=version)
    return JsonResponse(
        {"valid": outcome.valid, "findings": [f.as_dict() for f in outcome.findings], "rules": []}
    )


def _refused(
    request: HtmxHttpRequest, error: services.QuizError, attempt: QuizAttempt | None = None
) -> HttpResponse:
    """A 4xx that says what went wrong: plain text for htmx, a page otherwise."""
    if request.htmx:
        return HttpResponse(
            error.message, status=error.status, content_type="text/plain; charset=utf-8"
        )
    return render(
        request,
        "quizzes/refused.html",
        {"message": error.message, "attempt": attempt},
        status=error.status,
    )


def _rules(request: HttpRequest, quiz: Quiz) -> dict[str, object]:
    """A class's rules for this quiz: what the page says, and how much feedback it shows."""
    rules = policy.rules_for(request.user, "quiz", str(quiz.uuid))
    return {"rules": rules, "feedback_level": rules.feedback() if rules else "solutions"}
