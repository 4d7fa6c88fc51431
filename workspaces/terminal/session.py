"""A live terminal session: the shell, its scrollback, and who is looking at it.

A session lives in the web process that started it (``SESSIONS``) and
listens on a channel of its own (``owner_channel``, stored on its
``TerminalSession`` row). Browser connections in any process (consumer.py)
talk to it only through the channel layer, so a reloaded page finds its
session wherever it landed:

- ``terminal.attach``: a tab of the student (it becomes the one that types;
  an older tab is told it was taken over) or an instructor watching (read
  only; the student is told). The answer replays the scrollback.
- ``terminal.input`` / ``terminal.resize``: accepted only from the tab that
  types, and only for the session's own user.
- ``terminal.keepalive``, ``terminal.stop``, ``terminal.detach``.

The session ends when the shell exits, after ``TUTOR_TERMINAL_IDLE_SECONDS``
without input (warned ``TUTOR_TERMINAL_IDLE_WARNING_SECONDS`` before), after
``TUTOR_TERMINAL_MAX_SECONDS``, when the student stops it, or when the
server stops; its row then says when and why. Keystrokes are kept only when
``TUTOR_TERMINAL_RECORD`` is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from asgiref.sync import sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer, get_channel_layer
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from workspaces.models import TerminalKeystrokes, TerminalSession, TerminalWatch
from workspaces.terminal.backends import Backend, Unavailable
from workspaces.terminal.words import Sentence, payload, sentence

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10
# A session whose process has not said it is alive for this long is gone.
STALE_SECONDS = 3 * HEARTBEAT_SECONDS
TICK_SECONDS = 1.0
MAX_COLS, MAX_ROWS = 500, 200

STUDENT, WATCHER = "student", "watcher"

# The sessions held by this process, by row id.
SESSIONS: dict[int, Session] = {}


class TokenBucket:
    """``rate`` per second, up to ``burst`` at once."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate = float(rate)
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def take(self, amount: float) -> bool:
        self._refill()
        if amount <= self.tokens:
            self.tokens -= amount
            return True
        return False

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` is available (taking it now, in debt)."""
        self._refill()
        self.tokens -= amount
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


@dataclass
class Viewer:
    channel: str
    user_id: int
    name: str
    role: str
    watch_id: int | None = None


@dataclass
class Session:
    row_id: int
    user_id: int
    backend: Backend
    channel: str
    layer: BaseChannelLayer
    cols: int = 80
    rows: int = 24
    scrollback: bytearray = field(default_factory=bytearray)
    viewers: dict[str, Viewer] = field(default_factory=dict)
    writer: str | None = None
    state: str = "starting"  # starting, running, ended
    status: str = gettext_noop("Starting your terminal…")
    end_reason: str | Sentence = ""
    bytes_in: int = 0
    bytes_out: int = 0
    recording: bool = False
    warned: bool = False
    started: float = field(default_factory=time.monotonic)
    last_input: float = field(default_factory=time.monotonic)
    keystrokes: list[tuple[datetime, str]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.input_bucket = TokenBucket(
            settings.TUTOR_TERMINAL_INPUT_BYTES_PER_SECOND,
            settings.TUTOR_TERMINAL_INPUT_BURST_BYTES,
        )
        rate = settings.TUTOR_TERMINAL_OUTPUT_BYTES_PER_SECOND
        self.output_bucket = TokenBucket(rate, rate)
        self.recording = bool(settings.TUTOR_TERMINAL_RECORD)
        self._ended = asyncio.Event()
        self._ending: asyncio.Future[None] | None = None

    # --- running --------------------------------------------------------------------------

    async def run(self) -> None:
        receiver = asyncio.create_task(self._receive_loop())
        ticker = asyncio.create_task(self._tick_loop())
        try:
            try:
                await self.backend.start(self.cols, self.rows, self._say)
            except Unavailable as exc:
                await self.end(exc.sentence, reason="could not start")
                return
            if self.state == "ended":
                return
            self.state = "running"
            await self._broadcast({"type": "terminal.event", "event": "running"})
            await self._pump()
            message = self.backend.end_message()
            await self.end(
                message or gettext_noop("The shell has ended (exit)."),
                reason=str(message) or "the shell exited",
            )
        except asyncio.CancelledError:
            if self._ending is None:
                self.state = "ended"
                self._ending = asyncio.ensure_future(
                    self._finish(gettext_noop("The server is restarting."), "server stopped")
                )
            raise
        except Exception:
            log.exception("terminal session %s failed", self.row_id)
            await self.end(
                gettext_noop("The terminal stopped because of an error."), reason="error"
            )
        finally:
            receiver.cancel()
            ticker.cancel()

    async def _pump(self) -> None:
        async for chunk in self.backend.output():
            if self.state == "ended":
                break
            # Output beyond the rate waits here; the shell waits with it (flow control).
            delay = self.output_bucket.wait_for(len(chunk))
            if delay:
                await asyncio.sleep(min(delay, 2.0))
            self.bytes_out += len(chunk)
            self.scrollback += chunk
            excess = len(self.scrollback) - settings.TUTOR_TERMINAL_SCROLLBACK_BYTES
            if excess > 0:
                # Cut at a line break, so that a replay starts at the start of a line.
                cut = self.scrollback.find(b"\n", excess)
                del self.scrollback[: cut + 1 if cut >= 0 else excess]
            await self._broadcast({"type": "terminal.output", "data": bytes(chunk)})

    def _say(self, text: str) -> None:
        self.status = text
        if self.state == "starting":
            spawn(self._broadcast({"type": "terminal.event", "event": "status", "message": text}))

    async def _receive_loop(self) -> None:
        while True:
            message = await self.layer.receive(self.channel)
            try:
                await self.handle(message)
            except Exception:
                log.exception(
                    "terminal session %s: bad message %s", self.row_id, message.get("type")
                )

    async def _tick_loop(self) -> None:
        next_beat = 0.0
        while self.state != "ended":
            now = time.monotonic()
            idle = now - self.last_input
            limit = settings.TUTOR_TERMINAL_IDLE_SECONDS
            warning = settings.TUTOR_TERMINAL_IDLE_WARNING_SECONDS
            if idle >= limit:
                minutes = max(1, round(limit / 60))
                await self.end(
                    # Two sentences, not a plural: makemessages marks no plural that is
                    # not translated on the spot (Spanish, like English, has these two).
                    sentence(
                        gettext_noop("Stopped after {minutes} minute without typing.")
                        if minutes == 1
                        else gettext_noop("Stopped after {minutes} minutes without typing."),
                        minutes=minutes,
                    ),
                    reason="idle",
                )
                return
            if idle >= limit - warning and not self.warned:
                self.warned = True
                await self._broadcast(
                    {
                        "type": "terminal.event",
                        "event": "idle-warning",
                        "seconds": int(limit - idle),
                    }
                )
            if now - self.started >= settings.TUTOR_TERMINAL_MAX_SECONDS:
                await self.end(
                    gettext_noop("This session reached its maximum length."), reason="max length"
                )
                return
            if now >= next_beat:
                next_beat = now + HEARTBEAT_SECONDS
                await self._save_progress()
            await asyncio.sleep(TICK_SECONDS)

    # --- messages -------------------------------------------------------------------------

    async def handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        viewer_channel = str(message.get("viewer", ""))
        if kind == "terminal.attach":
            await self._attach(message)
        elif kind == "terminal.detach":
            await self._detach(viewer_channel)
        elif kind in ("terminal.input", "terminal.resize", "terminal.keepalive", "terminal.stop"):
            # Only the tab that types, of the session's own user.
            if viewer_channel != self.writer or message.get("user_id") != self.user_id:
                await self._send(viewer_channel, _event("read-only"))
                return
            if kind == "terminal.input":
                await self._input(viewer_channel, str(message.get("data", "")))
            elif kind == "terminal.resize":
                await self._resize(message.get("cols"), message.get("rows"))
            elif kind == "terminal.keepalive":
                self._touch()
            else:
                await self.end(
                    gettext_noop("You stopped the terminal."), reason="stopped by the student"
                )

    async def _attach(self, message: dict[str, Any]) -> None:
        viewer = Viewer(
            channel=str(message["viewer"]),
            user_id=int(message["user_id"]),
            name=str(message.get("name", "")),
            role=WATCHER if message.get("role") == WATCHER else STUDENT,
        )
        if viewer.role == STUDENT and viewer.user_id != self.user_id:
            await self._send(
                viewer.channel, _event("refused", message=gettext_noop("Not your terminal."))
            )
            return
        if self.state == "ended":
            await self._send(viewer.channel, _event("ended", **payload(self.end_reason)))
            return
        if viewer.role == STUDENT:
            previous = self.writer
            self.writer = viewer.channel
            if previous and previous != viewer.channel:
                self.viewers.pop(previous, None)
                await self._send(previous, _event("taken-over"))
            await self._resize(message.get("cols"), message.get("rows"))
        else:
            viewer.watch_id = await _watch_start(self.row_id, viewer.user_id)
        self.viewers[viewer.channel] = viewer
        await self._send(
            viewer.channel,
            {
                "type": "terminal.attached",
                "session": self.row_id,
                "role": viewer.role,
                "state": self.state,
                "status": self.status,
                "replay": bytes(self.scrollback),
                "recording": self.recording,
                "idle_seconds": settings.TUTOR_TERMINAL_IDLE_SECONDS,
                "watchers": self._watcher_names(),
            },
        )
        if viewer.role == WATCHER:
            await self._tell_watchers()

    async def _detach(self, channel: str) -> None:
        viewer = self.viewers.pop(channel, None)
        if viewer is None:
            return
        if channel == self.writer:
            self.writer = None
        if viewer.role == WATCHER:
            await _watch_end(viewer.watch_id)
            await self._tell_watchers()

    async def _input(self, channel: str, data: str) -> None:
        raw = data.encode()
        if not raw:
            return
        if not self.input_bucket.take(len(raw)):
            await self._send(channel, _event("input-dropped"))
            return
        self._touch()
        self.bytes_in += len(raw)
        if self.recording:
            self.keystrokes.append((timezone.now(), data))
        if self.state == "running":
            await self.backend.write(raw)

    async def _resize(self, cols: Any, rows: Any) -> None:
        try:
            cols, rows = int(cols), int(rows)
        except (TypeError, ValueError):
            return
        if not (2 <= cols <= MAX_COLS and 2 <= rows <= MAX_ROWS):
            return
        self.cols, self.rows = cols, rows
        if self.state == "running":
            await self.backend.resize(cols, rows)

    def _touch(self) -> None:
        self.last_input = time.monotonic()
        self.warned = False

    def _watcher_names(self) -> list[str]:
        return sorted({v.name for v in self.viewers.values() if v.role == WATCHER})

    async def _tell_watchers(self) -> None:
        names = self._watcher_names()
        for viewer in list(self.viewers.values()):
            if viewer.role == STUDENT:
                await self._send(viewer.channel, _event("watchers", names=names))

    async def _broadcast(self, message: dict[str, Any]) -> None:
        for channel in list(self.viewers):
            await self._send(channel, message)

    async def _send(self, channel: str, message: dict[str, Any]) -> None:
        if not channel:
            return
        try:
            await self.layer.send(channel, message)
        except ChannelFull:
            # A tab that stopped reading (or whose process is gone) is let go; a
            # reload attaches it again with the scrollback.
            viewer = self.viewers.pop(channel, None)
            if viewer is not None and channel == self.writer:
                self.writer = None

    # --- ending ---------------------------------------------------------------------------

    async def end(self, message: str | Sentence, *, reason: str) -> None:
        """End the session once, whoever asks first; the ending is not cut short by a
        cancelled caller (the task that asked may be the one being stopped)."""
        if self._ending is None:
            self.state = "ended"
            self.end_reason = message
            self._ending = asyncio.ensure_future(self._finish(message, reason))
        await asyncio.shield(self._ending)

    async def _finish(self, message: str | Sentence, reason: str) -> None:
        try:
            await self._broadcast(_event("ended", **payload(message)))
            with contextlib.suppress(Exception):
                await self.backend.close()
            for viewer in list(self.viewers.values()):
                if viewer.role == WATCHER:
                    await _watch_end(viewer.watch_id)
            self.viewers.clear()
            await self._save_progress(reason=reason)
            log.info(
                "terminal session %s of user %s ended (%s): %d bytes in, %d out",
                self.row_id, self.user_id, reason, self.bytes_in, self.bytes_out,
            )  # fmt: skip
        finally:
            SESSIONS.pop(self.row_id, None)
            self._ended.set()

    async def wait_ended(self) -> None:
        await self._ended.wait()

    async def _save_progress(self, *, reason: str | None = None) -> None:
        strokes, self.keystrokes = self.keystrokes, []
        await _save(self.row_id, self.bytes_in, self.bytes_out, reason, strokes)


# Tasks started and not awaited are kept here until they finish (else the loop may
# collect them half-way).
_BACKGROUND: set[asyncio.Future[Any]] = set()


def spawn(coroutine: Any) -> asyncio.Future[Any]:
    task = asyncio.ensure_future(coroutine)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    return task


def _event(event: str, **extra: Any) -> dict[str, Any]:
    return {"type": "terminal.event", "event": event, **extra}


# --- the registry (database side) ---------------------------------------------------------


@sync_to_async
def _save(
    row_id: int,
    bytes_in: int,
    bytes_out: int,
    reason: str | None,
    strokes: list[tuple[datetime, str]],
) -> None:
    fields: dict[str, Any] = {
        "heartbeat_at": timezone.now(),
        "bytes_in": bytes_in,
        "bytes_out": bytes_out,
    }
    if reason is not None:
        fields.update(ended_at=timezone.now(), end_reason=reason[:200])
    with transaction.atomic():
        TerminalSession.objects.filter(pk=row_id).update(**fields)
        if strokes:
            TerminalKeystrokes.objects.bulk_create(
                [TerminalKeystrokes(session_id=row_id, at=at, data=data) for at, data in strokes]
            )


@sync_to_async
def _watch_start(row_id: int, watcher_id: int) -> int:
    return int(TerminalWatch.objects.create(session_id=row_id, watcher_id=watcher_id).pk)


@sync_to_async
def _watch_end(watch_id: int | None) -> None:
    if watch_id is not None:
        TerminalWatch.objects.filter(pk=watch_id, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


@sync_to_async
def live_session(*, user_id: int) -> TerminalSession | None:
    """The user's live session, if its process still says it is alive; a stale one is closed."""
    row = TerminalSession.objects.filter(user_id=user_id, ended_at__isnull=True).first()
    if row is None:
        return None
    beat = row.heartbeat_at or row.started_at
    if (timezone.now() - beat).total_seconds() > STALE_SECONDS:
        session_mark_lost(row_id=row.pk)
        return None
    return row


def session_mark_lost(*, row_id: int) -> None:
    TerminalSession.objects.filter(pk=row_id, ended_at__isnull=True).update(
        ended_at=timezone.now(), end_reason="lost: its server process stopped"
    )


async def session_start(
    *, user_id: int, backend: Backend, started_from: str, cols: int, rows: int
) -> Session | None:
    """A new session held by this process; None when another tab has just started one."""
    layer = get_channel_layer()
    assert layer is not None, "CHANNEL_LAYERS is not configured"
    # The default prefix: channels-redis serves all specific channels of a process from
    # one shared receive loop, which needs them to share it.
    channel = await layer.new_channel()
    row = await _create_row(user_id, backend, started_from, channel)
    if row is None:
        return None
    session = Session(
        row_id=row.pk, user_id=user_id, backend=backend, channel=channel, layer=layer,
        cols=cols, rows=rows,
    )  # fmt: skip
    SESSIONS[row.pk] = session
    session.task = asyncio.create_task(session.run(), name=f"terminal-{row.pk}")
    log.info("terminal session %s of user %s started (%s)", row.pk, user_id, backend.kind)
    return session


@sync_to_async
def _create_row(
    user_id: int, backend: Backend, started_from: str, channel: str
) -> TerminalSession | None:
    try:
        with transaction.atomic():
            return TerminalSession.objects.create(
                user_id=user_id,
                backend=backend.kind,
                namespace=backend.namespace,
                started_from=started_from[:200],
                owner_channel=channel,
                heartbeat_at=timezone.now(),
                recorded=bool(settings.TUTOR_TERMINAL_RECORD),
            )
    except IntegrityError:  # one live session per user: another tab was first
        return None


async def stop_all(message: str = gettext_noop("The server is restarting.")) -> None:
    """End every session of this process (the server is stopping)."""
    loop = asyncio.get_running_loop()
    for session in list(SESSIONS.values()):
        if session.task is None or session.task.get_loop() is not loop:
            SESSIONS.pop(session.row_id, None)  # of an event loop that has ended
            continue
        await session.end(message, reason="server stopped")
        # One that was already ending (its shell exited, it went idle) finishes first.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(session.wait_ended(), timeout=5)
        if session.task is not None:
            session.task.cancel()
