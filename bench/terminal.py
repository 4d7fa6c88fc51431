"""The browser terminal: keystroke echo, and what 50 idle and 10 busy sessions cost.

1. Echo round trip, both backends, through the tutor as served (uvicorn,
   2 workers, the WebSocket, the session, the backend): one key typed, until
   its echo is back; 200 keys. Goal: p95 <= 50 ms on loopback. The reference
   rows, in the same run, are the same echo without the tutor: a shell in a
   PTY of this process (local), and pods/exec straight to the same toolbox
   (cluster, kube.exec with the admin kubeconfig).
2. Load: 50 sessions open and idle, then 10 more busy (each printing a line
   every 50 ms and typed into five times a second), on this 2-core machine:
   the resident memory and CPU of the tutor's web processes (shells and the
   control plane not counted), and the echo of one more session meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import websockets

from bench.http import REPO, server_pid, tutor

KEYS = 200
GOAL_P95_MS = 50.0
IDLE, BUSY = 50, 10
LOAD_SECONDS = 10


@dataclass
class Echo:
    label: str
    times: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times, n=20)[-1] * 1000


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kubeconfig() -> Path | None:
    result = subprocess.run(
        [sys.executable, str(REPO / "cluster" / "cluster.py"), "up"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        return None
    return Path(result.stdout.strip().splitlines()[-1])


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env={**os.environ, **env},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout


MAKE_USERS = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
keys = {}
for name in NAMES:
    user, _ = User.objects.get_or_create(username=name)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    keys[name] = store.session_key
print(json.dumps(keys))
"""


def _sessions(env: dict[str, str], names: list[str]) -> dict[str, str]:
    code = f"NAMES = {names!r}\n" + MAKE_USERS
    return dict(json.loads(_manage(env, "shell", "-c", code).strip().splitlines()[-1]))


class Client:
    """A browser tab's terminal, over a real WebSocket."""

    def __init__(self, url: str, cookie: str) -> None:
        self.url = url.replace("http://", "ws://") + "/ws/terminal/?cols=300&rows=40"
        self.origin = url
        self.cookie = cookie
        self.output = asyncio.Queue[bytes]()
        self.events: list[dict[str, Any]] = []

    async def open(self, timeout: float = 180) -> None:
        self.ws = await websockets.connect(
            self.url, additional_headers={"Cookie": f"sessionid={self.cookie}"},
            origin=websockets.Origin(self.origin), compression=None, max_size=None,
        )  # fmt: skip
        self.reader = asyncio.create_task(self._read())
        deadline = time.monotonic() + timeout
        while not any(
            e.get("type") == "running" or e.get("state") == "running" for e in self.events
        ):
            if any(e.get("type") in ("unavailable", "ended") for e in self.events):
                raise RuntimeError(f"the terminal did not start: {self.events}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no running terminal after {timeout}s: {self.events}")
            await asyncio.sleep(0.1)
        await self.quiet()

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            async for message in self.ws:
                if isinstance(message, bytes):
                    self.output.put_nowait(message)
                else:
                    self.events.append(json.loads(message))

    async def quiet(self, seconds: float = 0.5) -> None:
        """Wait until the shell has printed nothing for ``seconds``, dropping its output."""
        while True:
            try:
                await asyncio.wait_for(self.output.get(), seconds)
            except TimeoutError:
                return

    async def type(self, text: str) -> None:
        await self.ws.send(json.dumps({"type": "input", "data": text}))

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()


async def _echo(label: str, send, receive, keys: int = KEYS) -> Echo:  # type: ignore[no-untyped-def]
    times = []
    for i in range(keys):
        if i % 50 == 0:
            await send("\x15")  # Ctrl-U: an empty line again
            await asyncio.sleep(0.2)
            await receive(0.2, drain=True)
        key = "abcdefghijklmnopqrstuvwxyz"[i % 26]
        started = time.perf_counter()
        await send(key)
        seen = b""
        while key.encode() not in seen:
            seen += await receive(5.0)
        times.append(time.perf_counter() - started)
    await send("\x15")
    return Echo(label, times)


async def _tutor_echo(label: str, client: Client) -> Echo:
    async def receive(timeout: float, drain: bool = False) -> bytes:
        if drain:
            await client.quiet(timeout)
            return b""
        return await asyncio.wait_for(client.output.get(), timeout)

    return await _echo(label, client.type, receive)


