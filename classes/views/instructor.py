"""An instructor's classes: cohorts, join codes, the gradebook, drill-downs, regrades, namespaces.

Every view checks the permission itself (``instructor_required``: 403 for
anyone who is not an instructor), then fetches the cohort through
``cohort_get_for_instructor`` (404 for a cohort the user does not teach)
and everything else through that cohort (404 for what is not in it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseStopPolling

from accounts.permissions import instructor_required
from classes import selectors, services
from classes.forms import (
    CohortForm,
    ExamScheduleForm,
    ExpiryForm,
    ExtensionForm,
    InstructorForm,
    LabRegradeForm,
    PolicyForm,
    QuotaForm,
)
from classes.gradebook import gradebook_csv, gradebook_for, gradebook_json
from classes.live import checks_grid, live_board
from classes.live import student_timeline as timeline_for
from classes.models import Cohort
from core.http import AuthenticatedHttpRequest
from labs.models import LabSubmission
from workspaces import services as workspace_services
from workspaces.models import NamespaceRun
from workspaces.terminal.consumer import watch_ticket
from workspaces.terminal.page import watch_context
from workspaces.tutor_cluster import classroom_mode

LIVE_POLL_SECONDS = 5


def _cohort(request: AuthenticatedHttpRequest, pk: int) -> Cohort:
    return selectors.cohort_get_for_instructor(user=request.user, pk=pk)


@require_safe
@instructor_required
def cohort_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    cohorts = selectors.cohorts_for_instructor(user=request.user).prefetch_related("instructors")
    return render(request, "classes/instructor/list.html", {"cohorts": cohorts})


@require_http_methods(["GET", "HEAD", "POST"])
@instructor_required
def cohort_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_create(name=form.cleaned_data["name"], instructor=request.user)
        except services.ClassError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                gettext("Class created. Students join with {code}.").format(
                    code=cohort.join_code_display
                ),
            )
            return redirect(cohort)
    return render(request, "classes/instructor/create.html", {"form": form})


@require_safe
@instructor_required
def cohort_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    classroom = classroom_mode()
    failures_count, failures = selectors.cohort_grading_failures(cohort=cohort)
    return render(
        request,
        "classes/instructor/cohort.html",
        {
            "cohort": cohort,
            "grading_failures": failures,
            "grading_failures_count": failures_count,
            "gradebook": gradebook_for(cohort=cohort),
            "expiry_form": ExpiryForm(),
            "instructor_form": InstructorForm(),
            "lab_regrade_form": LabRegradeForm(),
            "quota_form": QuotaForm(initial=_quota_initial(cohort)),
            "classroom": classroom,
            "namespaces": selectors.cohort_namespaces(cohort=cohort) if classroom else [],
            "namespace_runs": (
                workspace_services.namespace_runs(scope=services.cohort_scope(cohort))
                if classroom
                else []
            ),
            "join_url": request.build_absolute_uri(
                f"{reverse('classes:mine')}?code={cohort.join_code_display}"
            ),
            "invitations": selectors.cohort_invitations(cohort=cohort),
            "invitation_days": services.INVITATION_DAYS,
            "policies": cohort.policies.all(),
            "exam_schedules": selectors.cohort_exam_schedules(cohort=cohort),
            "exam_form": ExamScheduleForm(),
            "policy_form": _policy_form(),
        },
    )


def _quota_initial(cohort: Cohort) -> dict[str, Any]:
    return {"pods": cohort.quota_pods, "cpu": cohort.quota_cpu, "memory": cohort.quota_memory}


def _export_name(cohort: Cohort, extension: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return f"gradebook-class-{cohort.pk}-{stamp}.{extension}"


@require_safe
@instructor_required
def gradebook_csv_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    response = HttpResponse(
        gradebook_csv(gradebook_for(cohort=cohort)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(cohort, "csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@instructor_required
def gradebook_json_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    response = JsonResponse(gradebook_json(gradebook_for(cohort=cohort)))
    response["Content-Disposition"] = f'attachment; filename="{_export_name(cohort, "json")}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@instructor_required
def code_rotate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = ExpiryForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose when the new code expires."))
    else:
        try:
            services.join_code_rotate(cohort=cohort, expires_at=form.expires_at())
        except services.ClassError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                gettext("New join code: {code}. The old one no longer works.").format(
                    code=cohort.join_code_display
                ),
            )
    return redirect(cohort)


@require_POST
@instructor_required
def code_expiry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = ExpiryForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose when the code expires."))
    else:
        services.join_code_set_expiry(cohort=cohort, expires_at=form.expires_at())
        messages.success(request, gettext("Expiry of the join code saved."))
    return redirect(cohort)


@require_POST
@instructor_required
def cohort_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = services.cohort_end(cohort=_cohort(request, pk))
    messages.success(
        request,
        gettext(
            "The class has ended: nobody can join it any more; the gradebook stays. "
            "Clean up the students' namespaces below when you are done."
        )
        if classroom_mode()
        else gettext("The class has ended: nobody can join it any more; the gradebook stays."),
    )
    return redirect(cohort)


@require_POST
@instructor_required
def cohort_reopen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = services.cohort_reopen(cohort=_cohort(request, pk))
    messages.success(request, gettext("The class is open again."))
    return redirect(cohort)


@require_POST
@instructor_required
def cohort_quota(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = QuotaForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[f].label}: {' '.join(str(m) for m in e)}" for f, e in form.errors.items()
        )
        messages.error(request, gettext("Quota not saved. {problems}").format(problems=problems))
    else:
        services.cohort_quota_set(
            cohort=cohort,
            pods=form.cleaned_data["pods"],
            cpu=form.cleaned_data["cpu"],
            memory=form.cleaned_data["memory"],
        )
        messages.success(
            request, gettext("Quota saved: it applies the next time namespaces are provisioned.")
        )
    return redirect(cohort)


@require_POST
@instructor_required
def cohort_lab_solutions(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Let the class's students reveal lab solutions in hints, or not (``solutions``: on/off)."""
    cohort = _cohort(request, pk)
    choice = request.POST.get("solutions")
    if choice not in ("on", "off"):
        messages.error(request, gettext("Choose whether students may reveal lab solutions."))
        return redirect(cohort)
    services.cohort_lab_solutions_set(cohort=cohort, hidden=choice == "off")
    messages.success(
        request,
        gettext("Students of this class can no longer reveal lab solutions; the other hints stay.")
        if choice == "off"
        else gettext(
            "Students of this class may reveal lab solutions again (each reveal is recorded)."
        ),
    )
    return redirect(f"{cohort.get_absolute_url()}#lab-solutions")


