"""Live checks, the worker side: watch a student's namespace, re-run the checks when it changes.

One run per student and lab page (a ``LiveCheck`` row, owned while its
``run_id`` is the one the task was given). The run reads the namespace as
the grader does, one LIST per kind the checks select, and then keeps one
watch per kind open from that LIST's resourceVersion. A change wakes it;
it lets a burst of changes settle (``kubectl apply`` of five objects, Pods
becoming ready one by one), never looks more often than
``LAB_LIVE_MIN_INTERVAL``, and writes the results only when what the page
shows would change. Where the API server refuses a watch (a cluster-scoped
kind, a student's own cluster without the verb) it looks every
``LAB_LIVE_POLL_SECONDS`` instead.

The run ends when the page stops polling, when its time is up, when a newer
run takes the row, after repeated cluster errors, or when the worker shuts
down. Checks never wait here (``eventually``): the next change re-runs them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone, translation

from engine.assertions import Rule, RuleResult
from engine.grading import lab as lab_grading
from engine.grading.feedback import explain, note_nearby
from kube import Cluster, Expired, Forbidden, KubeError, NotFound, Unauthorized
from labs.grader import ClusterReader
from labs.models import LiveCheck, LiveStatus, LiveStop
from workspaces import resolve

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (apiVersion, kind)
# Access checks ask the API server about RBAC: a change to these re-runs them.
RBAC_KINDS: tuple[Key, ...] = (
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
)
# A burst of changes has settled when none came for this long (seconds), or after the longer.
SETTLE_QUIET = 0.3
SETTLE_MAX = 2.0
# The API server closes a watch after this; the run opens it again where it stopped.
WATCH_SECONDS = 300
# Consecutive failures (of a look, or of one kind's watch) before giving up on it.
MAX_FAILURES = 3
# Set when the worker shuts down: every run stops within a beat.
SHUTDOWN = threading.Event()
_REFUSED = ("", "")  # a watch was refused: look again, and keep looking by polling


@dataclass(frozen=True)
class Timing:
    min_interval: float
    poll: float
    idle: float
    beat: float = 3.0  # how often the run tells the row it lives, and asks whether to go on

    @classmethod
    def from_settings(cls) -> Timing:
        return cls(
            min_interval=float(settings.LAB_LIVE_MIN_INTERVAL),
            poll=float(settings.LAB_LIVE_POLL_SECONDS),
            idle=float(settings.LAB_LIVE_IDLE_SECONDS),
        )


class VersionedReader(ClusterReader):
    """Reads like the grader, and remembers where each kind's LIST was (for the watches)."""

    def __init__(self, cluster: Cluster) -> None:
        super().__init__(cluster)
        self.versions: dict[Key, str] = {}
        self.asked_access = False

    def list_objects(self, api_version: str, kind: str, namespace: str) -> list[dict[str, Any]]:
        try:
            items, version = self.cluster.list_versioned(api_version, kind, namespace)
        except NotFound:
            return []  # the cluster does not serve this kind: nothing to watch either
        self.versions[(api_version, kind)] = version
        return items

    def can_i(
        self, *, user: str, groups: list[str], verb: str, resource: str, namespace: str,
        group: str = "", subresource: str = "",
    ) -> bool | None:  # fmt: skip
        self.asked_access = True
        return super().can_i(
            user=user, groups=groups, verb=verb, resource=resource, namespace=namespace,
            group=group, subresource=subresource,
        )  # fmt: skip

    def events(self, namespace: str) -> list[dict[str, Any]]:
        # Events only add detail to a graded result; a live look saves the LIST.
        return []


