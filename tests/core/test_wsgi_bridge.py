"""core/wsgi_bridge.py: Django's WSGI application under an ASGI server, in a thread pool."""

from __future__ import annotations

import threading
from typing import Any

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from core.wsgi_bridge import MAX_REQUEST_BYTES, STREAM_AFTER, WsgiBridge, environ_for


def scope(**extra: Any) -> dict[str, Any]:
    return {
        "type": "http", "method": "POST", "path": "/caf\u00e9/", "query_string": b"a=1&b=2",
        "root_path": "", "http_version": "1.1", "scheme": "https",
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.7", 51000),
        "headers": [(b"host", b"tutor.example.org"), (b"content-type", b"text/plain"),
                    (b"cookie", b"a=1"), (b"cookie", b"b=2"), (b"x-forwarded-for", b"1.2.3.4")],
        **extra,
    }  # fmt: skip


def call(app: WsgiBridge, body_parts: list[bytes], **extra: Any) -> list[dict[str, Any]]:
    async def body() -> list[dict[str, Any]]:
        comm = ApplicationCommunicator(app, scope(**extra))
        for index, part in enumerate(body_parts):
            more = index < len(body_parts) - 1
            await comm.send_input({"type": "http.request", "body": part, "more_body": more})
        messages = []
        while True:
            message = await comm.receive_output(5)
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                await comm.wait(5)  # the application has finished (and closed the body)
                return messages

    return async_to_sync(body)()


def test_the_environ_is_what_a_wsgi_server_gives():
    environ = environ_for(scope(), b"hello")
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["PATH_INFO"] == "/caf\u00e9/".encode().decode("latin1")
    assert environ["QUERY_STRING"] == "a=1&b=2"
    assert environ["wsgi.url_scheme"] == "https"
    assert environ["REMOTE_ADDR"] == "127.0.0.7"  # the peer: proxies are the tutor's call
    assert environ["HTTP_HOST"] == "tutor.example.org"
    assert environ["CONTENT_TYPE"] == "text/plain"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_X_FORWARDED_FOR"] == "1.2.3.4"
    assert environ["wsgi.input"].read() == b"hello"


def test_it_runs_the_application_in_a_pool_thread_and_streams_a_large_body():
    seen: dict[str, Any] = {}
    big = b"x" * (STREAM_AFTER * 3)

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        seen["thread"] = threading.current_thread().name
        seen["body"] = environ["wsgi.input"].read()
        start_response("201 Created", [("Content-Type", "text/plain"), ("X-One", "1")])
        return (big[i : i + 65536] for i in range(0, len(big), 65536))

    messages = call(WsgiBridge(app, threads=2), [b"part-1,", b"part-2"])
    assert seen["thread"].startswith("wsgi") and seen["body"] == b"part-1,part-2"
    start, *bodies = messages
    assert start["status"] == 201
    assert (b"x-one", b"1") in start["headers"]
    assert len(bodies) > 2  # sent on in chunks, not held whole
    assert b"".join(m["body"] for m in bodies) == big


def test_an_oversized_request_is_refused_before_the_application_runs():
    ran = []

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        ran.append(True)
        start_response("200 OK", [])
        return [b""]

    chunk = b"y" * (1024 * 1024)
    messages = call(WsgiBridge(app), [chunk] * (MAX_REQUEST_BYTES // len(chunk) + 1))
    assert messages[0]["status"] == 413 and ran == []


def test_the_iterable_is_closed():
    closed = []

    class Body(list):  # type: ignore[type-arg]
        def close(self) -> None:
            closed.append(True)

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body([b"a", b"b"])

    messages = call(WsgiBridge(app), [b""])
    assert b"".join(m.get("body", b"") for m in messages[1:]) == b"ab"
    assert closed == [True]
