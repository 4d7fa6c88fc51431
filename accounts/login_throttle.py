"""Login throttling: django-axes, fitted to a classroom.

django-axes records failed logins in the database (shared by every web
process) and refuses a login while the username or the client address has
too many recent failures. Three things are ours:

- A per-address limit separate from (and higher than) the per-username
  limit: a whole class often shares one school NAT address, and one
  student's typos must not lock out everyone else.
- A successful login clears only that username's failures. Axes would also
  clear every failure from the same address, so an attacker with any
  account of their own (sign-up is open) could log in between guesses and
  guess someone else's password forever.
- The client address is ``REMOTE_ADDR`` unless the operator says how many
  reverse proxies stand in front of the tutor; only then is
  ``X-Forwarded-For`` believed, and only the entry the nearest trusted proxy
  wrote. Anyone can send the header; believing it blindly would let a
  client pick a fresh address for every guess.

- A browser someone logged in with before ("known browser": a signed
  cookie naming the last few accounts used in it, OWASP's device cookies)
  is judged by that account's own limit only, even while its address is
  locked: one NAT address for a whole class, or a student next to someone
  guessing, does not lock out the students who logged in there before. A
  guesser holds no such cookie for the accounts they try.

A locked-out visitor sees the login page again with a message saying when
to come back (status 429), never a bare error.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.core.signing import BadSignature
from django.db.models import QuerySet, Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext


def client_ip(request: HttpRequest) -> str:
    """The address failures are counted against (see the module's docstring)."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "TUTOR_TRUSTED_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    hops = [h for h in hops if h]
    # Each trusted proxy appends the address it received the request from, so the
    # client is the N-th entry from the right; anything left of it is the client's say.
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class LoginAttemptBackend(AxesStandaloneBackend):
    """Axes's gate in front of ModelBackend, for logins that come with a request.

    ``authenticate()`` without a request (management commands, the test
    client's ``login()``) is not a login over the web and cannot be
    throttled by address; axes would raise there, so it is left to the next
    backend.
    """

    def authenticate(  # type: ignore[override]
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)  # type: ignore[no-any-return]


class LoginAttemptHandler(AxesDatabaseHandler):
    """The database handler with a separate per-address limit and a per-username reset.

    Relies on ``AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]`` (in that
    order): axes then gives one queryset per parameter, in the same order.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """Failures to compare with ``AXES_FAILURE_LIMIT`` (the per-username limit).

        When the address has reached its own, higher limit, the answer is at
        least the per-username limit, so axes locks out every login from it.
        """
        by_username, by_address = (
            _failure_count(attempts) for attempts in self.get_user_attempts(request, credentials)
        )
        # No address (a Unix socket without a trusted proxy): every visitor would
        # share the one count, and a stranger could lock everybody out.
        address = getattr(request, "axes_ip_address", None)
        if address and by_address >= settings.TUTOR_LOGIN_IP_FAILURE_LIMIT:
            if get_client_username(request, credentials) in known_usernames(request):
                return by_username  # a known browser: its account's own limit only
            return max(by_username, int(settings.AXES_FAILURE_LIMIT))
        return by_username

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        """After a successful login: that username's failures only (see the module's docstring)."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        by_username = self.filter_user_attempts(request, credentials)[0]
        count, _ = by_username.delete()
        return count


def _failure_count(attempts: QuerySet[Any]) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` the visitor asked for, when it stays on this site (as LoginView checks it)."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if allowed else ""


def lockout_message(request: HttpRequest | None) -> str:
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else None
    if minutes:
        wait = ngettext("in %(minutes)d minute", "in %(minutes)d minutes", minutes) % {
            "minutes": minutes
        }
    else:
        wait = gettext("later")
    return gettext(
        "Too many failed logins for this account or from this network. "
        "Logging in is blocked for now: try again %(wait)s, or ask an administrator to unlock it."
    ) % {"wait": wait}


class LockedOutForm(AuthenticationForm):
    """The login form as a locked-out visitor sees it: their username kept, never checked."""

    def clean(self) -> dict[str, Any]:
        raise ValidationError(lockout_message(self.request), code="locked_out")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page (the admin's own for the admin) with the lockout message, status 429."""
    form = LockedOutForm(request, data=request.POST)
    form.is_valid()
    status = 429  # Too Many Requests
    redirect_to = _safe_next(request)
    if request.path.startswith(reverse("admin:index")):
        context = {
            **admin.site.each_context(request),
            "title": "Log in",
            "app_path": request.get_full_path(),
            "form": form,
            "subtitle": None,
            "next": redirect_to or reverse("admin:index"),
            "username": "",
        }
        return render(request, "admin/login.html", context, status=status)
    return render(
        request,
        "registration/login.html",
        {"form": form, "next": redirect_to},
        status=status,
    )


# --- known browsers -----------------------------------------------------------------------

KNOWN_BROWSER_COOKIE = "tutor_known_browser"
_KNOWN_SALT = "accounts.login_throttle.known-browser"
_KNOWN_DAYS = 90
_KNOWN_ACCOUNTS = 5  # a shared lab computer: the last few students who used it


def known_usernames(request: HttpRequest) -> list[str]:
    """The accounts someone logged in with in this browser (signed cookie; empty if none)."""
    try:
        value = request.get_signed_cookie(
            KNOWN_BROWSER_COOKIE, salt=_KNOWN_SALT, max_age=_KNOWN_DAYS * 86400
        )
    except (KeyError, BadSignature):
        return []
    return str(value or "").split("\n")[:_KNOWN_ACCOUNTS]


@receiver(user_logged_in)
def _remember_browser(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        request._known_browser_username = user.get_username()  # type: ignore[attr-defined]


class KnownBrowserMiddleware:
    """Sets the known-browser cookie on the response to a successful login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        username = getattr(request, "_known_browser_username", None)
        if username:
            names = [username, *(n for n in known_usernames(request) if n != username)]
            response.set_signed_cookie(
                KNOWN_BROWSER_COOKIE,
                "\n".join(names[:_KNOWN_ACCOUNTS]),
                salt=_KNOWN_SALT,
                max_age=_KNOWN_DAYS * 86400,
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response
