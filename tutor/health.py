"""Liveness and readiness probes."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tutor.celery import app as celery_app


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process serves requests; nothing else is checked."""
    return JsonResponse({"status": "ok"})


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return f"database: {type(exc).__name__}: {exc}"
    return None


def broker_problem() -> str | None:
    if not settings.REDIS_URL:
        # The filesystem broker is ready when its folders can be written.
        queue = settings.BROKER_DIR / "queue"
        try:
            queue.mkdir(parents=True, exist_ok=True)
            probe = queue / ".readyz"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            return f"broker: cannot write {queue} ({exc.strerror})"
        return None
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises many kinds; all mean "not ready"
        return f"broker: {type(exc).__name__}: {exc}"
    return None


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    problems = [p for p in (database_problem(), broker_problem()) if p]
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})
