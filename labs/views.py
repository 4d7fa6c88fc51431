"""Lab pages: instructions, live checks with their hints, "Check my work", graded results."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from core import policy
from core.http import AuthenticatedHttpRequest
from labs import checklist, hints, selectors
from labs.live import live_seen, live_start
from labs.models import Lab, LabSubmission, LiveCheck
from labs.submissions import SubmissionRefused, lab_submission_create
from lessons.selectors import NextStep
from workspaces import own_cluster, tutor_cluster
from workspaces.resolve import Where, Workspace, workspace_for
from workspaces.selectors import lab_run_latest
from workspaces.terminal.page import terminal_context

# How often an open lab page asks for its live checks (seconds).
LIVE_POLL_SECONDS = 2


def _next_step(request: HttpRequest, lab: Lab, submission: LabSubmission | None) -> NextStep | None:
    """After a check that passed: the next step, named (see lessons.selectors.NextStep)."""
    if submission is None or not (submission.passed and submission.is_finished):
        return None
    return selectors.lab_next_step(lab=lab, user=request.user)


def _workspace_context(workspace: Workspace | None, *, on_tutor_cluster: bool) -> dict[str, object]:
    """What the page says about where the work is checked (no cluster call but the status)."""
    own = workspace.student_cluster if workspace else None
    status = tutor_cluster.cluster_status() if on_tutor_cluster else None
    return {
        "status": status,
        # Nothing can be checked on a tutor cluster that does not answer: the page
        # says so in the student's words and offers no button that cannot work.
        "cluster_down": status is not None and not status.reachable,
        "classroom": tutor_cluster.classroom_mode() and on_tutor_cluster,
        "own_cluster": own,
        "own_clusters_enabled": own_cluster.enabled(),
        "workspace": workspace,
        "namespace": workspace.namespace if workspace and workspace.ready else "",
    }


def _live_blocked(workspace: Workspace | None, context: dict[str, object]) -> str:
    """Why live checks cannot start for this page ("" when they can)."""
    if workspace is None:
        return "login"
    if context["cluster_down"]:
        return "cluster"
    if workspace.where == Where.CLASSROOM and not workspace.ready:
        # Live checks never provision: "Check my work" or "Prepare my namespace" does.
        return "namespace"
    return ""


def _checks_context(
    request: HttpRequest, lab: Lab, live: LiveCheck | None, *, blocked: str
) -> dict[str, Any]:
    signed_in = request.user.is_authenticated
    results = live.results if live is not None else []
    if live is None and signed_in:
        results = selectors.latest_results(user=request.user, lab=lab)
    rows = checklist.check_rows(lab, results, user=request.user, with_ladders=signed_in)
    return {
        "lab": lab,
        "live": live,
        "rows": rows,
        "tally": checklist.tally(rows),
        "live_blocked": blocked,
        "live_poll_seconds": LIVE_POLL_SECONDS,
        "results_are_live": live is not None and bool(live.results),
    }


@require_safe
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lab = selectors.lab_get_published(slug=slug)
    history = selectors.submissions_for(user=request.user, lab=lab)
    latest = history[0] if history else None
    workspace = workspace_for(request.user)
    context = _workspace_context(
        workspace, on_tutor_cluster=not workspace or not workspace.student_cluster
    )
    signed_in_workspace = workspace if request.user.is_authenticated else None
    return render(
        request,
        "labs/lab.html",
        {
            "lab": lab,
            **context,
            **_checks_context(
                request, lab, None, blocked=_live_blocked(signed_in_workspace, context)
            ),
            "submission": latest,
            "submission_rows": _submission_rows(lab, latest),
            "next_step": _next_step(request, lab, latest),
            "history": history,
            "lab_run": lab_run_latest(user=request.user, lab_uuid=lab.uuid),
            **_rules_context(request, lab),
            **terminal_context(request),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def live_checks(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """POST: start (or keep) the live checks. GET: the page polls them (``?v=`` the revision shown)."""
    if request.method != "POST":
        return _live_poll(request, slug)
    lab = selectors.lab_get_published(slug=slug)
    workspace = workspace_for(request.user)
    context = _workspace_context(
        workspace, on_tutor_cluster=not workspace or not workspace.student_cluster
    )
    blocked = _live_blocked(workspace, context)
    live = None
    if workspace is not None and not blocked:
        live = live_start(user=request.user, lab=lab, workspace=workspace)
    if not request.htmx:
        return redirect(lab)
    return _checks_partial(request, lab, live, blocked=blocked)


def _live_poll(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    live = selectors.live_get_own_by_slug(user=request.user, slug=slug)
    if live is None:
        lab = selectors.lab_get_published(slug=slug)
        response = _checks_partial(request, lab, None, blocked="")
        return HttpResponseStopPolling(response.content) if request.htmx else response
    lab = live.lab
    live = live_seen(live=live)
    if live.is_active and request.GET.get("v") == str(live.revision):
        # Nothing new since the page's copy: htmx leaves the page as it is.
        return HttpResponse(status=204)
    response = _checks_partial(request, lab, live, blocked="")
    if request.htmx and not live.is_active:
        return HttpResponseStopPolling(response.content)
    return response


def _checks_partial(
    request: HttpRequest, lab: Lab, live: LiveCheck | None, *, blocked: str
) -> HttpResponse:
    return render(
        request, "labs/_checks.html", _checks_context(request, lab, live, blocked=blocked)
    )


@require_POST
@login_required
def hint_next(request: AuthenticatedHttpRequest, slug: str, check_id: str) -> HttpResponse:
    """Climb one rung of a check's hint ladder (the solution is recorded, and may be refused)."""
    lab = selectors.lab_get_published(slug=slug)
    try:
        rung = int(request.POST.get("rung", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Which hint? The form sends `rung`, a number."))
    refused = ""
    try:
        hints.hint_climb(user=request.user, lab=lab, check_id=check_id, rung=rung)
    except hints.RevealRefused as exc:
        refused = str(exc)
    except hints.HintError as exc:
        return HttpResponseBadRequest(str(exc))
    if not request.htmx:
        if refused:
            messages.error(request, refused)
        return redirect(f"{lab.get_absolute_url()}#check-{check_id}")
    rows = checklist.check_rows(
        lab, selectors.latest_results(user=request.user, lab=lab), user=request.user,
        with_ladders=True,
    )  # fmt: skip
    row = next(r for r in rows if r.id == check_id)
    if row.ladder is None:  # the check passes now: nothing to climb
        return HttpResponse(status=204)
    return render(
        request, "labs/_ladder.html", {"lab": lab, "ladder": row.ladder, "refused_now": refused}
    )


@require_POST
@login_required
def lab_check(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    lab = selectors.lab_get_published(slug=slug)
    workspace = workspace_for(request.user)
    if workspace is None:  # only a visitor has none, and login_required let none through
        messages.error(request, _("Log in to have your work checked."))
        if request.htmx:
            return HttpResponseClientRedirect(lab.get_absolute_url())
        return redirect(lab)
    try:
        submission, _created = lab_submission_create(
            user=request.user, lab=lab, workspace=workspace
        )
    except SubmissionRefused as exc:
        if request.htmx:
            return render(
                request, "labs/lab.html#lab-result", {"lab": lab, "refusal": str(exc)}, status=403
            )
        messages.error(request, str(exc))
        return redirect(lab)
    if request.htmx:
        return _submission_partial(request, lab, submission)
    return redirect(submission)


@require_safe
@login_required
def submission_detail(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    lab = selectors.lab_get_published(slug=slug)
    submission = selectors.submission_get_own(user=request.user, lab=lab, pk=pk)
    if request.htmx:
        response = _submission_partial(request, lab, submission)
        # Polling stops once the run has ended (htmx honours status 286).
        if submission.is_finished:
            return HttpResponseStopPolling(response.content)
        return response
    history = selectors.submissions_for(user=request.user, lab=lab)
    workspace = workspace_for(request.user)
    context = _workspace_context(workspace, on_tutor_cluster=not submission.on_student_cluster)
    context["namespace"] = submission.namespace
    return render(
        request,
        "labs/lab.html",
        {
            "lab": lab,
            **context,
            **_checks_context(request, lab, None, blocked=_live_blocked(workspace, context)),
            "submission": submission,
            "submission_rows": _submission_rows(lab, submission),
            "next_step": _next_step(request, lab, submission),
            "history": history,
            "lab_run": lab_run_latest(user=request.user, lab_uuid=lab.uuid),
            **_rules_context(request, lab),
            **terminal_context(request),
        },
    )


def _submission_rows(lab: Lab, submission: LabSubmission | None) -> list[checklist.CheckRow]:
    return checklist.check_rows(lab, submission.results if submission else [])


def _submission_partial(request: HttpRequest, lab: Lab, submission: LabSubmission) -> HttpResponse:
    return render(
        request,
        "labs/lab.html#lab-result",
        {
            "lab": lab,
            "submission": submission,
            "submission_rows": _submission_rows(lab, submission),
            **_rules_context(request, lab),
            "next_step": _next_step(request, lab, submission),
        },
    )


def _rules_context(request: HttpRequest, lab: Lab) -> dict[str, object]:
    """A class's rules for this lab: what the page says, and how much feedback it shows."""
    rules = policy.rules_for(request.user, "lab", str(lab.uuid))
    return {"rules": rules, "feedback_level": rules.feedback() if rules else "solutions"}
