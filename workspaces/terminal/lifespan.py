"""The ASGI lifespan of a web process: its terminal sessions end with it.

A stopping server (SIGTERM from `make run`'s launcher, a rolling update) tells
each student whose shell it holds, ends the shell (kwok and some runtimes
would leave it running) and records the end.
"""

from __future__ import annotations

from typing import Any

from workspaces.terminal.session import stop_all


async def lifespan(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await stop_all()
            await send({"type": "lifespan.shutdown.complete"})
            return
