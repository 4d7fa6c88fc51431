"""Django's WSGI application served from an ASGI server, in a pool of threads.

Why not Django's ASGI handler: it runs every sync view of a process one at a
time, in one thread (thread-sensitive ``sync_to_async``), and every view of
the tutor is sync. Why not a2wsgi: it hands each response chunk back to the
event loop on its own, and on the chapter page it served a quarter to a half
fewer requests than this bridge (README, "Benchmarks").

One request costs two hand-offs: the request goes to a thread of the pool,
which runs the application and reads the body it returns; the response comes
back to the loop once. Bodies larger than ``STREAM_AFTER`` (a static file, an
export) are sent on in chunks as the thread reads them, so memory stays flat.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Request bodies are read whole, on the event loop, before a thread runs the view:
# a slow client costs a coroutine, never a thread. Nothing the tutor takes is larger
# (the largest is a quiz bank import, 512 KiB; DATA_UPLOAD_MAX_MEMORY_SIZE is 1 MiB),
# and the proxies in deploy/ refuse bodies over 2 MB too.
MAX_REQUEST_BYTES = 2 * 1024 * 1024
STREAM_AFTER = 256 * 1024


class _Response:
    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body: list[bytes] = []
        self.rest: Iterator[bytes] | None = None
        self.close: Callable[[], Any] | None = None

    def start(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.status = int(status.split(" ", 1)[0])
        self.headers = [(k.lower().encode("latin1"), v.encode("latin1")) for k, v in headers]
        return self.body.append  # the legacy write() callable


def environ_for(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ of an ASGI HTTP scope (PEP 3333)."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    path = scope.get("root_path", "") + scope["path"]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", ""),
        "PATH_INFO": path.encode("utf8").decode("latin1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin1").upper().replace("-", "_")
        value = raw_value.decode("latin1")
        if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[name] = value
            continue
        key = f"HTTP_{name}"
        # Repeated headers are joined, as a WSGI server does (cookies with "; ").
        if key in environ:
            value = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + value
        environ[key] = value
    return environ


class WsgiBridge:
    """An ASGI application for ``http`` scopes that runs ``app`` in ``threads`` threads."""

    def __init__(self, app: WSGIApp, *, threads: int = 4) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="wsgi")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"WsgiBridge serves http, not {scope['type']}")
        body = await self._read_body(receive)
        if body is None:
            await _plain(send, 413, b"Request body too large")
            return
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self.pool, self._run, environ_for(scope, body))
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": response.headers,
                }
            )
            more = response.rest is not None
            await send(
                {"type": "http.response.body", "body": b"".join(response.body), "more_body": more}
            )
            while response.rest is not None:
                chunk = await loop.run_in_executor(self.pool, _next_chunk, response.rest)
                if chunk is None:
                    response.rest = None
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                else:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            if response.close is not None:
                await loop.run_in_executor(self.pool, response.close)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_REQUEST_BYTES:
                return None
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    def _run(self, environ: dict[str, Any]) -> _Response:
        """In a pool thread: the application, and its body up to STREAM_AFTER bytes."""
        response = _Response()
        result = self.app(environ, response.start)
        response.close = getattr(result, "close", None)
        iterator = iter(result)
        size = sum(len(b) for b in response.body)
        for chunk in iterator:
            if chunk:
                response.body.append(chunk)
                size += len(chunk)
            if size > STREAM_AFTER:
                response.rest = iterator
                break
        return response


def _next_chunk(iterator: Iterator[bytes]) -> bytes | None:
    for chunk in iterator:
        if chunk:
            return chunk
    return None


async def _plain(send: Send, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": text})
