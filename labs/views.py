"""Lab pages: instructions, "Check my work", live results."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from core.http import AuthenticatedHttpRequest
from labs import selectors
from labs.models import Lab, LabSubmission
from labs.submissions import lab_submission_create
from workspaces import own_cluster, tutor_cluster
from workspaces.resolve import Workspace, workspace_for
from workspaces.selectors import lab_run_latest


def _checks_view(lab: Lab, submission: LabSubmission | None) -> list[dict[str, object]]:
    """Every check of the lab with its state in this submission: pending, passed or failed."""
    results = {r["id"]: r for r in (submission.results if submission else [])}
    rows = []
    for check in lab.checks:
        result = results.get(check["id"])
        state = "pending" if result is None else ("passed" if result["passed"] else "failed")
        rows.append(
            {
                "id": check["id"],
                "title": check.get("title", check["id"]),
                "state": state,
                "result": result,
            }
        )
    return rows


def _workspace_context(workspace: Workspace | None, *, on_tutor_cluster: bool) -> dict[str, object]:
    """What the page says about where the work is checked (no cluster call but the status)."""
    own = workspace.student_cluster if workspace else None
    return {
        "status": tutor_cluster.cluster_status() if on_tutor_cluster else None,
        "classroom": tutor_cluster.classroom_mode() and on_tutor_cluster,
        "own_cluster": own,
        "own_clusters_enabled": own_cluster.enabled(),
        "workspace": workspace,
        "namespace": workspace.namespace if workspace and workspace.ready else "",
    }


@require_safe
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lab = selectors.lab_get_published(slug=slug)
    history = selectors.submissions_for(user=request.user, lab=lab)
    latest = history[0] if history else None
    workspace = workspace_for(request.user)
    return render(
        request,
        "labs/lab.html",
        {
            "lab": lab,
            **_workspace_context(
                workspace, on_tutor_cluster=not workspace or not workspace.student_cluster
            ),
            "submission": latest,
            "checks": _checks_view(lab, latest),
            "history": history,
            "lab_run": lab_run_latest(user=request.user, lab_uuid=lab.uuid),
        },
    )


@require_POST
@login_required
def lab_check(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    lab = selectors.lab_get_published(slug=slug)
    workspace = workspace_for(request.user)
    if workspace is None:  # only a visitor has none, and login_required let none through
        messages.error(request, "Log in to have your work checked.")
        if request.htmx:
            return HttpResponseClientRedirect(lab.get_absolute_url())
        return redirect(lab)
    submission, _ = lab_submission_create(user=request.user, lab=lab, workspace=workspace)
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
            "submission": submission,
            "checks": _checks_view(lab, submission),
            "history": history,
            "lab_run": lab_run_latest(user=request.user, lab_uuid=lab.uuid),
        },
    )


def _submission_partial(request: HttpRequest, lab: Lab, submission: LabSubmission) -> HttpResponse:
    return render(
        request,
        "labs/lab.html#lab-result",
        {"lab": lab, "submission": submission, "checks": _checks_view(lab, submission)},
    )
