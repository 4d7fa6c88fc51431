"""The host channel layer: messages between web processes of one machine, no server.

A second process (a real one, as a second uvicorn worker would be) owns a
channel; this process sends to it and gets the answer back on its own.
"""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync

from workspaces.terminal.layer import ChannelGone, HostChannelLayer

ECHO = textwrap.dedent(
    """
    import asyncio, sys
    from workspaces.terminal.layer import HostChannelLayer

    async def main():
        layer = HostChannelLayer(sys.argv[1])
        channel = await layer.new_channel()
        print(channel, flush=True)
        message = await layer.receive(channel)
        await layer.send(message["reply_to"], {"type": "echo", "data": message["data"] * 2})
        await asyncio.sleep(0.5)
        await layer.close()

    asyncio.run(main())
    """
)


def test_a_message_reaches_a_channel_of_another_process_and_back(tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    other = subprocess.Popen(
        [sys.executable, "-c", ECHO, str(tmp_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        theirs = other.stdout.readline().strip()  # type: ignore[union-attr]

        async def body():
            layer = HostChannelLayer(str(tmp_path))
            mine = await layer.new_channel()
            assert mine.split("!")[0] != theirs.split("!")[0]
            await layer.send(theirs, {"type": "ping", "data": b"\x00\x01", "reply_to": mine})
            answer = await asyncio.wait_for(layer.receive(mine), timeout=10)
            await layer.close()
            return answer

        assert async_to_sync(body)() == {"type": "echo", "data": b"\x00\x01\x00\x01"}
    finally:
        other.wait(timeout=10)
    # The socket folder and sockets are this user's only.
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_a_channel_of_a_process_that_is_gone_says_so(tmp_path: Path):
    async def body():
        layer = HostChannelLayer(str(tmp_path))
        await layer.new_channel()
        with pytest.raises(ChannelGone):
            await layer.send("terminal.p99999zzzzzz!abc", {"type": "x"})
        # A channel of this process stays in memory, as with the in-memory layer.
        mine = await layer.new_channel()
        await layer.send(mine, {"type": "local"})
        assert (await layer.receive(mine))["type"] == "local"
        await layer.close()

    async_to_sync(body)()
