"""An interactive ``pods/exec`` stream in asyncio: what the browser terminal relays.

The Kubernetes client's own ``stream()`` is synchronous (a thread per shell);
this speaks the API server's channel protocol itself over an asyncio
WebSocket (``v5.channel.k8s.io``, else ``v4``): every binary message starts
with its channel — 0 stdin, 1 stdout, 2 stderr, 3 the final status, 4 a
resize — and the rest is the data. The connection uses the cluster's own
TLS settings and credentials (``Cluster.connection_settings``); nothing of
them reaches the Pod.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import urllib.parse
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from kube import errors
from kube.client import Cluster

STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")


@dataclass(frozen=True)
class ExecEnd:
    """How the command ended: ``Success``, or ``Failure`` with the server's message."""

    status: str
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "Success"


class ExecStream:
    def __init__(self, connection: ClientConnection) -> None:
        self._ws = connection
        self.end: ExecEnd | None = None

    @property
    def protocol(self) -> str | None:
        return self._ws.subprotocol

    async def write(self, data: bytes) -> None:
        await self._ws.send(bytes([STDIN]) + data)

    async def resize(self, cols: int, rows: int) -> None:
        await self._ws.send(bytes([RESIZE]) + json.dumps({"Width": cols, "Height": rows}).encode())

    async def output(self) -> AsyncIterator[bytes]:
        """What the command prints (stdout and stderr), until it ends or the stream closes."""
        try:
            async for message in self._ws:
                if isinstance(message, str):
                    message = message.encode()
                if not message:
                    continue
                channel, data = message[0], message[1:]
                if channel in (STDOUT, STDERR) and data:
                    yield data
                elif channel == ERROR:
                    self.end = _status(data)
        except websockets.ConnectionClosed:
            pass
        if self.end is None:
            self.end = ExecEnd("Failure", "the connection to the cluster closed")

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._ws.close(), timeout=3)


async def open_exec(
    cluster: Cluster,
    *,
    namespace: str,
    pod: str,
    container: str,
    command: Sequence[str],
    tty: bool = True,
    open_timeout: float = 15,
) -> ExecStream:
    """Start ``command`` in the container, with stdin (and a TTY), and return its stream."""
    base, context, headers = cluster.connection_settings()
    query = [("container", container), ("stdin", "true"), ("stdout", "true")]
    query += [("stderr", "false" if tty else "true"), ("tty", "true" if tty else "false")]
    query += [("command", part) for part in command]
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/exec?" + urllib.parse.urlencode(query)
    url = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1) + path
    try:
        connection = await websockets.connect(
            url,
            ssl=context if url.startswith("wss://") else None,
            additional_headers=headers,
            subprotocols=[websockets.Subprotocol(p) for p in PROTOCOLS],
            open_timeout=open_timeout,
            proxy=None,
            compression=None,
            max_size=None,
            user_agent_header="lfs158-tutor",
        )
    except websockets.InvalidStatus as exc:
        status = exc.response.status_code
        body = exc.response.body.decode(errors="replace") if exc.response.body else ""
        message = body
        with contextlib.suppress(ValueError, AttributeError):
            message = json.loads(body).get("message", body)
        if status == 403:
            raise errors.Forbidden(str(message)[:500]) from exc
        if status == 404:
            raise errors.NotFound(str(message)[:500] or f"pod {namespace}/{pod} not found") from exc
        raise errors.KubeError(
            f"exec into {namespace}/{pod} refused ({status}): {message}"[:500]
        ) from exc
    except (OSError, TimeoutError, websockets.InvalidHandshake, ssl.SSLError) as exc:
        raise errors.ClusterUnreachable(f"{base}: exec into {namespace}/{pod}: {exc}") from exc
    return ExecStream(connection)


def _status(data: bytes) -> ExecEnd:
    try:
        status: dict[str, Any] = json.loads(data)
    except ValueError:
        return ExecEnd("Failure", data.decode(errors="replace")[:500])
    return ExecEnd(str(status.get("status", "Failure")), str(status.get("message", ""))[:500])