class Watchers:
    """One thread per kind, each holding a watch open; every change lands in one queue."""

    def __init__(self, cluster: Cluster, namespace: str, changes: queue.SimpleQueue[Key]) -> None:
        self.cluster = cluster
        self.namespace = namespace
        self.changes = changes
        self.refused: set[Key] = set()
        self._threads: dict[Key, threading.Thread] = {}
        self._open: dict[Key, Any] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @property
    def complete(self) -> bool:
        """Every kind is watched: no need to poll."""
        return not self.refused

    def follow(self, versions: Mapping[Key, str]) -> None:
        for key, version in versions.items():
            if key in self._threads or key in self.refused:
                continue
            thread = threading.Thread(
                target=self._follow, args=(key, version), name=f"live-{key[1]}", daemon=True
            )
            self._threads[key] = thread
            thread.start()

    def _follow(self, key: Key, version: str) -> None:
        api_version, kind = key
        failures = 0
        while not self._stop.is_set():
            try:
                watch = self.cluster.watch(
                    api_version, kind, self.namespace,
                    resource_version=version, timeout_seconds=WATCH_SECONDS,
                )  # fmt: skip
                with self._lock:
                    self._open[key] = watch
                if self._stop.is_set():
                    watch.stop()
                with watch:
                    for event in watch:
                        failures = 0
                        version = event.resource_version or version
                        if event.type != "BOOKMARK":
                            self.changes.put(key)
            except Expired:
                # Too old to resume: watch from now. Such a watch first lists every
                # object as ADDED, which wakes a fresh look, as it should.
                version = ""
            except (Forbidden, Unauthorized, NotFound):
                self._refuse(key)
                return
            except KubeError as exc:
                failures += 1
                if failures >= MAX_FAILURES:
                    log.info("live: giving up watching %s: %s", kind, exc)
                    self._refuse(key)
                    return
                self._stop.wait(2**failures)
            finally:
                with self._lock:
                    self._open.pop(key, None)

    def _refuse(self, key: Key) -> None:
        self.refused.add(key)
        self.changes.put(_REFUSED)

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            for watch in self._open.values():
                watch.stop()
        for thread in self._threads.values():
            thread.join(timeout=5)


