"""Classroom mode pages: the student's own kubeconfig."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kube import KubeError
from labs import classroom
from labs.clusters import classroom_mode, connect_local
from tutor.http import AuthenticatedHttpRequest

log = logging.getLogger(__name__)


@require_safe
@login_required
def kubeconfig_download(request: AuthenticatedHttpRequest, namespace: str) -> HttpResponse:
    """The owner's kubeconfig as a file; anyone else gets a 404, and nothing is cached."""
    if not classroom_mode():
        raise Http404("Not in classroom mode")
    student_namespace = classroom.student_namespace_get_own(user=request.user, namespace=namespace)
    if classroom.student_kubeconfig_needs_refresh(student_namespace=student_namespace):
        try:
            cluster = connect_local()
            try:
                classroom.student_kubeconfig_refresh(
                    cluster=cluster, student_namespace=student_namespace, force=True
                )
            finally:
                cluster.close()
        except KubeError as exc:
            log.warning("could not issue a kubeconfig for %s: %s", namespace, exc)
            response = render(
                request,
                "labs/kubeconfig_unavailable.html",
                {"namespace": namespace, "problem": str(exc)},
                status=503,
            )
            response["Cache-Control"] = "no-store"
            return response
    text = classroom.student_kubeconfig_text(student_namespace=student_namespace)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{namespace}.kubeconfig"'
    # A bearer token: no browser or proxy may keep a copy.
    response["Cache-Control"] = "no-store"
    return response
