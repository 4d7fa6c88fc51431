"""A Channels layer for one machine without a server: in memory, plus Unix sockets.

Without Redis, ``make run`` still serves with several web processes, and a
terminal session lives in the process that started it: a page reloaded into
another process must reach it. Channel names made by ``new_channel`` carry
their process's token (``specific.p1234ab!xyz``); a message for another
process's channel is written to that process's socket
(``<directory>/<token>.sock``, in a folder only this user may open), which
puts it on its in-memory queue. Only the point-to-point part of the layer API
crosses processes: groups stay per process (the terminal does not use them).
With Redis (``REDIS_URL``) the settings choose channels-redis instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import string
from pathlib import Path
from typing import Any

import msgpack
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

_FRAME = 4  # bytes of length before each message
MAX_MESSAGE_BYTES = 4 * 1024 * 1024


class ChannelGone(ChannelFull):
    """The process that held the channel has stopped: the message cannot be delivered."""


class HostChannelLayer(InMemoryChannelLayer):
    def __init__(self, directory: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.directory = Path(directory)
        alphabet = string.ascii_lowercase + string.digits
        self.token = f"p{os.getpid()}" + "".join(secrets.choice(alphabet) for _ in range(6))
        self._server: asyncio.AbstractServer | None = None
        self._server_loop: asyncio.AbstractEventLoop | None = None
        self._writers: dict[str, asyncio.StreamWriter] = {}
        self._lock: asyncio.Lock | None = None

    @property
    def socket_path(self) -> Path:
        return self.directory / f"{self.token}.sock"

    async def new_channel(self, prefix: str = "specific.") -> str:
        await self._serve()
        rest = "".join(secrets.choice(string.ascii_letters) for _ in range(12))
        return f"{prefix}{self.token}!{rest}"

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        owner = _token_of(channel)
        if owner is None or owner == self.token:
            await super().send(channel, message)
            return
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        data = msgpack.packb([channel, message], use_bin_type=True)
        if len(data) > MAX_MESSAGE_BYTES:
            raise ValueError(f"message of {len(data)} bytes is too large for the host layer")
        frame = len(data).to_bytes(_FRAME, "big") + data
        for attempt in (1, 2):
            writer = await self._writer(owner)
            try:
                writer.write(frame)
                await writer.drain()
                return
            except (ConnectionError, OSError):
                # The cached connection went stale (the other process restarted its
                # server): one fresh try, then the channel is gone.
                self._writers.pop(owner, None)
                if attempt == 2:
                    raise ChannelGone(channel) from None

    async def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
            with contextlib.suppress(OSError):
                self.socket_path.unlink()

    # --- the socket side ----------------------------------------------------------------

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        if self._server is not None and self._server_loop is loop:
            return
        if self._server is not None:  # a server of a loop that has ended (tests)
            self._server.close()
            self._writers.clear()
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        self._server = await asyncio.start_unix_server(self._on_connection, str(self.socket_path))
        os.chmod(self.socket_path, 0o600)
        self._server_loop = loop
        self._lock = asyncio.Lock()

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                size = int.from_bytes(await reader.readexactly(_FRAME), "big")
                if size > MAX_MESSAGE_BYTES:
                    break
                channel, message = msgpack.unpackb(
                    await reader.readexactly(size), raw=False, strict_map_key=False
                )
                # A message for a channel nobody here reads any more expires as
                # in memory; a full queue drops it, as Redis would refuse it.
                with contextlib.suppress(ChannelFull):
                    await super().send(channel, message)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()

    async def _writer(self, token: str) -> asyncio.StreamWriter:
        await self._serve()
        assert self._lock is not None
        async with self._lock:
            writer = self._writers.get(token)
            if writer is not None and not writer.is_closing():
                return writer
            path = self.directory / f"{token}.sock"
            try:
                _, writer = await asyncio.open_unix_connection(str(path))
            except (FileNotFoundError, ConnectionRefusedError):
                raise ChannelGone(token) from None
            self._writers[token] = writer
            return writer


def _token_of(channel: str) -> str | None:
    if "!" not in channel:
        return None
    head = channel.split("!", 1)[0]
    token = head.rsplit(".", 1)[-1]
    return token if token.startswith("p") else None
