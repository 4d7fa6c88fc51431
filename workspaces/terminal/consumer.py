"""The browser side of a terminal: one WebSocket per tab, relayed to the session.

Before the handshake (tutor/asgi.py): the Origin must be one of ALLOWED_HOSTS
(Channels' ``AllowedHostsOriginValidator``) and the session cookie gives the
user. Here: no signed-in user, no terminal (the handshake is refused); too
many connections in a minute, refused with a reason; then every message is
checked again against the session store (a user who logged out in another tab
types nothing more), and the session accepts input only from its own user's
tab that types (session.py).

What the browser sends (JSON text): ``{"type": "input", "data": "..."}``,
``{"type": "resize", "cols": 80, "rows": 24}``, ``{"type": "keepalive"}``,
``{"type": "stop"}``. What it gets: the shell's output as binary messages,
and JSON events (``attached``, ``status``, ``running``, ``watchers``,
``idle-warning``, ``taken-over``, ``ended``, ``unavailable``, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from importlib import import_module
from typing import Any
from urllib.parse import parse_qsl

from asgiref.sync import sync_to_async
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import caches
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_noop

from accounts.permissions import is_instructor
from workspaces import services
from workspaces.terminal import session as sessions
from workspaces.terminal.backends import Unavailable, backend_for
from workspaces.terminal.words import Sentence, language_of, say

log = logging.getLogger(__name__)

# Close codes the page understands (4000-4999 are the application's).
CLOSE_RATE_LIMITED = 4029
CLOSE_UNAVAILABLE = 4003
CLOSE_RETRY = 4025
CLOSE_SIGNED_OUT = 4001
CLOSE_ENDED = 4000
ATTACH_TIMEOUT = 5.0
USER_CHECK_SECONDS = 1.0
WATCH_SALT = "workspaces.terminal.watch"
WATCH_TICKET_SECONDS = 120


def watch_ticket(*, watcher: User, student: User) -> str:
    """A short-lived ticket for one instructor to watch one student (made where the
    permission was checked: the class's pages)."""
    return signing.dumps({"w": watcher.pk, "s": student.pk}, salt=WATCH_SALT, compress=True)


def client_address(scope: dict[str, Any]) -> str:
    """The browser's address, believing X-Forwarded-For only as far as the settings say."""
    remote = str((scope.get("client") or ("", 0))[0])
    proxies = int(settings.TUTOR_TRUSTED_PROXY_COUNT)
    if proxies <= 0:
        return remote
    forwarded = ""
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            forwarded = value.decode("latin1")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    return hops[-proxies] if len(hops) >= proxies else remote


class TerminalConsumer(AsyncWebsocketConsumer):
    """A student's own terminal (``/ws/terminal/``) or an instructor's read-only view
    of a student's (``/ws/terminal/watch/<ticket>/``)."""

    role = sessions.STUDENT
    owner_channel = ""
    user_id = 0
    student_id = 0
    attached = False
    _checked_at = 0.0
    _attach_timer: asyncio.TimerHandle | None = None
    language = settings.LANGUAGE_CODE

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close()  # the handshake is refused: 403
            return
        self.user_id = int(user.pk)
        self.user_name = user.get_username()
        self.language = language_of(self.scope)
        query = _query(self.scope)
        self.size = (_int(query.get("cols"), 80), _int(query.get("rows"), 24))
        self.started_from = query.get("from", "")[:200]
        await self.accept()
        if not await self._within_connect_limit():
            await self._refuse(
                gettext_noop(
                    "Too many terminal connections in the last minute: wait a moment, then reload."
                ),
                CLOSE_RATE_LIMITED,
            )
            return
        ticket = self.scope["url_route"]["kwargs"].get("ticket")
        if ticket is not None:
            await self._connect_watcher(user, ticket)
        else:
            await self._connect_student()

    async def _connect_student(self) -> None:
        self.student_id = self.user_id
        row = await sessions.live_session(user_id=self.user_id)
        if row is None:
            try:
                backend = await sync_to_async(backend_for)(
                    user_id=self.user_id, client_address=client_address(self.scope)
                )
            except Unavailable as exc:
                if exc.retry:
                    await sync_to_async(services.workspace_prepare_by_id)(user_id=self.user_id)
                await self._refuse(exc.sentence, CLOSE_RETRY if exc.retry else CLOSE_UNAVAILABLE)
                return
            session = await sessions.session_start(
                user_id=self.user_id, backend=backend, started_from=self.started_from,
                cols=self.size[0], rows=self.size[1],
            )  # fmt: skip
            if session is None:  # another tab started one a moment ago
                row = await sessions.live_session(user_id=self.user_id)
                if row is None:
                    await self._refuse(
                        gettext_noop("Your terminal could not start: reload the page."),
                        CLOSE_RETRY,
                    )
                    return
                self.owner_channel = row.owner_channel
            else:
                self.owner_channel = session.channel
        else:
            self.owner_channel = row.owner_channel
        await self._attach(row_id=row.pk if row else None)

    async def _connect_watcher(self, user: User, ticket: str) -> None:
        try:
            data = signing.loads(ticket, salt=WATCH_SALT, max_age=WATCH_TICKET_SECONDS)
        except signing.BadSignature:
            await self._refuse(
                gettext_noop("This watch link has expired: open it again from the class page."),
                CLOSE_UNAVAILABLE,
            )
            return
        if data.get("w") != self.user_id or not await sync_to_async(is_instructor)(user):
            await self._refuse(gettext_noop("You may not watch this terminal."), CLOSE_UNAVAILABLE)
            return
        self.role = sessions.WATCHER
        self.student_id = int(data["s"])
        row = await sessions.live_session(user_id=self.student_id)
        if row is None:
            await self._refuse(
                gettext_noop("This student has no terminal open right now."), CLOSE_RETRY
            )
            return
        self.owner_channel = row.owner_channel
        await self._attach(row_id=row.pk)

    async def _attach(self, *, row_id: int | None) -> None:
        try:
            await self._to_owner(
                "terminal.attach", role=self.role, name=self.user_name,
                cols=self.size[0], rows=self.size[1],
            )  # fmt: skip
        except ChannelFull:  # its process is gone (or not reading): a new session
            await self._attach_timed_out(row_id)
            return
        # No answer: the process holding the session is gone. The page reconnects
        # and gets a new session (the old row is closed as lost).
        loop = asyncio.get_running_loop()
        self._attach_timer = loop.call_later(
            ATTACH_TIMEOUT, lambda: sessions.spawn(self._attach_timed_out(row_id))
        )

    async def _attach_timed_out(self, row_id: int | None) -> None:
        if self.attached:
            return
        if row_id is not None:
            await sync_to_async(sessions.session_mark_lost)(row_id=row_id)
        await self._refuse(
            gettext_noop("The terminal session was lost: reconnecting…"), CLOSE_RETRY
        )

    async def disconnect(self, code: int) -> None:
        if self._attach_timer is not None:
            self._attach_timer.cancel()
        if self.owner_channel:
            with contextlib.suppress(ChannelFull):
                await self._to_owner("terminal.detach")

    # --- from the browser -----------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.owner_channel:
            return
        if not await self._still_signed_in():
            await self._refuse(
                gettext_noop("You are signed out: sign in again to use the terminal."),
                CLOSE_SIGNED_OUT,
            )
            return
        try:
            message = json.loads(text_data or (bytes_data or b"").decode())
        except (ValueError, UnicodeDecodeError):
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if self.role == sessions.WATCHER:
            return  # watchers only watch
        try:
            await self._forward(kind, message)
        except ChannelFull:
            await self._refuse(
                gettext_noop("The terminal session was lost: reconnecting…"), CLOSE_RETRY
            )

    async def _forward(self, kind: object, message: dict[str, Any]) -> None:
        if kind == "input" and isinstance(message.get("data"), str):
            await self._to_owner("terminal.input", data=message["data"][:65536])
        elif kind == "resize":
            await self._to_owner(
                "terminal.resize", cols=message.get("cols"), rows=message.get("rows")
            )
        elif kind == "keepalive":
            await self._to_owner("terminal.keepalive")
        elif kind == "stop":
            await self._to_owner("terminal.stop")

    async def _still_signed_in(self) -> bool:
        """The session behind this connection still signs in this user (checked at most
        once a second: a logout elsewhere stops the typing within a second)."""
        now = time.monotonic()
        if now - self._checked_at < USER_CHECK_SECONDS:
            return True
        ok = await sync_to_async(_session_signs_in)(self.scope, self.user_id)
        if ok:
            self._checked_at = now
        return ok

    # --- from the session -----------------------------------------------------------------

    async def terminal_attached(self, message: dict[str, Any]) -> None:
        self.attached = True
        if self._attach_timer is not None:
            self._attach_timer.cancel()
        replay = message.pop("replay", b"")
        event = {k: v for k, v in message.items() if k != "type"}
        event.update(type="attached", record_notice=bool(message.get("recording")))
        if isinstance(event.get("status"), str):
            event["status"] = say(event["status"], None, self.language)
        await self.send(text_data=json.dumps(event))
        if replay:
            await self.send(bytes_data=replay)

    async def terminal_output(self, message: dict[str, Any]) -> None:
        await self.send(bytes_data=message["data"])

    async def terminal_event(self, message: dict[str, Any]) -> None:
        event = {k: v for k, v in message.items() if k != "type"}
        words = event.pop("words", None)
        if isinstance(event.get("message"), str):
            event["message"] = say(event["message"], words, self.language)
        await self.send(text_data=json.dumps({"type": event.pop("event"), **event}))
        if message["event"] in ("ended", "taken-over", "refused"):
            self.owner_channel = ""
            await self.close(code=CLOSE_ENDED)

    # --- helpers --------------------------------------------------------------------------

    async def _to_owner(self, kind: str, **fields: Any) -> None:
        await self.channel_layer.send(
            self.owner_channel,
            {"type": kind, "viewer": self.channel_name, "user_id": self.user_id, **fields},
        )

    async def _refuse(self, text: str | Sentence, code: int) -> None:
        self.owner_channel = ""
        words = text.words() if isinstance(text, Sentence) else None
        message = say(str(text), words, self.language)
        await self.send(
            text_data=json.dumps({"type": "unavailable", "message": message, "code": code})
        )
        await self.close(code=code)

    async def _within_connect_limit(self) -> bool:
        return await sync_to_async(_count_connect)(self.user_id)


def _count_connect(user_id: int) -> bool:
    cache = caches["shared"]
    key = f"terminal:connects:{user_id}:{int(time.time() // 60)}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= settings.TUTOR_TERMINAL_CONNECTS_PER_MINUTE


def _session_signs_in(scope: dict[str, Any], user_id: int) -> bool:
    """Django's own rule (``get_user``): the stored session names this user, with the
    hash of their current password."""
    session = scope.get("session")
    key = getattr(session, "session_key", None)
    if not key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    data = store.load()
    if str(data.get(SESSION_KEY)) != str(user_id) or not data.get(BACKEND_SESSION_KEY):
        return False
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    return constant_time_compare(str(data.get(HASH_SESSION_KEY, "")), user.get_session_auth_hash())


def _query(scope: dict[str, Any]) -> dict[str, str]:
    raw = scope.get("query_string", b"").decode("latin1")
    return dict(parse_qsl(raw))


def _int(value: str | None, default: int) -> int:
    try:
        return max(2, min(500, int(value or default)))
    except ValueError:
        return default