async def _pty_echo() -> Echo:
    """The reference for the local backend: a shell in a PTY of this process."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        ["bash", "--noprofile", "--norc", "-i"], stdin=slave, stdout=slave, stderr=slave,
        start_new_session=True, env={"TERM": "xterm-256color", "PATH": os.environ["PATH"], "PS1": "$ "},
    )  # fmt: skip
    os.close(slave)
    loop = asyncio.get_running_loop()

    async def send(text: str) -> None:
        os.write(master, text.encode())

    async def receive(timeout: float, drain: bool = False) -> bytes:
        got = b""
        while True:
            ready = await loop.run_in_executor(None, select.select, [master], [], [], timeout)
            if not ready[0]:
                if drain or got:
                    return got
                raise TimeoutError
            got += os.read(master, 65536)
            if not drain:
                return got

    await asyncio.sleep(0.5)
    await receive(0.3, drain=True)
    try:
        return await _echo("reference: a shell in a PTY, no tutor", send, receive)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


async def _exec_echo(kubeconfig: Path, namespace: str) -> Echo:
    """The reference for the cluster backend: pods/exec straight to the same toolbox."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings")
    os.environ.setdefault("TUTOR_DATA_DIR", tempfile.mkdtemp(prefix="tutor-bench-exec-"))
    django.setup()
    from kube import Cluster
    from kube.exec import open_exec
    from workspaces.terminal.toolbox import COMMAND, CONTAINER, POD

    cluster = Cluster.from_kubeconfig_file(kubeconfig)
    stream = await open_exec(
        cluster, namespace=namespace, pod=POD, container=CONTAINER, command=COMMAND
    )
    await stream.resize(300, 40)
    queue = asyncio.Queue[bytes]()

    async def pump() -> None:
        async for chunk in stream.output():
            queue.put_nowait(chunk)

    task = asyncio.create_task(pump())

    async def send(text: str) -> None:
        await stream.write(text.encode())

    async def receive(timeout: float, drain: bool = False) -> bytes:
        if drain:
            with contextlib.suppress(TimeoutError):
                while True:
                    await asyncio.wait_for(queue.get(), timeout)
            return b""
        return await asyncio.wait_for(queue.get(), timeout)

    await asyncio.sleep(1.0)
    await receive(0.5, drain=True)
    try:
        return await _echo("reference: pods/exec to the toolbox, no tutor", send, receive)
    finally:
        await stream.write(b"\x03exit\n")
        await asyncio.sleep(0.3)
        await stream.close()
        task.cancel()
        cluster.close()


def _group_usage(pgid: int) -> tuple[float, int]:
    """CPU seconds (user + system) and resident bytes of the processes of a group."""
    ticks = os.sysconf("SC_CLK_TCK")
    page = os.sysconf("SC_PAGE_SIZE")
    cpu, rss = 0.0, 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) != pgid:  # fields[2] is the process group (field 5)
            continue
        cpu += (int(fields[11]) + int(fields[12])) / ticks
        rss += int(fields[21]) * page
    return cpu, rss


async def _load(url: str, port: int, cookies: list[str], probe: str) -> list[str]:
    pgid = server_pid[port]
    idle = [Client(url, c) for c in cookies[:IDLE]]
    busy = [Client(url, c) for c in cookies[IDLE : IDLE + BUSY]]
    _, baseline_rss = _group_usage(pgid)
    lines = [f"  tutor web processes at rest: {baseline_rss / 2**20:.0f} MiB resident"]
    for batch in range(0, len(idle), 10):
        await asyncio.gather(*(c.open() for c in idle[batch : batch + 10]))
    await asyncio.sleep(2)
    cpu0, _ = _group_usage(pgid)
    await asyncio.sleep(LOAD_SECONDS)
    cpu1, rss = _group_usage(pgid)
    lines.append(
        f"  {IDLE} idle sessions: {rss / 2**20:.0f} MiB resident "
        f"(+{(rss - baseline_rss) / IDLE / 1024:.0f} KiB each), "
        f"CPU {(cpu1 - cpu0) / LOAD_SECONDS * 100:.1f}% of one core"
    )
    await asyncio.gather(*(c.open() for c in busy))
    for client in busy:
        await client.type("while :; do date +%s.%N; sleep 0.05; done\n")
    stop = asyncio.Event()

    async def typist(client: Client) -> None:
        while not stop.is_set():
            await client.type("x")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)

    async def drain(client: Client) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(client.output.get(), 0.5)

    workers = [asyncio.create_task(f(c)) for c in busy for f in (typist, drain)]
    await asyncio.sleep(2)
    cpu0, _ = _group_usage(pgid)
    prober = Client(url, probe)
    await prober.open()
    echo = await _tutor_echo("echo meanwhile", prober)
    elapsed = max(LOAD_SECONDS - sum(echo.times), 1.0)
    await asyncio.sleep(elapsed)
    cpu1, rss = _group_usage(pgid)
    window = sum(echo.times) + elapsed
    stop.set()
    for task in workers:
        task.cancel()
    lines.append(
        f"  + {BUSY} busy sessions: {rss / 2**20:.0f} MiB resident, "
        f"CPU {(cpu1 - cpu0) / window * 100:.1f}% of one core; one more session's echo "
        f"meanwhile p50 {echo.p50:.2f} ms, p95 {echo.p95:.2f} ms"
    )
    for client in [*idle, *busy, prober]:
        with contextlib.suppress(Exception):
            await client.type("\x03exit\n")
            await client.close()
    return lines


