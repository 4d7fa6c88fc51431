"""Health probes answered before the Host header is checked.

The kubelet, Docker's HEALTHCHECK and compose probe the tutor at its own
address (a Pod IP, 127.0.0.1:8000), which ALLOWED_HOSTS rightly does not list
in production, so CommonMiddleware would answer them 400. Probes say nothing
about a site, need no session, and must work whatever name the tutor is
served under, so this middleware sends them straight to their views. It sits
after SecurityMiddleware, whose HTTPS redirect exempts them
(SECURE_REDIRECT_EXEMPT) because probes come over plain HTTP from inside.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tutor import health

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": health.healthz,
    "/readyz": health.readyz,
}


class HealthProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)