class _Stopped(Exception):
    """The run must end; ``reason`` is what the page says, or None when a newer run took over."""

    def __init__(self, reason: LiveStop | None, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class LiveRun:
    def __init__(
        self, live: LiveCheck, *, timing: Timing, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.live = live
        self.timing = timing
        self.clock = clock
        self.shown = ""  # a digest of what the page shows now
        self.last_beat = 0.0

    def run(self) -> str:
        live = self.live
        try:
            try:
                workspace = resolve.workspace_of(live)
                if not workspace.ready:
                    raise _Stopped(LiveStop.NOT_READY)
                cluster = resolve.connect(workspace)
            except KubeError as exc:
                raise _Stopped(LiveStop.UNREACHABLE, str(exc)) from exc
            try:
                self._watch(cluster)
            finally:
                cluster.close()
        except _Stopped as stop:
            if stop.reason is not None:
                self._end(stop.reason, stop.detail)
            return str(stop.reason or "superseded")
        return "ended"  # not reached: _watch only ends by raising

    def _watch(self, cluster: Cluster) -> None:
        live = self.live
        # Live looks never wait for a check to become true: the next change re-runs it.
        checks = [dataclasses.replace(c, eventually=0) for c in live.lab.compiled_checks()]
        reader = VersionedReader(cluster)
        changes: queue.SimpleQueue[Key] = queue.SimpleQueue()
        watchers = Watchers(cluster, live.namespace, changes)
        failures = 0
        last_look = float("-inf")
        try:
            while True:
                wait = last_look + self.timing.min_interval - self.clock()
                if wait > 0:
                    self._sleep(wait)
                last_look = self.clock()
                try:
                    graded = lab_grading.grade(reader, checks, live.namespace)
                except KubeError as exc:
                    failures += 1
                    if not exc.transient or failures >= MAX_FAILURES:
                        raise _Stopped(LiveStop.UNREACHABLE, str(exc)) from exc
                    self._sleep(2**failures)
                    continue
                failures = 0
                note_nearby(checks, graded.results, graded.snapshot)
                watchers.follow(self._keys(cluster, reader))
                self._record(checks, graded.results, "watch" if watchers.complete else "poll")
                self._wait_for_change(changes, poll=not watchers.complete)
        finally:
            watchers.stop()

    def _keys(self, cluster: Cluster, reader: VersionedReader) -> dict[Key, str]:
        keys = dict(reader.versions)
        if reader.asked_access:
            for key in RBAC_KINDS:
                if key not in reader.versions:
                    try:
                        reader.versions[key] = cluster.collection_version(*key, self.live.namespace)
                    except KubeError:
                        continue  # not readable: the poll fallback covers it
                    keys[key] = reader.versions[key]
        return keys

    def _wait_for_change(self, changes: queue.SimpleQueue[Key], *, poll: bool) -> None:
        due = self.clock() + self.timing.poll if poll else float("inf")
        while True:
            self._go_on()
            timeout = min(self.timing.beat, due - self.clock())
            if timeout <= 0:
                return
            try:
                changes.get(timeout=timeout)
            except queue.Empty:
                continue
            settle_until = self.clock() + SETTLE_MAX
            while self.clock() < settle_until:
                try:
                    changes.get(timeout=SETTLE_QUIET)
                except queue.Empty:
                    break
            return

    def _go_on(self) -> None:
        """Beat, and raise ``_Stopped`` when the run should end."""
        if SHUTDOWN.is_set():
            raise _Stopped(LiveStop.LOST, "the live worker is shutting down")
        now = timezone.now()
        mine = LiveCheck.objects.filter(
            pk=self.live.pk, run_id=self.live.run_id, status=LiveStatus.WATCHING
        )
        if self.clock() - self.last_beat >= self.timing.beat:
            if not mine.update(beat_at=now):
                raise _Stopped(None)
            self.last_beat = self.clock()
        row = mine.values("seen_at", "deadline").first()
        if row is None:
            raise _Stopped(None)
        if now >= row["deadline"]:
            raise _Stopped(LiveStop.TIME)
        if now - row["seen_at"] > timedelta(seconds=self.timing.idle):
            raise _Stopped(LiveStop.CLOSED)

    def _record(self, checks: list[Rule], results: list[RuleResult], mode: str) -> None:
        stored = [r.as_dict() for r in results]
        # The page shows each check's state and words, not the objects behind
        # them: a Pod's new status that changes neither writes nothing.
        visible: list[Any] = [mode]
        for rule, result in zip(checks, stored, strict=True):
            explanation = explain(rule, result)
            visible.append([result["id"], result["passed"], result["message"], repr(explanation)])
        digest = hashlib.sha256(json.dumps(visible, default=str).encode()).hexdigest()
        if digest == self.shown:
            return
        now = timezone.now()
        updated = LiveCheck.objects.filter(
            pk=self.live.pk, run_id=self.live.run_id, status=LiveStatus.WATCHING
        ).update(results=stored, revision=F("revision") + 1, checked_at=now, beat_at=now, mode=mode)
        if not updated:
            raise _Stopped(None)
        self.shown = digest
        self.last_beat = self.clock()

    def _end(self, reason: LiveStop, detail: str) -> None:
        LiveCheck.objects.filter(
            pk=self.live.pk, run_id=self.live.run_id, status__in=[LiveStatus.QUEUED, LiveStatus.WATCHING]
        ).update(
            status=LiveStatus.FAILED if reason == LiveStop.UNREACHABLE else LiveStatus.STOPPED,
            stop_reason=reason,
            problem_detail=detail[:2000],
            revision=F("revision") + 1,
        )  # fmt: skip

    def _sleep(self, seconds: float) -> None:
        if SHUTDOWN.wait(seconds):
            raise _Stopped(LiveStop.LOST, "the live worker is shutting down")


def claim(live_id: int, run_id: str, *, worker: str) -> LiveCheck | None:
    """Take a queued run for this worker; None when it is gone, taken, or a newer one exists."""
    claimed = LiveCheck.objects.filter(pk=live_id, run_id=run_id, status=LiveStatus.QUEUED).update(
        status=LiveStatus.WATCHING, worker=worker[:200], beat_at=timezone.now()
    )
    if not claimed:
        return None
    return LiveCheck.objects.select_related("lab").get(pk=live_id)


def run(live_id: int, run_id: str, *, worker: str, timing: Timing | None = None) -> str:
    """Claim the run and watch until it ends; returns why it ended (for logs and tests)."""
    live = claim(live_id, run_id, worker=worker)
    if live is None:
        return "not claimed"
    # The checks' messages speak the language of the page that started the run.
    with translation.override(live.language or None):
        return LiveRun(live, timing=timing or Timing.from_settings()).run()