def _table(rows: list[Echo]) -> str:
    out = [f"  {'what':58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for row in rows:
        out.append(f"  {row.label:58} {row.p50:8.2f} {row.p95:8.2f} {max(row.times) * 1000:8.2f}")
    return "\n".join(out)


def run() -> bool:
    kubeconfig = _kubeconfig()
    names = [f"bench-term-{i}" for i in range(IDLE + BUSY + 2)]
    ok = True
    rows: list[Echo] = []
    load_lines: dict[str, list[str]] = {}
    common = {
        "TUTOR_TERMINAL_CONNECTS_PER_MINUTE": "1000",
        "TUTOR_TERMINAL_IDLE_SECONDS": "3600",
        **({"TUTOR_KUBECONFIG": str(kubeconfig)} if kubeconfig else {}),
    }
    with tempfile.TemporaryDirectory(prefix="tutor-bench-terminal-") as tmp:
        env = {**common, "TUTOR_DATA_DIR": str(Path(tmp) / "local")}
        port = _port()
        with tutor(Path(env["TUTOR_DATA_DIR"]), port, env=env) as url:
            cookies = _sessions(env, names)

            async def local() -> None:
                rows.append(await _pty_echo())
                client = Client(url, cookies[names[-1]])
                await client.open()
                rows.append(await _tutor_echo("local backend, through the tutor", client))
                await client.close()
                load_lines["local"] = await _load(
                    url, port, [cookies[n] for n in names[: IDLE + BUSY]], cookies[names[-2]]
                )

            asyncio.run(local())
        if kubeconfig is not None:
            ok = _cluster(tmp, common, kubeconfig, names, rows, load_lines) and ok
    print()
    print("Browser terminal: keystroke echo round trip, 200 keys, loopback")
    print(_table(rows))
    worst = max(r.p95 for r in rows if not r.label.startswith("reference"))
    verdict = "meets" if worst <= GOAL_P95_MS else "misses"
    print(
        f"goal: p95 <= {GOAL_P95_MS:.0f} ms through the tutor -> worst {worst:.2f} ms ({verdict} the goal)"
    )
    for backend, lines in load_lines.items():
        print(
            f"Browser terminal: {IDLE} idle, then {BUSY} busy sessions, {backend} backend, uvicorn 2 workers"
        )
        print("\n".join(lines))
    if kubeconfig is None:
        print("(cluster backend skipped: the local control plane did not start)")
    return ok and worst <= GOAL_P95_MS * 4


def _cluster(
    tmp: str, common: dict[str, str], kubeconfig: Path, names: list[str],
    rows: list[Echo], load_lines: dict[str, list[str]],
) -> bool:  # fmt: skip
    from cryptography.fernet import Fernet

    env = {
        **common, "TUTOR_DATA_DIR": str(Path(tmp) / "classroom"), "TUTOR_MODE": "classroom",
        "TUTOR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }  # fmt: skip
    port = _port()
    with tutor(Path(env["TUTOR_DATA_DIR"]), port, env=env) as url:
        cookies = _sessions(env, names)
        _manage(env, "provision_namespaces", "--users", *names)
        try:
            code = (
                "from workspaces.models import StudentNamespace as S;"
                f"print(S.objects.get(user__username={names[-1]!r}).namespace)"
            )
            namespace = _manage(env, "shell", "-c", code).strip().splitlines()[-1]

            async def cluster() -> None:
                client = Client(url, cookies[names[-1]])
                await client.open()
                rows.append(
                    await _tutor_echo(
                        "cluster backend (toolbox via kwok), through the tutor", client
                    )
                )
                await client.close()
                rows.append(await _exec_echo(kubeconfig, namespace))
                load_lines["cluster"] = await _load(
                    url, port, [cookies[n] for n in names[: IDLE + BUSY]], cookies[names[-2]]
                )

            asyncio.run(cluster())
        finally:
            _manage(env, "cleanup_namespaces", "--users", *names)
    return True
