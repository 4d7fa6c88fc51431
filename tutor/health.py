"""Liveness and readiness probes.

Their answers are terse on purpose: anyone can request them, so a problem is
named ("database", "broker") and its details (paths, host names, driver
messages) go to the log only.
"""

from __future__ import annotations

import logging
import os
import tempfile

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tutor.celery import app as celery_app

log = logging.getLogger(__name__)


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
    except Exception:  # any driver error means "not ready"
        log.exception("readyz: the database does not answer")
        return "database: not answering"
    return None


def broker_problem() -> str | None:
    if not settings.REDIS_URL:
        # The filesystem broker is ready when its folders can be written. Each probe
        # writes a file of its own: concurrent probes never remove each other's.
        queue = settings.BROKER_DIR / "queue"
        try:
            queue.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=".readyz-", dir=queue)
            os.close(handle)
            os.unlink(name)
        except OSError:
            log.exception("readyz: cannot write the broker folder %s", queue)
            return "broker: cannot write its folder"
        return None
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # kombu raises many kinds; all mean "not ready"
        log.exception("readyz: the broker does not answer")
        return "broker: not answering"
    return None


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    problems = [p for p in (database_problem(), broker_problem()) if p]
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})
