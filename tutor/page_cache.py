"""Anonymous chapter pages, served from the cache before most of the stack runs.

Every anonymous reader without a session sees the same chapter page, and
reading is what most visitors do, so the first such render is kept per
worker process. The middleware sits right after WhiteNoise: a hit skips
sessions, authentication, CSRF and the view. The key carries the course
version from the database, re-read at most every VERSION_SECONDS, so a
``load_content`` in another process shows within that time.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse

from exercises.models import Exercise
from labs.models import Lab
from lessons.models import Chapter
from quizzes.models import Quiz

PAGE_SECONDS = 300
VERSION_SECONDS = 2
# Headers set by middleware that a cache hit skips.
KEPT_HEADERS = ("Content-Type", "X-Frame-Options")
_CHAPTER_PATH = re.compile(r"^/chapters/[a-z0-9]+(?:-[a-z0-9]+)*/$")


def course_version() -> str:
    """Changes whenever anything a chapter page shows changes: part of page cache keys.

    A chapter page lists its quiz, exercises and labs too, so their
    publication (from files or from the instructor's pages) counts.
    """
    parts = []
    for model in (Chapter, Exercise, Lab, Quiz):
        latest = model.objects.aggregate(
            changed=Max("updated_at"), published=Count("id", filter=Q(is_published=True))
        )
        changed = latest["changed"].timestamp() if latest["changed"] else 0
        parts.append(f"{latest['published']}-{changed}")
    return ":".join(parts)


def _course_version() -> str:
    return str(cache.get_or_set("lessons:course-version", course_version, VERSION_SECONDS))


def page_key(request: HttpRequest) -> str | None:
    """The cache key when this request would get the page everyone gets, else None."""
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return None
    if request.COOKIES.keys() & {settings.SESSION_COOKIE_NAME, "messages"}:
        return None
    if not _CHAPTER_PATH.match(request.path):
        return None
    try:
        # The Host is checked as for every other page (a hit never reaches
        # CommonMiddleware): a name not in ALLOWED_HOSTS gets its 400, not a page.
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"lessons:page:{host}:{request.path}:{_course_version()}"


def store(request: HttpRequest, response: HttpResponse) -> None:
    """Keep a freshly rendered page for the next anonymous reader."""
    key = page_key(request)
    if key is None or response.status_code != 200 or response.cookies:
        return
    if getattr(request, "_csp_nonce", None):
        # The page carries this request's CSP nonce: sharing it would share the nonce.
        return
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
    cache.set(key, (response.content, headers), PAGE_SECONDS)


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = page_key(request)
        if key is not None:
            hit = cache.get(key)
            if hit is not None:
                content, headers = hit
                return HttpResponse(content, headers=headers)
        return self.get_response(request)
