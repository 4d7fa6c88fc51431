"""Authoring quizzes in the browser, importing and exporting banks, item statistics.

Every view checks the permission itself (``instructor_required``): a student
gets a 403 whatever the templates show or hide.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.permissions import instructor_required
from core.http import AuthenticatedHttpRequest
from engine.content.errors import ContentError
from quizzes import selectors, services
from quizzes.content import apply_question
from quizzes.export import dump_yaml, export_question, export_quiz, new_question_yaml
from quizzes.forms import ImportForm, QuestionForm, QuizForm
from quizzes.models import Question, QuestionType, Quiz
from quizzes.question_forms import FORM_TYPES, TYPE_LABELS, QuestionFields, initial_from
from quizzes.statistics import MIN_ANSWERS, quiz_stats, stats_csv


@require_safe
@instructor_required
def quiz_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    quizzes = Quiz.objects.select_related("chapter").annotate(
        published_questions=Count(
            "questions", filter=Q(questions__is_published=True), distinct=True
        ),
        finished_attempts=Count(
            "attempts", filter=Q(attempts__finished_at__isnull=False), distinct=True
        ),
    )
    return render(request, "quizzes/instructor/list.html", {"quizzes": quizzes})


@require_http_methods(["GET", "HEAD", "POST"])
@instructor_required
def quiz_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = QuizForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        quiz = services.quiz_create(
            chapter=form.cleaned_data["chapter"],
            title=form.cleaned_data["title"],
            pass_mark=form.cleaned_data["pass_mark"],
            layout=form.cleaned_data["layout"],
            questions_per_attempt=form.cleaned_data["questions_per_attempt"],
        )
        return redirect("instructor:quiz", quiz_id=quiz.pk)
    return render(request, "quizzes/instructor/quiz_form.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@instructor_required
def quiz_edit(request: AuthenticatedHttpRequest, quiz_id: int) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.select_related("chapter"), pk=quiz_id)
    form = QuizForm(request.POST or None, instance=quiz)
    if request.method == "POST" and form.is_valid():
        services.quiz_settings_mark_edited(quiz=form.save(commit=False))
        return redirect("instructor:quiz", quiz_id=quiz.pk)
    return render(
        request,
        "quizzes/instructor/quiz.html",
        {
            "quiz": quiz,
            "form": form,
            "questions": quiz.questions.order_by("-is_published", "position", "id"),
            "types": QuestionType.choices,
            "form_types": FORM_TYPES,
        },
    )


@require_POST
@instructor_required
def quiz_publish(request: AuthenticatedHttpRequest, quiz_id: int) -> HttpResponse:
    quiz = get_object_or_404(Quiz, pk=quiz_id)
    services.quiz_publish(quiz=quiz, published=request.POST.get("published") == "1")
    return redirect(quiz_url(quiz))


def quiz_url(quiz: Quiz) -> str:
    return reverse("instructor:quiz", kwargs={"quiz_id": quiz.pk})


@require_http_methods(["GET", "HEAD", "POST"])
@instructor_required
def question_edit(
    request: AuthenticatedHttpRequest, quiz_id: int, question_id: int | None = None
) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.select_related("chapter"), pk=quiz_id)
    question = get_object_or_404(Question, pk=question_id, quiz=quiz) if question_id else None
    if question is not None:
        initial = export_question(question)
    else:
        kind = request.GET.get("type", "single")
        if kind not in QuestionType.values:
            kind = "single"
        toc = quiz.chapter.toc
        initial = new_question_yaml(
            kind, question_uuid=str(uuid.uuid4()), section=toc[0]["anchor"] if toc else None
        )
    form = QuestionForm(request.POST or None, initial={"source": initial})
    errors: list[ContentError] = []
    if request.method == "POST" and form.is_valid():
        saved, errors = services.question_save(
            quiz=quiz, text=form.cleaned_data["source"], question=question
        )
        if saved is not None:
            return redirect(f"{quiz_url(quiz)}#question-{saved.pk}")
    return render(
        request,
        "quizzes/instructor/question.html",
        {
            "quiz": quiz,
            "question": question,
            "form": form,
            "errors": errors,
            "preview": _preview(quiz, form["source"].value() or "", question),
            "form_types": FORM_TYPES,
            "kind": question.type if question else request.GET.get("type", "single"),
        },
    )


@require_POST
@instructor_required
def question_preview(
    request: AuthenticatedHttpRequest, quiz_id: int, question_id: int | None = None
) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.select_related("chapter"), pk=quiz_id)
    question = get_object_or_404(Question, pk=question_id, quiz=quiz) if question_id else None
    preview = _preview(quiz, request.POST.get("source", ""), question)
    return render(
        request, "quizzes/instructor/question.html#preview", {"quiz": quiz, "preview": preview}
    )


def _preview(quiz: Quiz, text: str, question: Question | None) -> dict[str, Any]:
    data, errors = services.question_check(quiz=quiz, text=text, question=question)
    if data is None:
        return {"errors": errors}
    draft = Question(quiz=quiz, data=question.data if question else {})
    apply_question(draft, data)
    return {"errors": [], "s": selectors.preview_question(draft)}


@require_POST
@instructor_required
def question_publish(
    request: AuthenticatedHttpRequest, quiz_id: int, question_id: int
) -> HttpResponse:
    question = get_object_or_404(Question, pk=question_id, quiz_id=quiz_id)
    services.question_publish(question=question, published=request.POST.get("published") == "1")
    return redirect(
        f"{reverse('instructor:quiz', kwargs={'quiz_id': quiz_id})}#question-{question.pk}"
    )


@require_http_methods(["GET", "HEAD", "POST"])
@instructor_required
def quiz_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[ContentError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("file")
        shown = upload.name if upload is not None else gettext("pasted bank")
        quiz, errors = services.quiz_import(
            chapter=form.cleaned_data["chapter"], raw=form.cleaned_data["raw"], shown=shown
        )
        if quiz is not None:
            return redirect(quiz_url(quiz))
    status = 400 if errors else 200
    return render(
        request, "quizzes/instructor/import.html", {"form": form, "errors": errors}, status=status
    )


@require_safe
@instructor_required
def quiz_export(request: AuthenticatedHttpRequest, quiz_id: int) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.select_related("chapter"), pk=quiz_id)
    response = HttpResponse(export_quiz(quiz), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{quiz.chapter.folder or "quiz"}-quiz.yaml"'
    )
    return response


@require_safe
@instructor_required
def quiz_statistics(request: AuthenticatedHttpRequest, quiz_id: int) -> HttpResponse:
    quiz = get_object_or_404(Quiz.objects.select_related("chapter"), pk=quiz_id)
    return render(
        request,
        "quizzes/instructor/stats.html",
        {"quiz": quiz, "stats": quiz_stats(quiz), "min_answers": MIN_ANSWERS},
    )


@require_safe
@instructor_required
def quiz_statistics_csv(request: AuthenticatedHttpRequest, quiz_id: int) -> HttpResponse:
    quiz = get_object_or_404(Quiz, pk=quiz_id)
    response = HttpResponse(stats_csv(quiz_stats(quiz)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.pk}-items.csv"'
    return response


def _findings(errors: list[ContentError]) -> list[dict[str, Any]]:
    """Content errors in the shape the editor shows (editor.js), each on its line."""
    return [
        {"severity": "error", "code": "quiz-schema", "path": "", "line": max(1, e.line),
         "column": 1, "message": e.message}
        for e in errors
    ]  # fmt: skip


@require_POST
@instructor_required
def question_check(
    request: AuthenticatedHttpRequest, quiz_id: int, question_id: int | None = None
) -> HttpResponse:
    """The editor's as-you-type check: the quiz schema and the loader's own rules."""
    quiz = get_object_or_404(Quiz.objects.select_related("chapter"), pk=quiz_id)
    question = get_object_or_404(Question, pk=question_id, quiz=quiz) if question_id else None
    text = request.POST.get("source", "")
    if len(text) > 64 * 1024:
        errors = [ContentError("question", 1, gettext("The question is longer than 64 KiB."))]
    else:
        _, errors = services.question_check(quiz=quiz, text=text, question=question)
    return JsonResponse({"valid": not errors, "findings": _findings(errors)})


def _anchors(quiz: Quiz) -> list[tuple[str, str]]:
    return [(h["anchor"], h.get("title") or h["anchor"]) for h in quiz.chapter.toc]


@require_http_methods(["GET", "HEAD", "POST"])
@instructor_required
def question_form(
    request: AuthenticatedHttpRequest, quiz_id: int, question_id: int | None = None
) -> HttpResponse:
    """A question of a common type, edited with a form instead of YAML."""
    quiz = get_object_or_404(Quiz.objects.select_related("chapter"), pk=quiz_id)
    question = get_object_or_404(Question, pk=question_id, quiz=quiz) if question_id else None
    kind = question.type if question else request.GET.get("type", "single")
    if kind not in FORM_TYPES:
        if question is not None:
            return redirect("instructor:question", quiz_id=quiz.pk, question_id=question.pk)
        kind = "single"
    initial = initial_from(question.data) if question else {}
    form = QuestionFields(request.POST or None, kind=kind, anchors=_anchors(quiz), initial=initial)
    errors: list[ContentError] = []
    if request.method == "POST" and form.is_valid():
        question_uuid = str(question.uuid) if question else str(uuid.uuid4())
        text = dump_yaml(form.question_data(question_uuid=question_uuid))
        saved, errors = services.question_save(quiz=quiz, text=text, question=question)
        if saved is not None:
            return redirect(f"{quiz_url(quiz)}#question-{saved.pk}")
    return render(
        request,
        "quizzes/instructor/question_form.html",
        {
            "quiz": quiz,
            "question": question,
            "form": form,
            "kind": kind,
            "kind_label": TYPE_LABELS[kind],
            "errors": errors,
        },
        status=400 if request.method == "POST" else 200,
    )
