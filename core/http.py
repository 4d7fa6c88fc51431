"""Request types for views, so that type checking sees what middleware adds."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request behind ``login_required``: the user is a real account."""

    user: User


def body_too_large() -> JsonResponse:
    """A form body over DATA_UPLOAD_MAX_MEMORY_SIZE, refused before it was read."""
    return JsonResponse(
        {
            "error": "too-large",
            "message": gettext(
                "What you sent is far larger than the 256 KiB limit: it was not read."
            ),
        },
        status=413,
    )
