"""WebSocket routes of the browser terminal (tutor/asgi.py mounts them)."""

from django.urls import path, re_path

from workspaces.terminal.consumer import TerminalConsumer

websocket_urlpatterns = [
    path("ws/terminal/", TerminalConsumer.as_asgi()),
    re_path(
        r"^ws/terminal/watch/(?P<ticket>[A-Za-z0-9_:.\-]{10,400})/$", TerminalConsumer.as_asgi()
    ),
]
