"""The pages that compose several apps: home, a chapter with its practice, the profile."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from exercises.selectors import chapter_exercises
from labs.selectors import chapter_labs
from lessons import selectors, services
from quizzes.selectors import chapter_quiz, quiz_results
from tutor import page_cache
from workspaces.terminal.page import terminal_context


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    outline = selectors.course_outline(user=request.user)
    done = sum(1 for s in outline if s.is_done)
    return render(
        request,
        "pages/home.html",
        {
            "outline": outline,
            "continue_state": selectors.continue_chapter(outline),
            "done_count": done,
            "percent_done": round(100 * done / len(outline)) if outline else 0,
        },
    )


@require_safe
def chapter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    response = _chapter_page(request, slug)
    page_cache.store(request, response)
    return response


def _chapter_page(request: HttpRequest, slug: str) -> HttpResponse:
    chapter = selectors.chapter_get_published(slug=slug)
    outline = selectors.course_outline(user=request.user)
    progress = next((s.progress for s in outline if s.chapter.pk == chapter.pk), None)
    if request.user.is_authenticated:
        progress = services.chapter_visit(user=request.user, chapter=chapter, progress=progress)
    previous, following = selectors.neighbours(outline, chapter)
    return render(
        request,
        "pages/chapter.html",
        {
            "chapter": chapter,
            "exercises": chapter_exercises(chapter_id=chapter.pk, user=request.user),
            "labs": chapter_labs(chapter_id=chapter.pk),
            "quiz": chapter_quiz(chapter_id=chapter.pk, user=request.user),
            "progress": progress,
            "outline": outline,
            "previous": previous,
            "next": following,
            # A signed-in reader's "Try it" boxes get Run buttons, typing into a
            # terminal drawer that opens on the first click.
            **terminal_context(request, lazy=True),
        },
    )


@require_safe
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    outline = selectors.course_outline(user=request.user)
    done = [s for s in outline if s.is_done]
    return render(
        request,
        "registration/profile.html",
        {
            "outline": outline,
            "done_count": len(done),
            "percent_done": round(100 * len(done) / len(outline)) if outline else 0,
            "quiz_results": quiz_results(user=request.user),
        },
    )