def _namespace_action(
    request: AuthenticatedHttpRequest, pk: int, *, action: Callable[..., NamespaceRun]
) -> HttpResponse:
    cohort = _cohort(request, pk)
    if not classroom_mode():
        messages.error(
            request, gettext("The tutor is not in classroom mode (TUTOR_MODE=classroom).")
        )
        return redirect(cohort)
    run = action(cohort=cohort, by=request.user)
    messages.info(
        request,
        ngettext(
            "{action}: started for {count} student. A worker does it; the progress shows below.",
            "{action}: started for {count} students. A worker does it; the progress shows below.",
            run.total,
        ).format(action=run.get_action_display(), count=run.total),
    )
    return redirect(f"{cohort.get_absolute_url()}#namespaces")


@require_POST
@instructor_required
def namespaces_provision(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _namespace_action(request, pk, action=services.cohort_namespaces_provision)


@require_POST
@instructor_required
def namespaces_cleanup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _namespace_action(request, pk, action=services.cohort_namespaces_cleanup)


@require_safe
@instructor_required
def namespace_runs(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The progress of the class's namespace runs (polled by the page while one runs)."""
    cohort = _cohort(request, pk)
    runs = workspace_services.namespace_runs(scope=services.cohort_scope(cohort))
    response = render(
        request,
        "classes/instructor/cohort.html#namespace-runs",
        {"cohort": cohort, "namespace_runs": runs},
    )
    if request.htmx and all(run.is_finished for run in runs):
        return HttpResponseStopPolling(response.content)
    return response


@require_safe
@instructor_required
def student_detail(request: AuthenticatedHttpRequest, pk: int, user_id: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    membership = selectors.member_get(cohort=cohort, user_id=user_id)
    student = membership.user
    return render(
        request,
        "classes/instructor/student.html",
        {
            "cohort": cohort,
            "membership": membership,
            "student": student,
            "quiz_attempts": selectors.student_quiz_attempts(user=student),
            "exercise_attempts": selectors.student_exercise_attempts(user=student),
            "lab_submissions": selectors.student_lab_submissions(user=student),
            "hint_steps": selectors.student_hint_steps(user=student),
        },
    )


@require_safe
@instructor_required
def student_terminal(request: AuthenticatedHttpRequest, pk: int, user_id: int) -> HttpResponse:
    """Watch a student's browser terminal, read-only; the student sees that they are watched.

    The class check is made here; the WebSocket gets a ticket signed for this
    instructor and this student, valid for two minutes.
    """
    cohort = _cohort(request, pk)
    membership = selectors.member_get(cohort=cohort, user_id=user_id)
    student = membership.user
    ticket = watch_ticket(watcher=request.user, student=student)
    response = render(
        request,
        "classes/instructor/terminal.html",
        {
            "cohort": cohort,
            "student": student,
            **watch_context(
                url=f"/ws/terminal/watch/{ticket}/", student_name=student.get_username()
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _shown_results(submission: LabSubmission) -> list[dict[str, Any]]:
    """Each stored check result with its evidence as readable YAML."""
    shown = []
    for result in submission.results:
        if not isinstance(result, dict):
            continue
        raw = result.get("evidence")
        evidence: dict[str, Any] = raw if isinstance(raw, dict) else {}
        details = {
            k: v for k, v in evidence.items() if k not in ("objects", "events", "targets", "reads")
        }
        shown.append(
            {
                "result": result,
                "objects_yaml": yaml.safe_dump_all(evidence.get("objects") or [], sort_keys=False)
                if evidence.get("objects")
                else "",
                "events": evidence.get("events") or [],
                "details": json.dumps(details, indent=2, sort_keys=True, default=str)
                if details
                else "",
            }
        )
    return shown


@require_safe
@instructor_required
def submission_detail(
    request: AuthenticatedHttpRequest, pk: int, submission_id: int
) -> HttpResponse:
    cohort = _cohort(request, pk)
    submission = selectors.submission_get_for_cohort(cohort=cohort, pk=submission_id)
    preview, problem = None, ""
    try:
        preview = services.submission_regrade_preview(submission=submission)
    except services.ClassError as exc:
        problem = str(exc)
    return render(
        request,
        "classes/instructor/submission.html",
        {
            "cohort": cohort,
            "submission": submission,
            "student": submission.user,
            "results": _shown_results(submission),
            "preview": preview,
            "regrade_problem": problem,
            "regrades": selectors.submission_regrades(submission=submission),
        },
    )


@require_POST
@instructor_required
def submission_regrade(
    request: AuthenticatedHttpRequest, pk: int, submission_id: int
) -> HttpResponse:
    cohort = _cohort(request, pk)
    submission = selectors.submission_get_for_cohort(cohort=cohort, pk=submission_id)
    try:
        record = services.submission_regrade(submission=submission, by=request.user, cohort=cohort)
    except services.ClassError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext(
                "Regraded from the stored evidence: {old_score}/{old_max} → {new_score}/{new_max}. "
                "The old result is kept below."
            ).format(
                old_score=record.old_score,
                old_max=record.old_max_score,
                new_score=record.new_score,
                new_max=record.new_max_score,
            ),
        )
    return redirect("classes_instructor:submission", pk=cohort.pk, submission_id=submission.pk)


@require_POST
@instructor_required
def instructor_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = InstructorForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give the username of an instructor."))
        return redirect(cohort)
    try:
        added = services.cohort_instructor_add(
            cohort=cohort, username=form.cleaned_data["username"]
        )
    except services.ClassError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext("{username} teaches this class too.").format(username=added.get_username()),
        )
    return redirect(cohort)


@require_POST
@instructor_required
def member_remove(request: AuthenticatedHttpRequest, pk: int, user_id: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    membership = selectors.member_get(cohort=cohort, user_id=user_id)
    services.cohort_member_remove(cohort=cohort, membership=membership)
    messages.success(
        request,
        gettext("{username} is no longer in this class; their work stays theirs.").format(
            username=membership.user.get_username()
        ),
    )
    return redirect(cohort)


@require_POST
@instructor_required
def lab_regrade(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = LabRegradeForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose a lab to regrade."))
        return redirect(cohort)
    lab = form.cleaned_data["lab"]
    run = services.cohort_lab_regrade(cohort=cohort, lab_id=lab.pk, by=request.user)
    for problem in run.problems:
        messages.error(request, problem)
    messages.success(
        request,
        ngettext(
            "{lab}: {checked} checked submission in this class, {changed} regraded from "
            "their evidence (the others would not change).",
            "{lab}: {checked} checked submissions in this class, {changed} regraded from "
            "their evidence (the others would not change).",
            run.checked,
        ).format(lab=lab.title, checked=run.checked, changed=run.changed),
    )
    return redirect(cohort)


@require_POST
@instructor_required
def invitation_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A co-teacher invitation: its link is shown on this one page, once."""
    cohort = _cohort(request, pk)
    try:
        invitation, token = services.invitation_create(cohort=cohort, by=request.user)
    except services.ClassError as exc:
        messages.error(request, str(exc))
        return redirect(cohort)
    link = request.build_absolute_uri(reverse("classes:invitation", kwargs={"token": token}))
    response = render(
        request,
        "classes/instructor/invitation.html",
        {"cohort": cohort, "invitation": invitation, "link": link},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@instructor_required
def invitation_revoke(
    request: AuthenticatedHttpRequest, pk: int, invitation_id: int
) -> HttpResponse:
    cohort = _cohort(request, pk)
    try:
        services.invitation_revoke(cohort=cohort, invitation_id=invitation_id)
    except services.ClassError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The invitation no longer works."))
    return redirect(f"{cohort.get_absolute_url()}#invitations")


def _policy_form(data: Any = None, **kwargs: Any) -> PolicyForm:
    items = [(f"{kind}:{uuid}", title) for kind, uuid, title in services.policy_items()]
    return PolicyForm(data, items=items, **kwargs)


@require_POST
@instructor_required
def policy_save(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Set (or change) the class's rules for one quiz or lab."""
    cohort = _cohort(request, pk)
    form = _policy_form(request.POST)
    if not form.is_valid():
        problems = "; ".join(
            f"{form.fields[f].label if f in form.fields else ''}: {' '.join(str(m) for m in e)}"
            for f, e in form.errors.items()
        )
        messages.error(request, gettext("Rules not saved. {problems}").format(problems=problems))
        return redirect(f"{cohort.get_absolute_url()}#rules")
    kind, _, item_uuid = form.cleaned_data["item"].partition(":")
    title = dict(form.fields["item"].choices).get(form.cleaned_data["item"], "")  # type: ignore[attr-defined]
    services.policy_set(
        cohort=cohort, kind=kind, item_uuid=item_uuid, title=str(title),
        due_at=form.cleaned_data["due_at"], late=form.cleaned_data["late"],
        penalty_percent=form.cleaned_data["penalty_percent"] or 0,
        max_attempts=form.cleaned_data["max_attempts"],
        feedback_before_due=form.cleaned_data["feedback_before_due"],
        feedback_after_due=form.cleaned_data["feedback_after_due"],
    )  # fmt: skip
    messages.success(request, gettext("Rules saved for {title}.").format(title=title))
    return redirect(f"{cohort.get_absolute_url()}#rules")


@require_POST
@instructor_required
def policy_delete(request: AuthenticatedHttpRequest, pk: int, policy_id: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    try:
        services.policy_delete(cohort=cohort, policy_id=policy_id)
    except services.ClassError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, gettext("Rules removed: that work has no due date or limit any more.")
        )
    return redirect(f"{cohort.get_absolute_url()}#rules")


@require_safe
@instructor_required
def live(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The class right now: the board polls itself (htmx) every few seconds."""
    cohort = _cohort(request, pk)
    board = live_board(cohort=cohort)
    lab = next((lab for lab in board.labs if lab.slug == request.GET.get("lab")), None)
    context = {
        "cohort": cohort,
        "board": board,
        "lab": lab,
        "grid": checks_grid(cohort=cohort, lab=lab) if lab else [],
        "poll_seconds": LIVE_POLL_SECONDS,
    }
    if request.htmx:
        return render(request, "classes/instructor/live.html#live-board", context)
    return render(request, "classes/instructor/live.html", context)


@require_safe
@instructor_required
def student_timeline(request: AuthenticatedHttpRequest, pk: int, user_id: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    membership = selectors.member_get(cohort=cohort, user_id=user_id)
    return render(
        request,
        "classes/instructor/timeline.html",
        {
            "cohort": cohort,
            "student": membership.user,
            "entries": timeline_for(cohort=cohort, user=membership.user),
        },
    )


@require_POST
@instructor_required
def exam_schedule(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = ExamScheduleForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(" ".join(str(m) for m in e) for e in form.errors.values())
        messages.error(request, gettext("Exam not scheduled: {problems}").format(problems=problems))
        return redirect(f"{cohort.get_absolute_url()}#exams")
    data = form.cleaned_data
    try:
        services.exam_schedule_set(
            cohort=cohort, exam=data["exam"], opens_at=data["opens_at"],
            closes_at=data["closes_at"], duration_minutes=data["duration_minutes"],
            max_attempts=data["max_attempts"], show_solutions=data["show_solutions"],
        )  # fmt: skip
    except services.ClassError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext("{exam} is scheduled for this class.").format(exam=data["exam"].title),
        )
    return redirect(f"{cohort.get_absolute_url()}#exams")


@require_POST
@instructor_required
def exam_unschedule(request: AuthenticatedHttpRequest, pk: int, schedule_id: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    try:
        services.exam_schedule_delete(cohort=cohort, schedule_id=schedule_id)
    except services.ClassError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The exam is no longer scheduled (attempts stay)."))
    return redirect(f"{cohort.get_absolute_url()}#exams")


@require_POST
@instructor_required
def exam_extension(request: AuthenticatedHttpRequest, pk: int, schedule_id: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give the extra minutes, from 0 to 480."))
        return redirect(f"{cohort.get_absolute_url()}#exams")
    try:
        services.exam_extension_set(
            cohort=cohort, schedule_id=schedule_id, user_id=form.cleaned_data["user"],
            extra_minutes=form.cleaned_data["extra_minutes"],
        )  # fmt: skip
    except services.ClassError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, gettext("Extension saved; an attempt in progress got the time at once.")
        )
    return redirect(f"{cohort.get_absolute_url()}#exams")


@require_safe
@instructor_required
def exam_attempt_detail(
    request: AuthenticatedHttpRequest, pk: int, attempt_id: int
) -> HttpResponse:
    cohort = _cohort(request, pk)
    attempt = selectors.exam_attempt_get_for_cohort(cohort=cohort, pk=attempt_id)
    return render(
        request,
        "classes/instructor/exam_attempt.html",
        {"cohort": cohort, "attempt": attempt, "exam": attempt.exam,
         "review": [{"task": t, "result": attempt.results.get(t["id"], {})} for t in attempt.exam.tasks]},
    )  # fmt: skip
