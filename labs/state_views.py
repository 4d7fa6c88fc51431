"""Starting a lab and resetting it: the request side (a worker does the cluster work).

"Start the lab" creates a troubleshooting lab's broken start state in the
student's workspace; "Reset" (after a confirmation page that lists what will
be deleted) deletes the lab's objects (its footprint, never the terminal's
toolbox or the classroom's own objects) and creates the start state again.
It is the one reset of a lab page (the terminal's side panel links here too).
Both only record a ``LabRun`` and enqueue it; the lab page shows its progress.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseStopPolling

from core.http import AuthenticatedHttpRequest
from labs import selectors
from labs.footprint import describe
from labs.models import Lab
from workspaces import selectors as workspace_selectors
from workspaces import services
from workspaces.resolve import workspace_for


def _back(lab: Lab) -> HttpResponse:
    return redirect(lab.get_absolute_url() + "#lab-state")


def _state_partial(request: HttpRequest, lab: Lab) -> HttpResponse:
    run = workspace_selectors.lab_run_latest(user=request.user, lab_uuid=lab.uuid)
    response = render(request, "labs/_lab_state.html", {"lab": lab, "lab_run": run})
    if run is None or run.is_finished:
        return HttpResponseStopPolling(response.content)
    return response


@require_POST
@login_required
def lab_start(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    lab = selectors.lab_get_published(slug=slug)
    workspace = workspace_for(request.user)
    if workspace is None or not lab.start_state:
        return _back(lab)
    services.lab_start(workspace, lab)
    if request.htmx:
        return _state_partial(request, lab)
    messages.info(
        request, _("The lab is being prepared in your namespace; this takes a few seconds.")
    )
    return _back(lab)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def lab_reset(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """GET: what a reset deletes and creates, and a button to confirm. POST: do it."""
    lab = selectors.lab_get_published(slug=slug)
    workspace = workspace_for(request.user)
    if workspace is None:
        return _back(lab)
    if request.method == "POST":
        if not workspace.ready:
            messages.error(
                request, _("Your namespace is not ready yet: there is nothing to reset.")
            )
            return _back(lab)
        services.workspace_reset(workspace, lab)
        messages.info(
            request,
            _(
                "Resetting the lab: its objects are deleted and the start state is created "
                "again. This takes a few seconds."
            )
            if lab.start_state
            else _("Resetting the lab: its objects are deleted. This takes a few seconds."),
        )
        return redirect(lab)
    return render(
        request,
        "labs/reset_confirm.html",
        {
            "lab": lab,
            "workspace": workspace,
            "namespace": workspace.namespace,
            "deleted": [describe(entry) for entry in lab.footprint],
            "created": lab.start_state_summary,
        },
    )


@require_safe
@login_required
def lab_state(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The start/reset panel of the lab page, polled by htmx while a run is under way."""
    lab = selectors.lab_get_published(slug=slug)
    if not request.htmx:
        return _back(lab)
    return _state_partial(request, lab)
