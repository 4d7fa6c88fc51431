"""The pages that compose several apps: home, a chapter with its practice, the profile."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from core.http import HtmxHttpRequest
from exercises.selectors import chapter_exercises, exercise_results, published_exercises
from labs.selectors import chapter_labs, lab_results, published_labs
from lessons import selectors, services
from lessons.models import Chapter
from quizzes.selectors import chapter_quiz, quiz_results
from tutor import next_step, objectives, page_cache
from tutor.search import search_course
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
    chapter = selectors.chapter_in_language(selectors.chapter_get_published(slug=slug))
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
def chapter_objectives(request: HttpRequest, slug: str) -> HttpResponse:
    """Each objective of the chapter with what practises it, and the student's mastery."""
    chapter = selectors.chapter_in_language(selectors.chapter_get_published(slug=slug))
    return render(
        request,
        "pages/objectives.html",
        {
            "chapter": chapter,
            "objectives": objectives.chapter_objectives(chapter=chapter, user=request.user),
            "quiz": chapter_quiz(chapter_id=chapter.pk, user=request.user),
            "mastered_share": round(100 * objectives.MASTERED),
        },
    )


@require_safe
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    outline = selectors.course_outline(user=request.user)
    done = [s for s in outline if s.is_done]
    chapters = list(Chapter.objects.published().only("id", "number", "objectives"))
    exercises = exercise_results(user=request.user, exercises=list(published_exercises()))
    labs = lab_results(user=request.user, labs=list(published_labs()))
    mastery = objectives.course_mastery(
        chapters=chapters, user=request.user, exercises=exercises, labs=labs
    )
    return render(
        request,
        "registration/profile.html",
        {
            "outline": outline,
            "mastery": [(state, mastery.get(state.chapter.pk)) for state in outline],
            "done_count": len(done),
            "percent_done": round(100 * len(done) / len(outline)) if outline else 0,
            "quiz_results": quiz_results(user=request.user),
            "exercise_results": exercises,
            "lab_results": labs,
        },
    )


@require_safe
def chapter_next_step(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Where to go after a success (``?after=quiz``, ``exercise:<slug>``, ``lab:<slug>``).

    A link to this URL always works: it redirects to the step. The page that
    links here asks htmx for the step itself, to name it in the link.
    """
    chapter = selectors.chapter_get_published(slug=slug)
    try:
        step = next_step.next_step(
            chapter=chapter, after=request.GET.get("after", ""), user=request.user
        )
    except next_step.UnknownStep:
        return HttpResponse(
            gettext("Say what was done: after=quiz, after=exercise:<slug> or after=lab:<slug>."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if request.htmx:
        response = render(request, "pages/_next_step.html", {"step": step})
        patch_vary_headers(response, ["HX-Request"])
        return response
    # At the end of the course, what is left to do is the review.
    return redirect("review:page" if step.kind == "end" else step.url)


@require_safe
def search(request: HtmxHttpRequest) -> HttpResponse:
    """Chapter sections, exercises and labs that hold every word of ``q``."""
    query = request.GET.get("q", "")[: selectors.MAX_QUERY_LENGTH].strip()
    results = search_course(query=query) if query else None
    # A history restore asks for the whole page even though it comes from htmx.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "pages/search.html#search-results" if partial else "pages/search.html"
    response = render(request, template, {"query": query, "results": results})
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement: what is tested, the known gaps, how to report one."""
    contact = settings.TUTOR_ACCESSIBILITY_CONTACT.strip()
    if contact.startswith("https://"):
        contact_href = contact
    elif "@" in contact and " " not in contact:
        contact_href = f"mailto:{contact}"
    else:
        contact_href = ""
    return render(
        request, "pages/accessibility.html", {"contact": contact, "contact_href": contact_href}
    )
