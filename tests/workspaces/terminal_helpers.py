"""Driving the terminal's WebSocket in tests: Channels' communicator against tutor/asgi.py.

Each test runs as one coroutine (``run``), because a session lives in its
event loop; the database is reached from it as the server reaches it.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

ORIGIN = "http://127.0.0.1:8000"


def run(test: Callable[[], Awaitable[Any]]) -> Any:
    """Run an async test body, then end every session it left (as a stopping server would)."""

    async def body() -> Any:
        from workspaces.terminal import session as sessions

        try:
            return await test()
        finally:
            await sessions.stop_all("the test ended")

    return async_to_sync(body)()


class WebsocketCommunicator(ApplicationCommunicator):
    """A WebSocket client for an ASGI application (channels.testing's needs daphne)."""

    def __init__(self, application: Any, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        path, _, query = path.partition("?")
        self.scope = {
            "type": "websocket", "path": path, "query_string": query.encode(),
            "headers": headers, "subprotocols": [],
        }  # fmt: skip
        super().__init__(application, self.scope)

    async def connect(self, timeout: float = 1) -> tuple[bool, Any]:
        await self.send_input({"type": "websocket.connect"})
        response = await self.next_output(timeout)
        if response["type"] == "websocket.close":
            return False, response.get("code", 1000)
        return True, response.get("subprotocol")

    async def next_output(self, timeout: float) -> dict[str, Any]:
        """The next message to the browser; unlike asgiref's receive_output, a timeout
        leaves the application running."""
        if self.future.done() and self.output_queue.empty():
            self.future.result()  # raises what the application raised
            return {"type": "websocket.close", "code": 1006}
        return await asyncio.wait_for(self.output_queue.get(), timeout)

    async def send_to(self, text_data: str) -> None:
        await self.send_input({"type": "websocket.receive", "text": text_data})

    async def disconnect(self, code: int = 1000, timeout: float = 1) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


class Tab:
    """One browser tab's terminal connection."""

    def __init__(
        self,
        cookie: str | None,
        *,
        path: str = "/ws/terminal/?cols=120&rows=30",
        origin: str | None = ORIGIN,
        client: str = "127.0.0.1",
    ) -> None:
        from tutor.asgi import application

        headers = [(b"host", b"127.0.0.1:8000")]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        if cookie:
            headers.append((b"cookie", f"sessionid={cookie}".encode()))
        self.ws = WebsocketCommunicator(application, path, headers=headers)
        self.ws.scope["client"] = (client, 50000)
        self.ws.scope["server"] = ("127.0.0.1", 8000)
        self.output = ""
        self.events: list[dict[str, Any]] = []
        self.closed: int | None = None

    async def connect(self) -> tuple[bool, Any]:
        return await self.ws.connect(timeout=5)

    async def send(self, **message: Any) -> None:
        await self.ws.send_to(text_data=json.dumps(message))

    async def type(self, text: str) -> None:
        await self.send(type="input", data=text)

    async def pump(self, timeout: float = 0.2) -> None:
        """Read what has arrived (output and events) for up to ``timeout`` seconds."""
        try:
            message = await self.ws.next_output(timeout)
        except TimeoutError:
            return
        if message["type"] == "websocket.close":
            self.closed = message.get("code", 1000)
        elif message.get("bytes") is not None:
            self.output += message["bytes"].decode(errors="replace")
        elif message.get("text") is not None:
            event = json.loads(message["text"])
            self.events.append(event)
            # Attached to a shell that is already running: no "running" event follows.
            if event.get("type") == "attached" and event.get("state") == "running":
                self.events.append({"type": "running"})

    async def wait_event(self, kind: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("type") == kind:
                    self.events.remove(event)
                    return event
            if time.monotonic() > deadline or (self.closed is not None and not self._pending()):
                raise AssertionError(
                    f"no {kind!r} event; got {self.events}, closed={self.closed}, "
                    f"output={self.output[-500:]!r}"
                )
            await self.pump()

    def _pending(self) -> bool:
        return not self.ws.output_queue.empty()

    async def wait_output(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.output, re.S)
            if match:
                return match
            if time.monotonic() > deadline or (self.closed is not None and not self._pending()):
                raise AssertionError(f"no {pattern!r} in {self.output[-2000:]!r} ({self.events})")
            await self.pump()

    async def run_command(self, command: str, timeout: float = 30) -> str:
        """Types a command line; returns what it printed, between two markers."""
        marker = uuid.uuid4().hex[:8]
        await self.type(f"echo {marker}'<'; {command}; echo '>'{marker}\n")
        found = await self.wait_output(rf"{marker}<\r\n(.*?)>{marker}", timeout)
        return found.group(1).replace("\r", "")

    async def wait_closed(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.closed is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still open; events {self.events}")
            await self.pump()
        return self.closed

    async def close(self) -> None:
        if self.closed is None:
            await self.ws.disconnect()
