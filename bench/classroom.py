"""A class of students on one machine: the tutor as a classroom runs it, loaded over loopback.

The stack is the classroom deployment, all on 127.0.0.1: the web server and a
Celery worker started by scripts/run.sh (as `make run` starts them: 2 web
workers with 4 threads each, a worker with 2 pool processes and the reaper),
PostgreSQL (scripts/postgres.py, a database of its own for the run), a
redis-server, and the local control plane that grades the labs.

BENCH_STUDENTS students (default 200) arrive over the first BENCH_RAMP
seconds and, until BENCH_SECONDS have passed, each logs in through the form
once and then loops, pausing about BENCH_THINK seconds (uniformly 0.5x-1.5x)
between steps, as a class compressed in time:

1. reads a chapter page (logged in: rendered for them);
2. answers the next question of their attempt at a quiz, as htmx posts it
   (starting an attempt when they have none, finishing it after the last);
3. validates a manifest on an exercise (the editor's as-you-type POST);
4. one loop in BENCH_LAB_EVERY: "Check my work" on the webserver lab, then
   polls the submission every second, as the page does, until it ends.

Meanwhile /healthz is fetched ten times a second: the reference, how long
the server takes to answer nothing under the same load.

After the run the worker drains the queue, and the submissions in the
database are compared with those the students made: lost is a submission
that never finished. Local mode (one namespace for everyone) is deliberate:
see "Benchmarks" in the README.

Then the exam: BENCH_EXAM_STUDENTS of them (default 50, at most the class)
start the LFS158 practical at the same moment, wait while the worker
prepares a namespace for each, open every task and flag one, do one task's
work (its lab's solution is applied into their namespace), and all hand in
within the same minute. The worker grades every attempt from its namespace;
lost is an attempt handed in that never got a grade.

    python -m bench.classroom [--students N] [--seconds S] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from yarl import URL

REPO = Path(__file__).resolve().parent.parent
GOAL_P95_MS = 300.0
# The rows the goal speaks of: pages and answers.
GOAL_ROWS = ("chapter page", "quiz page", "quiz answer (htmx)")
DRAIN_SECONDS = 120
EXAM_DRAIN_SECONDS = 300
EXAM = "lfs158-practical"
EXAM_TASKS = ("pod-reader", "expose-frontend", "configure-app", "webserver")


@dataclass
class Config:
    students: int = int(os.environ.get("BENCH_STUDENTS", "200"))
    seconds: float = float(os.environ.get("BENCH_SECONDS", "120"))
    ramp: float = float(os.environ.get("BENCH_RAMP", "60"))
    think: float = float(os.environ.get("BENCH_THINK", "5"))
    lab_every: int = int(os.environ.get("BENCH_LAB_EVERY", "8"))
    exam_students: int = int(os.environ.get("BENCH_EXAM_STUDENTS", "50"))
    # Seconds between the exam's start and the hand-in (the minute's spread comes on top).
    exam_hand_in: float = float(os.environ.get("BENCH_EXAM_HAND_IN", "90"))
    web_workers: int = int(os.environ.get("TUTOR_WEB_WORKERS", "2"))
    database_url: str = ""


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    retried: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    tutor_cpu: float = 0.0  # web server and Celery processes, user + system seconds
    submissions: set[str] = field(default_factory=set)
    finished_polls: set[str] = field(default_factory=set)
    exam_attempts: dict[str, str] = field(default_factory=dict)  # attempt path -> namespace
    exam_handed_in: set[str] = field(default_factory=set)

    # Requests after every student has logged in: the class at work, without the
    # burst of password hashing (PBKDF2, about 0.25 s of CPU a login) of its arrival.
    steady_from: float = float("inf")
    steady: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def record(self, what: str, seconds: float) -> None:
        self.latencies[what].append(seconds)
        if time.monotonic() >= self.steady_from:
            self.steady[what].append(seconds)

    def error(self, what: str, detail: str) -> None:
        self.errors[what] += 1
        if len(self.examples) < 10:
            self.examples.append(f"{what}: {detail}")


class Refused(Exception):
    """A response the simulated student cannot go on from (counted as an error)."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the tutor did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def _cpu_seconds(root: int) -> float:
    """User + system CPU of a process and all its descendants, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    family, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in family:
                family.add(child)
                frontier.append(child)
    return sum(times.get(pid, 0.0) for pid in family)


def _database(server_url: str, name: str, *, drop: bool = False) -> str:
    """Create (or drop) a database of its own on the server; returns its URL."""
    import psycopg

    parts = urlsplit(server_url)
    with psycopg.connect(server_url, autocommit=True) as conn:
        if drop:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def _db_helper(env: dict[str, str], *args: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-m", "bench.classroom_db", *args],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"bench.classroom_db {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


# The simulated students.

ANSWER_FORM = re.compile(
    r'<form class="answer-form" method="post" action="(?P<action>[^"]+)"(?P<body>.*?)</form>', re.S
)
OPTION = re.compile(r'name="option" value="([^"]+)"')
POSITION = re.compile(r'<select name="(position-[^"]+)"')
MANIFEST = re.compile(r'name="manifest"[^>]*>(.*?)</textarea>', re.S)
POLL = re.compile(r'hx-get="([^"]+)"')
NAMESPACE = re.compile(r'<code id="exam-namespace">([a-z0-9-]+)</code>')


def _fields(form: str, rng: random.Random) -> dict[str, str]:
    """An answer a student could give to the question in this form."""
    if options := OPTION.findall(form):
        return {"option": rng.choice(options)}
    if 'name="answer"' in form:
        return {"answer": rng.choice(["true", "false"])}
    if 'name="text"' in form:
        return {"text": rng.choice(["kube-proxy", "etcd", "kubelet"])}
    if positions := POSITION.findall(form):
        order = list(range(1, len(positions) + 1))
        rng.shuffle(order)
        return {name: str(n) for name, n in zip(positions, order, strict=True)}
    if match := MANIFEST.search(form):
        return {"manifest": html.unescape(match.group(1))}
    raise Refused("an answer form with no field this simulation knows")


class Student:
    def __init__(self, number: int, base: str, plan: dict[str, Any], stats: Stats) -> None:
        self.username = f"bench-student-{number}"
        self.base = base
        self.url = URL(base)
        self.plan = plan
        self.stats = stats
        self.rng = random.Random(number)  # noqa: S311 (a simulation: repeatable, not secret)
        self.attempt: str | None = None
        self.logged_in = asyncio.Event()  # set once logged in, or given up
        self.quiz = plan["quizzes"][number % len(plan["quizzes"])]
        self.session = aiohttp.ClientSession(
            base_url=base,
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1
            timeout=aiohttp.ClientTimeout(total=30),
        )

    def _csrf(self) -> str:
        cookie = self.session.cookie_jar.filter_cookies(self.url).get("csrftoken")
        return cookie.value if cookie else ""

    async def request(
        self, what: str, method: str, path: str, *, data: dict[str, str] | None = None,
        htmx: bool = False, ok: tuple[int, ...] = (200,),
    ) -> tuple[int, str, str]:  # fmt: skip
        headers = {"X-CSRFToken": self._csrf(), "Referer": self.base + path}
        if htmx:
            headers["HX-Request"] = "true"
        started = time.perf_counter()
        for retry in (False, True):
            try:
                async with self.session.request(
                    method, path, data=data, headers=headers, allow_redirects=False
                ) as response:
                    body = await response.text()
                    status, location = response.status, response.headers.get("Location", "")
                break
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                # The server closes a connection idle past its keep-alive; one
                # reused just then is reset before the request is read. A browser
                # sends it again on a new connection, once: so does a student here.
                if retry:
                    self.stats.error(what, f"{type(exc).__name__}: {exc}")
                    raise Refused(what) from exc
                self.stats.retried[what] += 1
            except Exception as exc:
                self.stats.error(what, f"{type(exc).__name__}: {exc}")
                raise Refused(what) from exc
        self.stats.record(what, time.perf_counter() - started)
        if status not in ok:
            self.stats.error(what, f"{method} {path} -> {status} {body[:200]!r}")
            raise Refused(what)
        return status, location, body

    async def think(self) -> None:
        await asyncio.sleep(self.plan["think"] * self.rng.uniform(0.5, 1.5))

    async def log_in(self) -> None:
        await self.request("login page", "GET", "/accounts/login/")
        _, location, _ = await self.request(
            "log in (form POST)", "POST", "/accounts/login/",
            data={"username": self.username, "password": self.plan["password"],
                  "csrfmiddlewaretoken": self._csrf()},
            ok=(302,),
        )  # fmt: skip
        if "/accounts/login" in location:
            self.stats.error("log in (form POST)", "sent back to the login page")
            raise Refused("login")

    async def read_chapter(self) -> None:
        slug = self.rng.choice(self.plan["chapters"])
        await self.request("chapter page", "GET", f"/chapters/{slug}/")

    async def answer_question(self) -> None:
        if self.attempt is None:
            _, location, _ = await self.request(
                "quiz start", "POST", f"/quizzes/{self.quiz}/start", ok=(302,)
            )
            self.attempt = urlsplit(location).path
        _, _, page = await self.request("quiz page", "GET", self.attempt, ok=(200, 302))
        form = ANSWER_FORM.search(page)
        if form is None:  # every question answered (or finished elsewhere): see the score
            finish = self.attempt.rstrip("/") + "/finish"
            await self.request("quiz finish", "POST", finish, ok=(302,))
            self.attempt = None
            return
        await self.request(
            "quiz answer (htmx)", "POST", html.unescape(form.group("action")),
            data=_fields(form.group("body"), self.rng), htmx=True,
        )  # fmt: skip

    async def validate_manifest(self) -> None:
        exercise = self.plan["exercise"]
        manifest = exercise["solution"] if self.rng.random() < 0.5 else exercise["starter"]
        _, _, body = await self.request(
            "manifest validation",
            "POST",
            exercise["path"] + "validate",
            data={"manifest": manifest},
        )
        if '"valid"' not in body:
            self.stats.error("manifest validation", f"not the validator's answer: {body[:200]!r}")

    async def check_lab(self, deadline: float) -> None:
        _, _, partial = await self.request(
            "lab check (htmx)", "POST", f"/labs/{self.plan['lab']}/check", htmx=True
        )
        match = POLL.search(partial)
        if match is None:
            self.stats.error("lab check (htmx)", f"no polling in {partial[:200]!r}")
            return
        path = html.unescape(match.group(1))
        self.stats.submissions.add(path)
        # The page polls every second until the run ends (status 286), even past the deadline.
        while time.monotonic() < deadline + DRAIN_SECONDS:
            await asyncio.sleep(1)
            status, _, _ = await self.request(
                "lab poll (htmx)", "GET", path, htmx=True, ok=(200, 286)
            )
            if status == 286:
                self.stats.finished_polls.add(path)
                return

    async def take_exam(self, go: asyncio.Event, hand_in_at: float) -> None:
        """Start at the same moment as the others, work, hand in in the same minute."""
        try:
            await go.wait()
            _, location, _ = await self.request(
                "exam start", "POST", f"/exams/{EXAM}/start", ok=(302,)
            )
            path = urlsplit(location).path
            while True:  # the page polls every 2 s while a worker prepares the namespace
                _, _, page = await self.request("exam page", "GET", path)
                if (found := NAMESPACE.search(page)) is not None:
                    break
                if "could not be made" in page:
                    self.stats.error("exam page", "the workspace could not be made")
                    return
                await asyncio.sleep(2)
            self.stats.exam_attempts[path] = found.group(1)
            for task in EXAM_TASKS:
                await self.request("exam page", "GET", f"{path}?task={task}")
                await asyncio.sleep(self.rng.uniform(0.5, 2.0))
            await self.request(
                "exam flag", "POST", f"{path}flag", data={"task": EXAM_TASKS[-1], "flagged": "1"},
                ok=(302,),
            )  # fmt: skip
            await asyncio.sleep(max(0.0, hand_in_at - time.monotonic()) + self.rng.uniform(0, 5))
            await self.request("exam hand-in", "POST", f"{path}submit", ok=(302,))
            self.stats.exam_handed_in.add(path)
        except Refused:
            return

    async def run(self, start_at: float, deadline: float) -> None:
        try:
            await asyncio.sleep(max(0.0, start_at - time.monotonic()))
            try:
                await self.log_in()
            except Refused:
                return
            finally:
                self.logged_in.set()
            while time.monotonic() < deadline:
                steps = [self.read_chapter, self.answer_question, self.validate_manifest]
                for step in steps:
                    if time.monotonic() >= deadline:
                        return
                    with suppress(Refused):
                        await step()
                    await self.think()
                if self.rng.randrange(self.plan["lab_every"]) == 0:
                    with suppress(Refused):
                        await self.check_lab(deadline)
                    await self.think()
        finally:
            await self.session.close()


async def _reference(base: str, stats: Stats, deadline: float) -> None:
    async with aiohttp.ClientSession(base_url=base) as session:
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                async with session.get("/healthz") as response:
                    await response.read()
                    ok = response.status == 200
            except Exception as exc:
                stats.error("reference: /healthz", f"{type(exc).__name__}: {exc}")
            else:
                stats.record("reference: /healthz", time.perf_counter() - started)
                if not ok:
                    stats.error("reference: /healthz", f"status {response.status}")
            await asyncio.sleep(0.1)


async def _simulate(base: str, plan: dict[str, Any], config: Config, stats: Stats) -> float:
    started = time.monotonic()
    deadline = started + config.seconds
    students = [Student(i, base, plan, stats) for i in range(config.students)]
    ramp = min(config.ramp, config.seconds / 2)

    async def everyone_in() -> None:
        await asyncio.gather(*(s.logged_in.wait() for s in students))
        stats.steady_from = time.monotonic()

    waiting = asyncio.ensure_future(everyone_in())
    await asyncio.gather(
        _reference(base, stats, deadline),
        *(
            s.run(started + ramp * i / max(1, config.students), deadline)
            for i, s in enumerate(students)
        ),
    )
    waiting.cancel()
    return time.monotonic() - started


async def _exam(
    base: str, plan: dict[str, Any], config: Config, stats: Stats, env: dict[str, str]
) -> float:
    """Every exam student logs in, then all start at once and hand in within one minute."""
    count = min(config.exam_students, config.students)
    students = [Student(i, base, plan, stats) for i in range(count)]
    go = asyncio.Event()
    started = time.monotonic()
    try:
        for student in students:
            await student.log_in()
        # Everyone starts now; hand-in some time later (90 s), give or take a few seconds.
        hand_in_at = time.monotonic() + config.exam_hand_in
        runs = [asyncio.ensure_future(s.take_exam(go, hand_in_at)) for s in students]
        reference = asyncio.ensure_future(_reference(base, stats, hand_in_at + 10))
        go.set()
        # Once every workspace is ready, each student does one task's work in it.
        while len(stats.exam_attempts) < count and time.monotonic() < hand_in_at - min(
            20, config.exam_hand_in / 4
        ):
            await asyncio.sleep(1)
        await asyncio.to_thread(
            _db_helper, env, "exam-work", *sorted(set(stats.exam_attempts.values()))
        )
        await asyncio.gather(*runs, reference)
    finally:
        for student in students:
            await student.session.close()
    return time.monotonic() - started


def _exam_drain(env: dict[str, str], handed_in: int) -> tuple[dict[str, int], float]:
    """Wait until no attempt is handed in and ungraded (the reaper re-queues lost ones)."""
    started = time.monotonic()
    counts = _db_helper(env, "exam-count")
    while time.monotonic() - started < EXAM_DRAIN_SECONDS:
        waiting = counts.get("submitted", 0) + counts.get("grading", 0)
        if not waiting and counts.get("graded", 0) + counts.get("error", 0) >= handed_in:
            break
        time.sleep(1)
        counts = _db_helper(env, "exam-count")
    return counts, time.monotonic() - started


def _exam_report(stats: Stats, counts: dict[str, int], drained: float, students: int) -> bool:
    for example in stats.examples:
        print(f"  exam error: {example}")
    handed_in = len(stats.exam_handed_in)
    graded, failed = counts.get("graded", 0), counts.get("error", 0)
    lost = handed_in - graded - failed
    print()
    print(
        f"{'exam: what':28} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}"
    )
    for row in ["reference: /healthz", *EXAM_ROWS]:
        values = stats.latencies.get(row, [])
        p50, p95, p99 = (
            (_percentile(values, q) for q in (0.50, 0.95, 0.99)) if values else [float("nan")] * 3
        )
        print(
            f"{row:28} {len(values):9d} {p50:8.1f} {p95:8.1f} {p99:8.1f} {stats.errors.get(row, 0):7d}"
        )
    print(
        f"exam: {students} students started the LFS158 practical at once and handed in within "
        f"the same minute: {len(stats.exam_attempts)} got a workspace, {handed_in} handed in, "
        f"{graded} graded, {failed} could not grade, {lost} lost; graded within {drained:.1f} s "
        "of the hand-in"
    )
    return lost == 0 and failed == 0 and handed_in == students


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


ORDER = [
    "reference: /healthz",
    "login page",
    "log in (form POST)",
    "chapter page",
    "quiz start",
    "quiz page",
    "quiz answer (htmx)",
    "quiz finish",
    "manifest validation",
    "lab check (htmx)",
    "lab poll (htmx)",
]
EXAM_ROWS = ["exam start", "exam page", "exam flag", "exam hand-in"]


def _row(name: str, values: list[float], steady: list[float], seconds: float, errors: int) -> str:
    if values:
        p50, p95, p99 = (_percentile(values, q) for q in (0.50, 0.95, 0.99))
    else:
        p50 = p95 = p99 = float("nan")
    later = f"{_percentile(steady, 0.95):8.1f}" if steady else f"{'-':>8}"
    return (
        f"{name:28} {len(values):9d} {len(values) / seconds:7.1f} {p50:8.1f} {p95:8.1f} "
        f"{p99:8.1f} {errors:7d} {later:>13}"
    )


def _report(
    stats: Stats, config: Config, elapsed: float, counts: dict[str, int], drained: float
) -> bool:
    print()
    print(
        f"Classroom: {config.students} students for {config.seconds:.0f} s (arriving over "
        f"{min(config.ramp, config.seconds / 2):.0f} s, ~{config.think:g} s between steps), "
        f"uvicorn {config.web_workers}x4 threads, PostgreSQL, Redis, 2 Celery pool processes, "
        "local control plane"
    )
    header = f"{'what':28} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(f"{header} {'errors':>7} {'p95 all in':>13}")
    names = [n for n in ORDER if n in stats.latencies or n in stats.errors]
    names += sorted(set(stats.latencies) - set(ORDER))
    worst, worst_steady = 0.0, 0.0
    for name in names:
        values, steady = stats.latencies.get(name, []), stats.steady.get(name, [])
        print(_row(name, values, steady, elapsed, stats.errors.get(name, 0)))
        if name in GOAL_ROWS and values:
            worst = max(worst, _percentile(values, 0.95))
        if name in GOAL_ROWS and steady:
            worst_steady = max(worst_steady, _percentile(steady, 0.95))
    total_requests = sum(len(v) for v in stats.latencies.values())
    total_errors = sum(stats.errors.values())
    print(f"{'all':28} {total_requests:9d} {total_requests / elapsed:7.1f} {total_errors:34d}")
    created = sum(counts.values())
    done, failed = counts.get("done", 0), counts.get("error", 0)
    lost = created - done - failed
    print(
        f"lab submissions: {created} in the database ({len(stats.submissions)} seen by students), "
        f"{done} graded, {failed} could not grade, {lost} lost; "
        f"queue drained {drained:.1f} s after the run"
    )
    load = os.getloadavg()[0]
    print(
        f"the tutor's processes (uvicorn, Celery) used {stats.tutor_cpu:.0f} CPU seconds: "
        f"{1000 * stats.tutor_cpu / max(1, total_requests):.1f} ms a request on average, "
        f"{stats.tutor_cpu / elapsed:.2f} of {os.cpu_count()} cores; load average at the end {load:.1f}"
    )
    if stats.retried:
        retried = ", ".join(f"{n} {what}" for what, n in sorted(stats.retried.items()))
        print(f"sent again after a keep-alive connection closed under it (not errors): {retried}")
    for example in stats.examples:
        print(f"  error: {example}")
    met = total_errors == 0 and worst <= GOAL_P95_MS and lost == 0 and failed == 0
    print(
        f"goal: 0 errors, p95 <= {GOAL_P95_MS:.0f} ms for pages and answers, 0 lost -> "
        f"{total_errors} errors, worst p95 {worst:.0f} ms ({worst_steady:.0f} ms once all "
        f"were in), {lost} lost: {'met' if met else 'NOT met'}"
    )
    return total_errors == 0 and lost == 0


def _drain(env: dict[str, str], seen: int) -> tuple[dict[str, int], float]:
    """Wait until no submission is queued or running (the reaper re-queues lost messages)."""
    started = time.monotonic()
    counts = _db_helper(env, "count")
    while time.monotonic() - started < DRAIN_SECONDS:
        if not counts.get("queued") and not counts.get("running") and sum(counts.values()) >= seen:
            break
        time.sleep(1)
        counts = _db_helper(env, "count")
    return counts, time.monotonic() - started


def run(config: Config | None = None) -> bool:
    config = config or Config()
    kubeconfig = subprocess.run(
        [sys.executable, str(REPO / "cluster" / "cluster.py"), "up"],
        capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    data_dir = Path(tempfile.mkdtemp(prefix="tutor-bench-classroom-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, data_dir, ignore_errors=True)
        server_url = config.database_url
        if not server_url:
            was_running = (
                subprocess.run(
                    [sys.executable, "scripts/postgres.py", "status"], cwd=REPO,
                    capture_output=True, check=False,
                ).returncode == 0
            )  # fmt: skip
            server_url = subprocess.run(
                [sys.executable, "scripts/postgres.py", "start"], cwd=REPO,
                capture_output=True, text=True, check=True,
            ).stdout.strip()  # fmt: skip
            if not was_running:
                cleanup.callback(
                    subprocess.run, [sys.executable, "scripts/postgres.py", "stop"], cwd=REPO,
                    check=False,
                )  # fmt: skip
        name = f"tutor_bench_{os.getpid()}"
        database_url = _database(server_url, name)
        cleanup.callback(_database, server_url, name, drop=True)

        redis_port, web_port = _free_port(), _free_port()
        redis = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port",
             str(redis_port), "--save", "", "--appendonly", "no", "--dir", str(data_dir)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        cleanup.callback(redis.wait, 10)
        cleanup.callback(redis.terminate)

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tutor.settings",
            "TUTOR_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "TUTOR_KUBECONFIG": kubeconfig,
            "TUTOR_LAB_NAMESPACE": f"bench-class-{secrets.token_hex(3)}",
            "TUTOR_MODE": "local",
            "TUTOR_WEB_WORKERS": str(config.web_workers),
            "PORT": str(web_port),
            "VENV": str(Path(sys.executable).parent.parent),
        }
        _manage(env, "migrate", "--no-input", "-v", "0")
        _manage(env, "load_content")
        _manage(env, "collectstatic", "--no-input", "-v", "0")
        plan = _db_helper(env, "prepare", str(config.students))
        cleanup.callback(_db_helper, env, "cleanup")
        plan.update(think=config.think, lab_every=max(1, config.lab_every))

        log = data_dir / "server.log"
        with open(log, "wb") as out:
            server = subprocess.Popen(
                ["bash", "scripts/run.sh"], cwd=REPO, env=env, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

        def stop_server() -> None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)

        cleanup.callback(stop_server)
        base = f"http://127.0.0.1:{web_port}"
        _wait_for(f"{base}/readyz", server, log)

        stats = Stats()
        cpu_before = _cpu_seconds(server.pid)
        elapsed = asyncio.run(_simulate(base, plan, config, stats))
        stats.tutor_cpu = _cpu_seconds(server.pid) - cpu_before
        counts, drained = _drain(env, len(stats.submissions))
        exam_students = min(config.exam_students, config.students)
        exam_stats = Stats()  # its own table: the class's rows above are not mixed with it
        if exam_students:
            asyncio.run(_exam(base, plan, config, exam_stats, env))
            exam_counts, exam_drained = _exam_drain(env, len(exam_stats.exam_handed_in))
        ok = _report(stats, config, elapsed, counts, drained)
        if exam_students:
            ok = _exam_report(exam_stats, exam_counts, exam_drained, exam_students) and ok
        return ok
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description="A classroom of simulated students, on loopback")
    defaults = Config()
    parser.add_argument("--students", type=int, default=defaults.students)
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--ramp", type=float, default=defaults.ramp)
    parser.add_argument("--think", type=float, default=defaults.think)
    parser.add_argument("--lab-every", type=int, default=defaults.lab_every)
    parser.add_argument("--exam-students", type=int, default=defaults.exam_students)
    parser.add_argument(
        "--exam-hand-in", type=float, default=defaults.exam_hand_in,
        help="seconds from the exam's start to the hand-in",
    )  # fmt: skip
    parser.add_argument("--web-workers", type=int, default=defaults.web_workers)
    parser.add_argument(
        "--database-url", default="",
        help="a PostgreSQL server to create the run's database on (default: start scripts/postgres.py)",
    )  # fmt: skip
    args = parser.parse_args()
    config = Config(
        students=args.students, seconds=args.seconds, ramp=args.ramp, think=args.think,
        lab_every=args.lab_every, web_workers=args.web_workers, database_url=args.database_url,
        exam_students=args.exam_students, exam_hand_in=args.exam_hand_in,
    )  # fmt: skip
    return 0 if run(config) else 1


if __name__ == "__main__":
    sys.exit(main())
