"""Lab pages: instructions, "Check my work", live results."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from kube import KubeError
from labs import selectors
from labs.clusters import classroom_mode, cluster_status, lab_namespace
from labs.models import Lab, LabSubmission
from labs.student_clusters import enabled as student_clusters_enabled
from labs.student_clusters import student_cluster_for
from labs.submissions import lab_submission_create
from tutor.http import AuthenticatedHttpRequest

log = logging.getLogger(__name__)


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


def _namespace_or_problem(user: User | AnonymousUser) -> tuple[str, str]:
    """The student's namespace, or why it could not be prepared (classroom mode provisions)."""
    try:
        return lab_namespace(user), ""
    except KubeError as exc:
        log.warning("could not prepare the lab namespace of user %s: %s", user.pk, exc)
        return "", f"Your namespace could not be prepared: {exc}"


@require_safe
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lab = selectors.lab_get_published(slug=slug)
    history = selectors.submissions_for(user=request.user, lab=lab)
    latest = history[0] if history else None
    own_cluster = student_cluster_for(user=request.user)
    if own_cluster is not None:
        # The student's own cluster: neither the tutor's cluster nor a classroom namespace matter.
        namespace, namespace_problem, status = own_cluster.namespace, "", None
    else:
        namespace, namespace_problem = _namespace_or_problem(request.user)
        status = cluster_status()
    return render(
        request,
        "labs/lab.html",
        {
            "lab": lab,
            "status": status,
            "classroom": classroom_mode() and own_cluster is None,
            "own_cluster": own_cluster,
            "own_clusters_enabled": student_clusters_enabled(),
            "namespace": namespace,
            "namespace_problem": namespace_problem,
            "submission": latest,
            "checks": _checks_view(lab, latest),
            "history": history,
        },
    )


@require_POST
@login_required
def lab_check(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    lab = selectors.lab_get_published(slug=slug)
    own_cluster = student_cluster_for(user=request.user)
    if own_cluster is not None:
        namespace = own_cluster.namespace
    else:
        namespace, problem = _namespace_or_problem(request.user)
        if problem:
            messages.error(request, problem)
            if request.htmx:
                return HttpResponseClientRedirect(lab.get_absolute_url())
            return redirect(lab)
    submission, _ = lab_submission_create(
        user=request.user, lab=lab, namespace=namespace, student_cluster=own_cluster
    )
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
    return render(
        request,
        "labs/lab.html",
        {
            "lab": lab,
            "status": None if submission.on_student_cluster else cluster_status(),
            "classroom": classroom_mode() and not submission.on_student_cluster,
            "own_cluster": student_cluster_for(user=request.user),
            "own_clusters_enabled": student_clusters_enabled(),
            "namespace": submission.namespace,
            "submission": submission,
            "checks": _checks_view(lab, submission),
            "history": history,
        },
    )


def _submission_partial(request: HttpRequest, lab: Lab, submission: LabSubmission) -> HttpResponse:
    return render(
        request,
        "labs/lab.html#lab-result",
        {"lab": lab, "submission": submission, "checks": _checks_view(lab, submission)},
    )
