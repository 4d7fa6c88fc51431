"""The language switcher: remembers the reader's choice in Django's language cookie.

The switcher sits in the footer of every page, including the chapter pages that the
page cache shares between anonymous readers, so it can carry no CSRF token (a token
there would be one reader's token served to all, and a page that sets the CSRF cookie
is never kept) and cannot post to Django's ``set_language``. Its entries are therefore
plain links (``?language=es&next=<this page>``): choosing a language changes nothing but
how this browser shows the tutor, through the same cookie ``set_language`` sets, and
the answer is never cached.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


@require_safe
@never_cache
def switch_language(request: HttpRequest) -> HttpResponse:
    """Back to the page the reader was on (``next``, if it is ours), in ``language``.

    An unknown language changes nothing: the reader is sent back as they were.
    """
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    language = request.GET.get("language", "")
    if language in LANGUAGE_CODES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
        )
    return response
