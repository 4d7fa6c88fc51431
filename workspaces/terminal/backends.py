"""Where a terminal's shell runs, behind one interface.

- ``ClusterBackend`` (classroom mode): a shell in the student's toolbox Pod,
  through the API server's ``pods/exec`` (``kube.exec``).
- ``LocalBackend`` (local mode: one person, on their own machine): a shell on
  this machine in a pseudo-terminal, with ``KUBECONFIG`` set to the lab
  cluster and the lab namespace as kubectl's default. Never in classroom
  mode, never for a browser on another machine (``backend_for`` refuses).

Both start with a size, take keystrokes and resizes, yield output until the
shell ends, and end it on ``close``.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import ipaddress
import os
import signal
import struct
import sys
import termios
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Protocol

import yaml
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext_noop

from cluster.cluster import kubectl_binary
from kube import Cluster, KubeError
from kube import config as kube_config
from kube.exec import ExecStream, open_exec
from kube.kubeconfig import context_parts
from workspaces import resolve, tutor_cluster
from workspaces.models import TerminalSession
from workspaces.terminal import toolbox
from workspaces.terminal.words import Sentence, sentence

Say = Callable[[str], None]


class Unavailable(Exception):
    """No terminal for this user here, and why (shown to them)."""

    def __init__(self, message: str | Sentence, *, retry: bool = False) -> None:
        super().__init__(str(message))
        self.sentence = message  # for the browser, in its language (words.say)
        self.retry = retry  # worth trying again in a moment (a namespace being prepared)


class Backend(Protocol):
    kind: str
    namespace: str

    async def start(self, cols: int, rows: int, say: Say) -> None: ...
    async def write(self, data: bytes) -> None: ...
    async def resize(self, cols: int, rows: int) -> None: ...
    def output(self) -> AsyncIterator[bytes]: ...
    async def close(self) -> None: ...
    def end_message(self) -> str | Sentence: ...


def backend_for(*, user_id: int, client_address: str) -> Backend:
    """The backend for this user's terminal, or Unavailable with the reason."""
    if not settings.TUTOR_TERMINAL:
        raise Unavailable(gettext_noop("The browser terminal is turned off on this site."))
    if tutor_cluster.classroom_mode():
        row = toolbox.student_namespace_for_terminal(user_id=user_id)
        if row is None:
            raise Unavailable(
                gettext_noop("Your namespace is being prepared; this takes a few seconds."),
                retry=True,
            )
        return ClusterBackend(user_id=user_id, namespace=row.namespace)
    if not is_loopback(client_address):
        raise Unavailable(
            gettext_noop(
                "In local mode the terminal is a shell on the tutor's own machine: it opens "
                "only in a browser on that machine (http://127.0.0.1)."
            )
        )
    # During an exam, the shell's kubectl points at the exam's namespace.
    current = resolve.workspace_now(User.objects.get(pk=user_id))
    namespace = current.namespace if current is not None else settings.TUTOR_LAB_NAMESPACE
    return LocalBackend(namespace=namespace)


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


# --- the cluster: a toolbox Pod -----------------------------------------------------------


