"""Counting requests per client in the cache every web process shares.

Used where anyone may make the server work (the as-you-type manifest check).
A fixed window per client: at most ``limit`` requests in each ``window``
seconds. The counter lives in ``caches["shared"]`` (Redis in a deployment),
so several gunicorn workers and replicas enforce one limit together; an
atomic ``incr`` means concurrent requests never both slip under it.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext

from accounts.login_throttle import client_ip


@dataclass(frozen=True)
class RateVerdict:
    allowed: bool
    retry_after: int  # seconds until the next window, when refused


def rate_limit_take(*, scope: str, client: str, limit: int, window: int = 60) -> RateVerdict:
    """Count one request of ``client``; refused once it made ``limit`` in this window.

    A limit of 0 or less turns the limit off.
    """
    if limit <= 0:
        return RateVerdict(True, 0)
    now = time.time()
    bucket = int(now // window)
    # Addresses are personal data: the cache holds a digest of them, not the address.
    digest = hashlib.sha256(client.encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{bucket}"
    cache = caches["shared"]
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    if count > limit:
        return RateVerdict(False, max(1, int((bucket + 1) * window - now) + 1))
    return RateVerdict(True, 0)


def client_key(request: HttpRequest) -> str:
    """Who is asking: the account once signed in, else the client's address.

    Signed-in students are not counted against their address, so a class
    behind one NAT address shares nothing but the visitors' limit.
    """
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"address:{client_ip(request)}"


def manifest_check_take(request: HttpRequest) -> RateVerdict:
    """One as-you-type manifest check (exercises and quiz answers share the count)."""
    limit = (
        settings.TUTOR_VALIDATE_PER_MINUTE_USER
        if request.user.is_authenticated
        else settings.TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS
    )
    return rate_limit_take(scope="manifest-check", client=client_key(request), limit=limit)


def too_many_checks(verdict: RateVerdict) -> JsonResponse:
    """429 with Retry-After and a message the editor shows as it is."""
    response = JsonResponse(
        {
            "error": "too-many-checks",
            "message": gettext(
                "Checking paused: this browser asked for many checks in a short time. "
                "Your manifest is checked again in {seconds} s."
            ).format(seconds=verdict.retry_after),
            "retry_after": verdict.retry_after,
        },
        status=429,
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


# The as-you-type checks: the exercises' (anyone) and the quiz manifest answers'.
_MANIFEST_CHECKS = re.compile(
    r"^/(?:chapters/[^/]+/exercises/[^/]+|quizzes/questions/[0-9]+)/validate$"
)


class ManifestCheckLimitMiddleware:
    """Counts the as-you-type manifest checks per client; past the limit, a cheap 429.

    A middleware, not the view, so that a refused request costs next to
    nothing: Django's CSRF check (process_view, which runs after every
    middleware's __call__) would otherwise parse its body, up to 1 MiB of
    form data, before the view could refuse it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and _MANIFEST_CHECKS.match(request.path_info):
            verdict = manifest_check_take(request)
            if not verdict.allowed:
                return too_many_checks(verdict)
        return self.get_response(request)
