"""Site-styled error pages, and what error reports may show.

The 500 page is rendered without a request context on purpose: whatever
broke (the database, a context processor) must not break the error page. Its
language is read from the request alone (the language cookie, then
Accept-Language), as LocaleMiddleware reads it.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.utils import translation
from django.utils.regex_helper import _lazy_re_compile
from django.views.debug import SafeExceptionReporterFilter

# scheme://user:password@host — the password part.
_URL_PASSWORD = re.compile(r"(\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@")


class SecretsFilter(SafeExceptionReporterFilter):
    """Django's filter for error reports (DEBUG pages, error e-mails), knowing our names.

    Django hides settings and request.META entries whose names contain KEY,
    SECRET, TOKEN, PASS and the like, which covers SECRET_KEY and
    TUTOR_ENCRYPTION_KEYS. It does not hide DATABASE_URL, REDIS_URL or the
    Celery broker URL, which carry passwords in their user part (and a WSGI
    server such as runserver passes the environment in request.META), so
    those names are added, and any value that is a URL with a password
    loses the password whatever its name.
    """

    hidden_settings = _lazy_re_compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE"
        "|DATABASE_URL|REDIS_URL|BROKER_URL|RESULT_BACKEND|DSN",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key: Any, value: Any) -> Any:
        cleansed = super().cleanse_setting(key, value)
        # Plain strings only: lazy objects (translations, axes' settings) stay as they are.
        if type(cleansed) is str:
            return _URL_PASSWORD.sub(rf"\1{self.cleansed_substitute}@", cleansed)
        return cleansed


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    html = loader.render_to_string("404.html", {"path": request.path}, request)
    return HttpResponseNotFound(html)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: the site's page, saying why when the refusal says it (accounts/permissions.py)."""
    reason = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    html = loader.render_to_string("403.html", {"path": request.path, "reason": reason}, request)
    return HttpResponseForbidden(html)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused by the CSRF check: what happened and what to do, in the reader's words.

    Django's reason (for developers) is left out of the page.
    """
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", {}, request))


# What the visitor gets if even the 500 template cannot be rendered.
_BARE_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Server error</title>'
    "</head><body><h1>Something went wrong on our side</h1><p>Try again in a moment.</p>"
    "</body></html>"
)


def _language_of(request: HttpRequest | None) -> str:
    """The language LocaleMiddleware would pick (cookie, then Accept-Language), else English."""
    if request is None:
        return translation.get_language() or settings.LANGUAGE_CODE
    try:
        return translation.get_language_from_request(request)
    except Exception:  # the error page must not fail over a bad header
        return settings.LANGUAGE_CODE


def server_error(request: HttpRequest | None = None) -> HttpResponse:
    """The 500 page, in the visitor's language, rendered without a request context."""
    language = _language_of(request)
    try:
        with translation.override(language):
            html = loader.get_template("500.html").render({"language": language})
    except Exception:  # whatever broke, the visitor still gets an answer
        html = _BARE_500
    return HttpResponseServerError(html)
