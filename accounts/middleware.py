"""Dates and times in the viewer's own time zone (their preference), else the site's."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import Preferences

# The preference, kept in the shared cache (no query per page); saving it updates it.
CACHE_SECONDS = 24 * 3600


def _key(user_id: int) -> str:
    return f"accounts:time-zone:{user_id}"


def remember(user_id: int, name: str) -> None:
    caches["shared"].set(_key(user_id), name, CACHE_SECONDS)


def load(user_id: int) -> str:
    """Read the preference into the cache (at login, so that pages need no query for it)."""
    name = (
        Preferences.objects.filter(user_id=user_id).values_list("time_zone", flat=True).first()
        or ""
    )
    remember(user_id, name)
    return name


def time_zone_of(user_id: int) -> str:
    found = caches["shared"].get(_key(user_id))
    return found if isinstance(found, str) else load(user_id)


def on_login(sender: object, user: object, **kwargs: object) -> None:
    load(int(getattr(user, "pk", 0) or 0))


class TimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = time_zone_of(request.user.pk) if request.user.is_authenticated else ""
        try:
            if name:
                timezone.activate(zoneinfo.ZoneInfo(name))
            else:
                timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)
