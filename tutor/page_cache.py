"""Chapter pages served from the cache before most of the stack runs.

Reading is what most visitors do, and a chapter page only changes when the
course changes or, for a signed-in student, when their own progress does. So
the first render of a page is kept per worker process and the middleware,
right after WhiteNoise, answers the next request for it without sessions,
authentication, CSRF or the view:

- anonymous readers without a session share one page per course version;
- a signed-in student gets their own page back, keyed by their session (the
  page holds their name and a CSRF token for that session) and by a version of
  their progress that every change to it bumps (``user_changed``, through the
  signals below). A hit still records the visit, at most once per
  ``VISIT_SECONDS`` and without invalidating the page.

The course version comes from the database, re-read at most every
VERSION_SECONDS, so a ``load_content`` in another process shows within that
time. Each student's version lives in the shared cache (Redis, or files on one
machine), so a change made through one web process is seen by all.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
from collections.abc import Callable
from functools import cache as cache_function
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.core.cache import cache, caches
from django.core.exceptions import DisallowedHost
from django.db.models import Count, Max, Model, Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from exercises.models import Exercise, ExerciseAttempt, ExerciseProgress
from labs.models import Lab
from lessons import services as lesson_services
from lessons.models import Chapter, ChapterProgress
from quizzes.models import Quiz, QuizAttempt, Response

log = logging.getLogger(__name__)

PAGE_SECONDS = 300
# A student's page is kept a shorter while: what no signal announces (a group
# change made in the admin's bulk actions, say) shows within this time.
USER_PAGE_SECONDS = 60
VERSION_SECONDS = 2
VISIT_SECONDS = 30
# Headers set by middleware that a cache hit skips.
KEPT_HEADERS = ("Content-Type", "X-Frame-Options")
_CHAPTER_PATH = re.compile(r"^/chapters/(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)/$")
# Below this size compressing costs more than it saves.
GZIP_MIN_BYTES = 1024


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


def _user_version_key(user_id: int) -> str:
    return f"pages:user-version:{user_id}"


def user_changed(user_id: int) -> None:
    """Something a student's pages show has changed: their cached pages are stale.

    When the shared cache cannot be written (Redis down), the change itself must
    still happen: pages are then not kept for anyone (``page_key`` reads the same
    cache and gives up), so nothing stale can be served.
    """
    shared = caches["shared"]
    try:
        if not shared.add(_user_version_key(user_id), 1, None):
            try:
                shared.incr(_user_version_key(user_id))
            except ValueError:  # expired between the add and the incr
                shared.set(_user_version_key(user_id), 1, None)
    except Exception as exc:  # any backend error: Redis refused, a full disk
        log.warning("could not mark the pages of user %s as changed: %s", user_id, exc)


def _language(request: HttpRequest) -> str:
    """What picks the page's language (cookie, then header), so that keys differ by it."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen or request.META.get("HTTP_ACCEPT_LANGUAGE", "")[:100]


def _cacheable(request: HttpRequest) -> re.Match[str] | None:
    if request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
        return None
    if "messages" in request.COOKIES:
        return None
    match = _CHAPTER_PATH.match(request.path)
    if match is None:
        return None
    try:
        # The Host is checked as for every other page (a hit never reaches
        # CommonMiddleware): a name not in ALLOWED_HOSTS gets its 400, not a page.
        request.get_host()
    except DisallowedHost:
        return None
    return match


@cache_function
def _session_store(engine: str) -> Any:
    return import_module(engine).SessionStore


def _signed_in(request: HttpRequest) -> tuple[str, int] | None:
    """(session key, user id) of the request's session, read as SessionMiddleware would."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return None
    data = _session_store(settings.SESSION_ENGINE)(session_key).load()
    user_id = data.get(SESSION_KEY)
    try:
        return session_key, int(user_id)
    except (TypeError, ValueError):
        return None  # a session without a login (or not ours): the full stack answers


def page_key(request: HttpRequest) -> tuple[str, int | None] | None:
    """The cache key for this request's page (and the signed-in user), or None."""
    match = _cacheable(request)
    if match is None:
        return None
    language = hashlib.sha256(_language(request).encode()).hexdigest()[:12]
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        host = request.get_host()  # keyed by host: no page built for one name under another
        return f"lessons:page:{host}:{request.path}:{_course_version()}:{language}", None
    try:
        signed_in = _signed_in(request)
        if signed_in is None:
            return None
        session_key, user_id = signed_in
        version = caches["shared"].get(_user_version_key(user_id), 0)
    except Exception as exc:  # the shared cache is down: the full stack answers, uncached
        log.warning("signed-in page cache skipped: %s", exc)
        return None
    # The session key is a bearer secret: it never appears in a key as it is.
    session = hashlib.sha256(session_key.encode()).hexdigest()[:24]
    key = f"pages:user:{session}:{request.get_host()}:{request.path}:{_course_version()}:{version}:{language}"
    return key, user_id