class ClusterBackend:
    kind: str = TerminalSession.Backend.CLUSTER.value
    # kwok learns of a new Exec object through a watch: exec fails until it has.
    SIMULATED_EXEC_WAIT = 30.0

    def __init__(self, *, user_id: int, namespace: str) -> None:
        self.user_id = user_id
        self.namespace = namespace
        self._cluster: Cluster | None = None
        self._box: toolbox.Toolbox | None = None
        self._stream: ExecStream | None = None
        self._size = (80, 24)
        self._message = ""

    async def start(self, cols: int, rows: int, say: Say) -> None:
        loop = asyncio.get_running_loop()

        def say_from_thread(text: str) -> None:
            loop.call_soon_threadsafe(say, text)

        self._size = (cols, rows)
        row = await sync_to_async(toolbox.student_namespace_for_terminal)(user_id=self.user_id)
        if row is None:
            raise Unavailable(gettext_noop("Your namespace is not ready yet."), retry=True)
        try:
            cluster = self._cluster = await asyncio.to_thread(toolbox.connect)
            self._box = await asyncio.to_thread(
                toolbox.toolbox_ensure,
                cluster=cluster,
                student_namespace=row,
                say=say_from_thread,
            )
        except KubeError as exc:
            raise Unavailable(
                sentence(gettext_noop("Your terminal could not start: {problem}"), problem=str(exc))
            ) from exc
        say(gettext_noop("Connecting…"))
        self._stream = await self._open()

    async def _open(self) -> ExecStream:
        assert self._box is not None and self._cluster is not None
        try:
            stream = await open_exec(
                self._cluster,
                namespace=self._box.namespace,
                pod=self._box.pod,
                container=self._box.container,
                command=self._box.command,
            )
        except KubeError as exc:
            raise Unavailable(
                sentence(
                    gettext_noop("Your terminal could not connect: {problem}"), problem=str(exc)
                )
            ) from exc
        await stream.resize(*self._size)
        return stream

    async def write(self, data: bytes) -> None:
        if self._stream is not None:
            await self._stream.write(data)

    async def resize(self, cols: int, rows: int) -> None:
        self._size = (cols, rows)
        if self._stream is not None:
            await self._stream.resize(cols, rows)

    async def output(self) -> AsyncIterator[bytes]:
        opened = time.monotonic()
        while self._stream is not None:
            printed = False
            async for chunk in self._stream.output():
                printed = True
                yield chunk
            end = self._stream.end
            message = end.message if end else ""
            # On the local control plane, exec into a new toolbox fails until kwok has
            # seen its Exec object: the same exec again, for a few seconds.
            if (
                not printed
                and "no exec found" in message
                and time.monotonic() - opened < self.SIMULATED_EXEC_WAIT
            ):
                await asyncio.sleep(0.5)
                self._stream = await self._open()
                continue
            self._message = "" if end is None or end.ok else message
            return

    async def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            # Ctrl-C, then exit: a shell whose client just went away would otherwise
            # wait at its prompt (kwok never ends it; a real kubelet may not either).
            with contextlib.suppress(Exception):
                await stream.write(b"\x03exit\n")
                await asyncio.sleep(0.2)
            await stream.close()
        if self._cluster is not None:
            await asyncio.to_thread(self._cluster.close)
            self._cluster = None

    def end_message(self) -> str | Sentence:
        return self._message


# --- this machine: a pseudo-terminal -------------------------------------------------------

# After setsid (start_new_session), make the PTY the controlling terminal, then run the
# shell: job control and Ctrl-C work, on Linux and macOS alike.
_CTTY = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execvp(sys.argv[1], sys.argv[1:])"
)
_READ = 65536
_QUEUE_HIGH, _QUEUE_LOW = 32, 4


