"""The tutor's ASGI application: pages over HTTP, the browser terminal over WebSockets.

Plain HTTP goes to Django's WSGI handler in a pool of threads
(``core.wsgi_bridge``), as it did under gunicorn: under Django's own ASGI
handler every sync view of a process would run one at a time in a single
thread (thread-sensitive ``sync_to_async``), and every page here is a sync view. WebSockets go to
Channels: the Origin is checked against ALLOWED_HOSTS, the session and user
come from the session cookie, and ``workspaces.terminal`` routes them.

``lifespan`` ends the terminal sessions this process holds when it stops,
so that no shell outlives the server.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings")

from django.core.wsgi import get_wsgi_application

wsgi = get_wsgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from core.wsgi_bridge import WsgiBridge  # noqa: E402
from workspaces.terminal.lifespan import lifespan  # noqa: E402
from workspaces.terminal.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": WsgiBridge(wsgi, threads=settings.TUTOR_WEB_THREADS),  # type: ignore[arg-type]
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
        "lifespan": lifespan,
    }
)