def store(request: HttpRequest, response: HttpResponse) -> None:
    """Keep a freshly rendered page for the next request that would get the same one."""
    found = page_key(request)
    if found is None or response.status_code != 200 or response.cookies:
        return
    key, user_id = found
    if user_id is not None and getattr(request.user, "pk", None) != user_id:
        return
    nonce = getattr(request, "_csp_nonce", None)
    if nonce and user_id is None:
        # The page carries this request's CSP nonce: sharing it would share the nonce.
        return
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
    content = response.content
    # Compressed once, when kept. No request's input is reflected in a kept page, so
    # compression cannot leak the CSRF token it holds (BREACH needs reflected input).
    compressed = gzip.compress(content, mtime=0) if len(content) >= GZIP_MIN_BYTES else None
    seconds = PAGE_SECONDS if user_id is None else USER_PAGE_SECONDS
    # A student's own page may keep its nonce (styles the terminal drawer injects): it is
    # served again only to the same session, and the page reflects no input into which
    # an attacker could put markup that reuses it.
    cache.set(key, (content, compressed, headers, user_id is not None, nonce or ""), seconds)


def _hit(
    request: HttpRequest, kept: tuple[bytes, bytes | None, dict[str, str], bool, str]
) -> HttpResponse:
    content, compressed, headers, private, nonce = kept
    if nonce:
        # CSPMiddleware (above) then writes the policy with the nonce the page holds.
        request._csp_nonce = nonce  # type: ignore[attr-defined]
    accepts_gzip = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
    response = HttpResponse(compressed if compressed and accepts_gzip else content, headers=headers)
    if compressed and accepts_gzip:
        response["Content-Encoding"] = "gzip"
    # As LocaleMiddleware marks the pages it serves: the language comes from the header too.
    vary = ["Accept-Language", "Accept-Encoding"]
    patch_vary_headers(response, [*vary, "Cookie"] if private else vary)
    if private:
        response["Cache-Control"] = "private"
    return response


class AnonymousPageCacheMiddleware:
    """Serves kept chapter pages (anonymous and signed-in) before the rest of the stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = page_key(request)
        if found is not None:
            key, user_id = found
            kept = cache.get(key)
            if kept is not None:
                if user_id is not None:
                    _record_visit(user_id, request.path)
                return _hit(request, kept)
        return self.get_response(request)


def _record_visit(user_id: int, path: str) -> None:
    """What the view would have written: the visit, at most once per VISIT_SECONDS."""
    if not cache.add(f"pages:visit:{user_id}:{path}", 1, VISIT_SECONDS):
        return
    match = _CHAPTER_PATH.match(path)
    if match is not None:
        lesson_services.chapter_visit_by_slug(user_id=user_id, slug=match["slug"])


# --- what makes a student's pages stale --------------------------------------------------


def _bump_for(instance: Model, **kwargs: Any) -> None:
    user_id = getattr(instance, "user_id", None)
    if user_id is None and isinstance(instance, Response):
        user_id = (
            QuizAttempt.objects.filter(pk=instance.attempt_id)
            .values_list("user_id", flat=True)
            .first()
        )
    if user_id is not None:
        user_changed(user_id)


def _progress_saved(instance: ChapterProgress, update_fields: Any = None, **kwargs: Any) -> None:
    # A visit only moves last_visited_at, which no page shows as it changes.
    if update_fields is not None and set(update_fields) <= {"last_visited_at"}:
        return
    user_changed(instance.user_id)


def _user_saved(instance: User, **kwargs: Any) -> None:
    user_changed(instance.pk)


def _groups_changed(instance: Any, pk_set: Any = None, model: Any = None, **kwargs: Any) -> None:
    if isinstance(instance, User):
        user_changed(instance.pk)
    elif pk_set:
        for user_id in pk_set:
            user_changed(user_id)


def connect_signals() -> None:
    for model in (ExerciseProgress, ExerciseAttempt, QuizAttempt, Response):
        post_save.connect(_bump_for, sender=model, dispatch_uid=f"page-cache-{model.__name__}")
        post_delete.connect(_bump_for, sender=model, dispatch_uid=f"page-cache-d-{model.__name__}")
    post_save.connect(_progress_saved, sender=ChapterProgress, dispatch_uid="page-cache-progress")
    post_delete.connect(_bump_for, sender=ChapterProgress, dispatch_uid="page-cache-d-progress")
    post_save.connect(_user_saved, sender=User, dispatch_uid="page-cache-user")
    m2m_changed.connect(
        _groups_changed, sender=User.groups.through, dispatch_uid="page-cache-groups"
    )
