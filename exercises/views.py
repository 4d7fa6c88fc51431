from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST, require_safe

from core.http import AuthenticatedHttpRequest, HtmxHttpRequest, body_too_large
from engine.manifests import manifest_text_problem
from exercises import selectors, services
from exercises.models import ExerciseAttempt


@require_safe
def exercise_detail(request: HtmxHttpRequest, chapter: str, slug: str) -> HttpResponse:
    exercise = selectors.exercise_get_published(chapter_slug=chapter, slug=slug)
    progress = selectors.exercise_progress(user=request.user, exercise=exercise)
    attempts = list(selectors.attempts_for(user=request.user, exercise=exercise))
    latest = attempts[0] if attempts else None
    return render(
        request,
        "exercises/exercise.html",
        _context(
            exercise=exercise, progress=progress, attempts=attempts, shown=latest,
            initial_findings=_findings_shown(exercise, latest),
        ),
    )  # fmt: skip


def _findings_shown(exercise: Any, attempt: ExerciseAttempt | None) -> list[dict[str, Any]]:
    """The problems of the manifest the editor opens with: the attempt shown, or the starter.

    The editor shows them before the first keystroke, so a starter with
    errors never appears under "No problems found".
    """
    if attempt is not None:
        return list(attempt.findings)
    outcome = services.exercise_check(exercise=exercise, manifest=exercise.starter)
    return [f.as_dict() for f in outcome.findings]


def _context(**values: object) -> dict[str, object]:
    exercise = values["exercise"]
    progress = values.get("progress")
    shown = values.get("shown")
    revealed = getattr(progress, "hints_revealed", 0)
    manifest = values.get("typed") or (
        shown.manifest if isinstance(shown, ExerciseAttempt) else exercise.starter  # type: ignore[attr-defined]
    )
    return {
        **values,
        "manifest": manifest,
        "hints": exercise.hints_html[:revealed],  # type: ignore[attr-defined]
        "more_hints": revealed < len(exercise.hints_html),  # type: ignore[attr-defined]
    }


@require_POST
def exercise_validate(request: HttpRequest, chapter: str, slug: str) -> JsonResponse:
    """As-you-type check: findings and rule states, nothing stored. Open to anyone reading.

    Anyone may make the server work here, so each client is counted (429 with
    Retry-After past its limit: accounts.rate_limit.ManifestCheckLimitMiddleware)
    and the validator caps what one text costs.
    """
    exercise = selectors.exercise_get_published(chapter_slug=chapter, slug=slug)
    try:
        manifest = request.POST.get("manifest", "")
    except RequestDataTooBig:
        return body_too_large()
    outcome = services.exercise_check(
        exercise=exercise,
        manifest=manifest,
        kubernetes_version=request.POST.get("kubernetes_version"),
    )
    return JsonResponse(
        {
            "valid": outcome.valid,
            "findings": [f.as_dict() for f in outcome.findings],
            "rules": [{"id": r.id, "passed": r.passed} for r in outcome.rule_results],
        }
    )


@require_POST
@login_required
def exercise_submit(request: AuthenticatedHttpRequest, chapter: str, slug: str) -> HttpResponse:
    exercise = selectors.exercise_get_published(chapter_slug=chapter, slug=slug)
    try:
        manifest = request.POST.get("manifest")
    except RequestDataTooBig:
        return body_too_large()
    if manifest is None:
        return HttpResponse(gettext("Send the manifest in the `manifest` field."), status=400)
    problem = manifest_text_problem(manifest)
    if problem:
        # Not stored: what is too large to check is too large to keep. The page keeps
        # the student's text in the editor; htmx swaps only a 200, so it gets one.
        progress = selectors.exercise_progress(user=request.user, exercise=exercise)
        attempts = list(selectors.attempts_for(user=request.user, exercise=exercise))
        context = _context(
            exercise=exercise, progress=progress, attempts=attempts, typed=manifest, refused=problem
        )
        if request.htmx:
            return render(request, "exercises/exercise.html#exercise-result", context)
        return render(request, "exercises/exercise.html", context, status=400)
    attempt = services.exercise_attempt_submit(
        user=request.user, exercise=exercise, manifest=manifest
    )
    if request.htmx:
        progress = selectors.exercise_progress(user=request.user, exercise=exercise)
        attempts = list(selectors.attempts_for(user=request.user, exercise=exercise))
        return render(
            request,
            "exercises/exercise.html#exercise-result",
            _context(exercise=exercise, progress=progress, attempts=attempts, shown=attempt),
        )
    return redirect(exercise)


@require_POST
@login_required
def exercise_hint(request: AuthenticatedHttpRequest, chapter: str, slug: str) -> HttpResponse:
    exercise = selectors.exercise_get_published(chapter_slug=chapter, slug=slug)
    progress = services.exercise_hint_reveal(user=request.user, exercise=exercise)
    if request.htmx:
        return render(
            request,
            "exercises/exercise.html#exercise-hints",
            _context(exercise=exercise, progress=progress),
        )
    return redirect(exercise)


@require_safe
@login_required
def exercise_attempt(
    request: AuthenticatedHttpRequest, chapter: str, slug: str, attempt_id: int
) -> HttpResponse:
    exercise = selectors.exercise_get_published(chapter_slug=chapter, slug=slug)
    # Only the owner's attempts exist for this lookup: another student's id is a 404.
    attempt = get_object_or_404(
        ExerciseAttempt, pk=attempt_id, exercise=exercise, user=request.user
    )
    progress = selectors.exercise_progress(user=request.user, exercise=exercise)
    attempts = list(selectors.attempts_for(user=request.user, exercise=exercise))
    return render(
        request,
        "exercises/exercise.html",
        _context(
            exercise=exercise, progress=progress, attempts=attempts, shown=attempt,
            initial_findings=_findings_shown(exercise, attempt),
        ),
    )  # fmt: skip
