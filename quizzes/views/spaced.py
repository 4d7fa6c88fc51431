"""The review: quiz questions a student missed, and some from chapters finished weeks ago,
each coming back when spaced repetition says it is time."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.http import AuthenticatedHttpRequest
from quizzes import selectors, services
from quizzes.models import Question, Review
from quizzes.views.student import _refused


@require_safe
@login_required
def review_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    queue = selectors.review_queue(user=request.user, now=timezone.now())
    item = queue.next_item()
    item = selectors.load_item(item) if item else None
    shown = selectors.show_review_item(item, user_id=request.user.pk) if item else None
    return render(
        request,
        "quizzes/spaced/review.html",
        {
            "queue": queue,
            "item": item,
            "s": shown,
            "has_manifest": bool(shown and shown.question.type == "manifest"),
        },
    )


@require_POST
@login_required
def review_answer(request: AuthenticatedHttpRequest, question_id: int) -> HttpResponse:
    question = Question.objects.filter(
        pk=question_id, is_published=True, quiz__is_published=True, quiz__chapter__is_published=True
    ).first()
    if question is None:
        raise Http404("No such question")
    number = request.POST.get("number", "")
    if not number.isdigit():
        return _refused(
            request, services.InvalidAnswer(_("Open the review page and answer again."))
        )
    raw = {
        key: request.POST.getlist(key)
        for key in request.POST
        if key not in ("csrfmiddlewaretoken", "number")
    }
    try:
        review, _created = services.review_answer(
            user=request.user, question=question, number=int(number), raw=raw
        )
    except services.QuizError as exc:
        return _refused(request, exc)
    if request.htmx:
        return render(
            request,
            "quizzes/spaced/review.html#review-question",
            _answered_context(request, review),
        )
    return redirect("review:answered", review_id=review.pk)


@require_safe
@login_required
def review_answered(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    """A recorded answer with its feedback: where the form lands without JavaScript."""
    review = selectors.review_get_for_user(review_id=review_id, user=request.user)
    return render(request, "quizzes/spaced/review.html", _answered_context(request, review))


def _answered_context(request: AuthenticatedHttpRequest, review: Review) -> dict[str, object]:
    shown = selectors.show_review(review)
    return {
        "review": review,
        "s": shown,
        "queue": selectors.review_queue(user=request.user, now=timezone.now()),
        "has_manifest": shown.question.type == "manifest",
    }