class LocalBackend:
    kind: str = TerminalSession.Backend.LOCAL.value

    def __init__(self, *, namespace: str) -> None:
        self.namespace = namespace
        self._master: int | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._pending = bytearray()
        self._paused = False
        self._message: str | Sentence = ""

    async def start(self, cols: int, rows: int, say: Say) -> None:
        env = await asyncio.to_thread(local_environment, self.namespace)
        master, slave = os.openpty()
        _set_size(master, cols, rows)
        shell = os.environ.get("SHELL") or "/bin/bash"
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _CTTY, shell, "-il",
                stdin=slave, stdout=slave, stderr=slave, env=env, cwd=env["HOME"],
                start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            os.close(master)
            raise Unavailable(
                sentence(
                    gettext_noop("The shell {shell} could not start: {problem}"),
                    shell=shell,
                    problem=str(exc.strerror),
                )
            ) from exc
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self._master = master
        asyncio.get_running_loop().add_reader(master, self._readable)

    def _readable(self) -> None:
        assert self._master is not None
        try:
            data = os.read(self._master, _READ)
        except BlockingIOError:
            return
        except OSError:  # EIO: the shell and everything on its terminal have ended
            data = b""
        if not data:
            asyncio.get_running_loop().remove_reader(self._master)
            self._queue.put_nowait(None)
            return
        self._queue.put_nowait(data)
        # Flow control: a shell printing faster than the browser takes it waits.
        if self._queue.qsize() >= _QUEUE_HIGH:
            asyncio.get_running_loop().remove_reader(self._master)
            self._paused = True

    async def output(self) -> AsyncIterator[bytes]:
        while True:
            data = await self._queue.get()
            if self._paused and self._queue.qsize() <= _QUEUE_LOW and self._master is not None:
                self._paused = False
                asyncio.get_running_loop().add_reader(self._master, self._readable)
            if data is None:
                break
            yield data
        if self._process is not None:
            with contextlib.suppress(TimeoutError):
                code = await asyncio.wait_for(self._process.wait(), timeout=2)
                if code not in (0, None) and code > 0:
                    self._message = sentence(
                        gettext_noop("The shell ended with exit status {code}."), code=code
                    )

    async def write(self, data: bytes) -> None:
        if self._master is None:
            return
        self._pending += data
        self._flush()

    def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._master is not None
        try:
            while self._pending:
                written = os.write(self._master, self._pending)
                del self._pending[:written]
        except BlockingIOError:
            pass
        except OSError:
            self._pending.clear()
        if self._pending:
            loop.add_writer(self._master, self._flush)
        else:
            loop.remove_writer(self._master)

    async def resize(self, cols: int, rows: int) -> None:
        if self._master is not None:
            _set_size(self._master, cols, rows)

    async def close(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGHUP)
            try:
                await asyncio.wait_for(process.wait(), timeout=2)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        master, self._master = self._master, None
        if master is not None:
            loop = asyncio.get_running_loop()
            loop.remove_reader(master)
            loop.remove_writer(master)
            os.close(master)
            self._queue.put_nowait(None)

    def end_message(self) -> str | Sentence:
        return self._message


def _set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def local_environment(namespace: str) -> dict[str, str]:
    """The local shell's environment: the user's own basics, kubectl pointed at the lab.

    Nothing of the tutor's environment is passed on (its secret key, database URL):
    only what a login shell needs, and KUBECONFIG.
    """
    home = str(Path.home())
    path = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
    kubectl_dir = kubectl_binary().parent
    if (kubectl_dir / "kubectl").is_file():
        path = f"{kubectl_dir}{os.pathsep}{path}"
    env = {
        "HOME": home,
        "PATH": path,
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "SHELL": os.environ.get("SHELL", "/bin/bash"),
        "KUBECONFIG": lab_kubeconfig(namespace),
    }
    for name in ("USER", "LOGNAME", "LC_ALL", "TZ"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def lab_kubeconfig(namespace: str) -> str:
    """KUBECONFIG for the local shell: the lab cluster, the lab namespace as the default.

    A small file of our own comes first, with one context (the tutor's cluster and
    user, and the namespace); kubectl merges it with the files the tutor reads, so no
    credential is copied.
    """
    explicit = settings.TUTOR_KUBECONFIG or None
    paths = kube_config.kubeconfig_paths(explicit)
    if not paths:
        raise Unavailable(
            gettext_noop(
                "No cluster is configured for the terminal: start one with `make cluster-up` "
                "(or kind/minikube), or set TUTOR_KUBECONFIG."
            )
        )
    merged = kube_config.load_kubeconfig(explicit)
    try:
        _, _, _, _ = context_parts(merged or {}, settings.TUTOR_KUBE_CONTEXT or None)
        name = settings.TUTOR_KUBE_CONTEXT or (merged or {}).get("current-context")
        context = next(
            c["context"] for c in (merged or {}).get("contexts", []) if c.get("name") == name
        )
    except (KubeError, StopIteration, KeyError, TypeError) as exc:
        raise Unavailable(
            sentence(
                gettext_noop("The lab cluster's kubeconfig cannot be used: {problem}"),
                problem=str(exc),
            )
        ) from exc
    folder = Path(settings.DATA_DIR) / "terminal"
    folder.mkdir(parents=True, exist_ok=True)
    own = folder / "lab.kubeconfig"
    own.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "contexts": [
                    {
                        "name": "lfs158-lab",
                        "context": {
                            "cluster": context["cluster"],
                            "user": context["user"],
                            "namespace": namespace,
                        },
                    }
                ],
                "current-context": "lfs158-lab",
            }
        )
    )
    own.chmod(0o600)
    return os.pathsep.join([str(own), *(str(p) for p in paths)])
