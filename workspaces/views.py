"""Workspace pages: a classroom student's kubeconfig, and preparing their namespace."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.http import AuthenticatedHttpRequest
from workspaces import classroom, services, tutor_cluster
from workspaces.terminal.page import terminal_context


@require_safe
@login_required
def kubeconfig_download(request: AuthenticatedHttpRequest, namespace: str) -> HttpResponse:
    """The owner's kubeconfig as a file; anyone else gets a 404, and nothing is cached.

    A token near its expiry is replaced by a worker (a TokenRequest on the
    cluster is not the web process's business): the page says so and reloads
    until the fresh kubeconfig is there.
    """
    if not tutor_cluster.classroom_mode():
        raise Http404("Not in classroom mode")
    student_namespace = classroom.student_namespace_get_own(user=request.user, namespace=namespace)
    if classroom.student_kubeconfig_needs_refresh(student_namespace=student_namespace):
        services.kubeconfig_refresh(student_namespace=student_namespace)
        response = render(
            request,
            "workspaces/kubeconfig_unavailable.html",
            {"namespace": namespace},
            status=503,
        )
        response["Retry-After"] = "3"
        response["Cache-Control"] = "no-store"
        return response
    text = classroom.student_kubeconfig_text(student_namespace=student_namespace)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{namespace}.kubeconfig"'
    # A bearer token: no browser or proxy may keep a copy.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def workspace_prepare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask a worker to provision the student's classroom namespace now."""
    if not tutor_cluster.classroom_mode():
        raise Http404("Not in classroom mode")
    services.workspace_prepare(user=request.user)
    messages.info(request, _("Your namespace is being prepared; this takes a few seconds."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    return redirect(back)


@require_safe
@login_required
def terminal_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A terminal of its own, for free practice."""
    return render(request, "workspaces/terminal.html", terminal_context(request))
