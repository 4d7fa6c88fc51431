"""Serve the tutor (HTTP and WebSockets on one port) with uvicorn: `python -m tutor.serve`.

The one launcher for `make run` (scripts/run.sh), the container image and the
benchmarks, configured from the environment like the settings:

- ``PORT`` (8000) and ``TUTOR_BIND`` (127.0.0.1; the image sets 0.0.0.0);
- ``TUTOR_WEB_WORKERS`` (2) processes, each with ``TUTOR_WEB_THREADS`` (4)
  threads for pages (tutor/asgi.py);
- uvloop and httptools where they are installed (Linux, macOS).

Forwarded headers are not applied by uvicorn: the tutor decides itself whom
to believe (``TUTOR_TRUSTED_PROXY_COUNT``, ``TUTOR_PROXY_SSL_HEADER``), as it
did under gunicorn.
"""

from __future__ import annotations

import importlib.util
import os

import uvicorn


def options() -> dict[str, object]:
    fast = importlib.util.find_spec("uvloop") is not None
    return {
        "host": os.environ.get("TUTOR_BIND", "127.0.0.1"),
        "port": int(os.environ.get("PORT", "8000")),
        "workers": max(1, int(os.environ.get("TUTOR_WEB_WORKERS", "2"))),
        "loop": "uvloop" if fast else "asyncio",
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
        "ws": "websockets",
        "lifespan": "on",
        "proxy_headers": False,
        "server_header": False,
        "access_log": os.environ.get("TUTOR_ACCESS_LOG", "true").lower() in ("1", "true", "yes"),
        "timeout_keep_alive": 5,
        # A stopping server gives open connections (terminals among them) this long.
        "timeout_graceful_shutdown": int(os.environ.get("TUTOR_WEB_GRACEFUL_SECONDS", "3")),
        # WebSocket messages of the terminal are small; a browser sends no more than this.
        "ws_max_size": 1024 * 1024,
        "ws_ping_interval": 20.0,
        "ws_ping_timeout": 20.0,
        # Terminal output is mostly small and incompressible per message: deflate
        # costs CPU on every keystroke's echo for little gain.
        "ws_per_message_deflate": False,
    }


def main() -> None:
    uvicorn.run("tutor.asgi:application", **options())  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
