"""Exam pages: the list, an exam's introduction, the attempt (work, then review)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from core import policy
from core.http import AuthenticatedHttpRequest
from exams import selectors, services
from exams.models import AttemptStatus, ExamAttempt
from quizzes.models import Question
from workspaces.terminal.page import terminal_context


@require_safe
def exam_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "exams/list.html",
        {
            "exams": selectors.exams_published(),
            "attempts": selectors.attempts_for(user=request.user),
        },
    )


@require_safe
def exam_detail(request: HttpRequest, slug: str) -> HttpResponse:
    exam = selectors.exam_get_published(slug=slug)
    rules = policy.exam_rules_for(request.user, str(exam.uuid))
    return render(
        request,
        "exams/exam.html",
        {
            "exam": exam,
            "rules": rules,
            "minutes": rules.minutes(exam.duration_minutes) if rules else exam.duration_minutes,
            "attempts": selectors.attempts_for(user=request.user, exam=exam),
        },
    )


@require_POST
@login_required
def exam_start(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    exam = selectors.exam_get_published(slug=slug)
    try:
        attempt, _created = services.exam_attempt_start(user=request.user, exam=exam)
    except services.ExamError as exc:
        messages.error(request, exc.message)
        return redirect(exam)
    return redirect(attempt)


def _questions(attempt: ExamAttempt) -> list[dict[str, Any]]:
    """The exam's quiz questions as the page shows them, with the answer kept so far."""
    rows = {
        str(q.uuid): q
        for q in Question.objects.filter(uuid__in=[q["uuid"] for q in attempt.exam.questions])
    }
    shown = []
    for number, asked in enumerate(attempt.exam.questions, start=1):
        question = rows.get(asked["uuid"])
        if question is None:
            continue
        answer = attempt.answers.get(asked["uuid"]) or {}
        chosen = set(answer.get("options", [])) | (
            {answer["option"]} if "option" in answer else set()
        )
        options = [
            {"id": o["id"], "html": question.rendered.get("options", {}).get(o["id"], {}).get("text", ""),
             "chosen": o["id"] in chosen}
            for o in question.options
        ]  # fmt: skip
        shown.append({"number": number, "uuid": asked["uuid"], "points": asked["points"],
                      "question": question, "answer": answer, "options": options,
                      "result": attempt.question_results.get(asked["uuid"])})  # fmt: skip
    return shown


def _context(request: HttpRequest, attempt: ExamAttempt) -> dict[str, Any]:
    exam = attempt.exam
    tasks = exam.tasks
    on_questions = request.GET.get("task") == "questions" and bool(exam.questions)
    current = (
        None
        if on_questions
        else (exam.task(request.GET.get("task", "")) or (tasks[0] if tasks else None))
    )
    rules = policy.exam_rules_for(request.user, str(exam.uuid))
    review = []
    if attempt.status == AttemptStatus.GRADED:
        for task in tasks:
            result = attempt.results.get(task["id"], {})
            review.append({"task": task, "result": result})
    # The browser terminal, pointed at the exam's namespace while it is in progress.
    terminal = terminal_context(request) if attempt.status == AttemptStatus.IN_PROGRESS else {}
    return {
        **terminal,
        "attempt": attempt,
        "exam": exam,
        "tasks": tasks,
        "current": current,
        "on_questions": on_questions,
        "questions": _questions(attempt)
        if on_questions or attempt.status == AttemptStatus.GRADED
        else [],
        "flagged": set(attempt.flagged),
        "review": review,
        "show_solutions": rules.show_solutions if rules else True,
        "seconds_left": max(0, int((attempt.deadline - timezone.now()).total_seconds()))
        if attempt.deadline
        else None,
    }


@require_safe
@login_required
def attempt_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_get_own(user=request.user, pk=pk)
    if (
        attempt.status == AttemptStatus.IN_PROGRESS
        and attempt.deadline is not None
        and attempt.deadline <= timezone.now()
    ):
        # The worker's timer hands it in too; whoever comes first does it, once.
        services.exam_attempt_submit(attempt=attempt, timed_out=True)
        attempt.refresh_from_db()
    if request.htmx:
        # The page polls while a worker prepares or grades; a new state needs the whole page.
        if request.GET.get("since") != attempt.status:
            return HttpResponseClientRefresh()
        return render(request, "exams/attempt.html#exam-state", _context(request, attempt))
    return render(request, "exams/attempt.html", _context(request, attempt))


@require_POST
@login_required
def attempt_flag(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_get_own(user=request.user, pk=pk)
    task_id = request.POST.get("task", "")
    try:
        services.exam_flag(
            attempt=attempt, task_id=task_id, flagged=request.POST.get("flagged") == "1"
        )
    except services.ExamError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('exams:attempt', kwargs={'pk': attempt.pk})}?task={task_id}")


@require_POST
@login_required
def attempt_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_get_own(user=request.user, pk=pk)
    if services.exam_attempt_submit(attempt=attempt):
        messages.success(request, _("Handed in. A worker is grading it from your namespace now."))
    return redirect(attempt)


@require_POST
@login_required
def attempt_answer(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_get_own(user=request.user, pk=pk)
    question_uuid = request.POST.get("question", "")
    raw = {
        key: request.POST.getlist(key)
        for key in request.POST
        if key not in ("csrfmiddlewaretoken", "question")
    }
    try:
        services.exam_answer(attempt=attempt, question_uuid=question_uuid, raw=raw)
    except services.ExamError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Answer kept. You can change it until you hand in."))
    url = reverse("exams:attempt", kwargs={"pk": attempt.pk})
    return redirect(f"{url}?task=questions#q-{question_uuid[:8]}")
