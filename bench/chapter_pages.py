"""Chapter page throughput: the tutor's server against gunicorn and a static-file ceiling.

Since the browser terminal, the tutor is served by uvicorn (tutor/serve.py:
pages in a thread pool, WebSockets beside them). The reference rows, in the
same run, are how it was served before: gunicorn with 2 sync workers (this
benchmark's server until then) and with 2 workers x 4 threads (`make run`'s
until then). Goal: the chapter page keeps at least 90% of the better of the
two. The static ceiling is the same chapter HTML saved as a file and served
by the tutor's server (through whitenoise): what the machine can do when no
view runs. Goal: the live page reaches at least 50% of it. And a signed-in
student's page (kept per session, renewed when their progress changes, see
tutor/page_cache.py) reaches at least 50% of the anonymous page.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import urllib.request
from pathlib import Path

from bench.http import Load, gunicorn, login_cookie, table, tutor, wrk

GOAL_STATIC = 0.5
GOAL_REFERENCE = 0.9
CHAPTER = "/chapters/services/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


ROUNDS = 3


def _median(loads: list[Load], label: str) -> Load:
    ordered = sorted(loads, key=lambda load: load.requests_per_second)
    middle = ordered[len(ordered) // 2]
    return Load(label, middle.requests_per_second, middle.p50_ms, middle.p99_ms,
                sum(load.errors for load in loads))  # fmt: skip


def run() -> bool:
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp:
        data_dir = Path(tmp)
        static_copy = data_dir / "staticfiles" / "bench" / "chapter.html"
        # The static copy must exist before the servers start: whitenoise
        # indexes the static folder once, at start-up.
        with (
            tutor(data_dir, _free_port()) as url,
            urllib.request.urlopen(f"{url}{CHAPTER}") as response,  # noqa: S310 (loopback http)
        ):
            html = response.read()
        static_copy.parent.mkdir(parents=True, exist_ok=True)
        static_copy.write_bytes(html)
        servers = {
            "gunicorn 2x1 (reference)": lambda: gunicorn(data_dir, _free_port()),
            "gunicorn 2x4 (reference)": lambda: gunicorn(data_dir, _free_port(), threads=4),
            "uvicorn 2x4 (tutor/serve.py)": lambda: tutor(data_dir, _free_port()),
        }
        # All three run at once and are loaded in turn, round after round: on a
        # shared machine each meets the same conditions; the median round counts.
        with contextlib.ExitStack() as stack:
            urls = {name: stack.enter_context(start()) for name, start in servers.items()}
            password = (data_dir / "learner-password").read_text().strip()
            cookies = {name: login_cookie(url, "learner", password) for name, url in urls.items()}
            ours = urls["uvicorn 2x4 (tutor/serve.py)"]
            loads: dict[tuple[str, str], list[Load]] = {}
            for url in urls.values():
                wrk("warm-up", f"{url}{CHAPTER}", seconds=2)
            for _ in range(ROUNDS):
                loads.setdefault(("ceiling", ""), []).append(
                    wrk("ceiling", f"{ours}/static/bench/chapter.html", seconds=4)
                )
                for name, url in urls.items():
                    loads.setdefault((name, "anonymous"), []).append(
                        wrk(name, f"{url}{CHAPTER}", seconds=4)
                    )
                    loads.setdefault((name, "logged in"), []).append(
                        wrk(name, f"{url}{CHAPTER}", seconds=4, headers={"Cookie": cookies[name]})
                    )
    ceiling = _median(loads[("ceiling", "")], "uvicorn: static file, same HTML (ceiling)")
    rows = [ceiling] + [
        _median(loads[(name, what)], f"{name}: chapter, {what}")
        for name in servers
        for what in ("anonymous", "logged in")
    ]
    print()
    title = (
        f"Chapter pages, SQLite, {len(html) // 1024} KiB page, median of {ROUNDS} interleaved "
        "rounds (share: of the static ceiling)"
    )
    print(table(title, rows, ceiling))
    by_label = {row.label: row for row in rows}
    for what in ("anonymous", "logged in"):
        best = max(
            by_label[f"gunicorn 2x{n} (reference): chapter, {what}"].requests_per_second
            for n in (1, 4)
        )
        share = (
            by_label[f"uvicorn 2x4 (tutor/serve.py): chapter, {what}"].requests_per_second / best
        )
        verdict = "meets" if share >= GOAL_REFERENCE else "misses"
        print(
            f"goal: {what} page >= {GOAL_REFERENCE:.0%} of the better gunicorn -> {share:.0%} "
            f"({verdict} the goal)"
        )
    anonymous = by_label["uvicorn 2x4 (tutor/serve.py): chapter, anonymous"]
    share = anonymous.requests_per_second / ceiling.requests_per_second
    verdict = "meets" if share >= GOAL_STATIC else "misses"
    print(
        f"goal: anonymous page >= {GOAL_STATIC:.0%} of the static ceiling -> {share:.0%} "
        f"({verdict} the goal)"
    )
    signed_in = by_label["uvicorn 2x4 (tutor/serve.py): chapter, logged in"]
    share = signed_in.requests_per_second / anonymous.requests_per_second
    verdict = "meets" if share >= GOAL_STATIC else "misses"
    print(
        f"goal: logged-in page >= {GOAL_STATIC:.0%} of the anonymous page -> {share:.0%} "
        f"({verdict} the goal)"
    )
    print(
        "(anonymous readers without a session get a per-worker cached page; a logged-in reader's "
        "page is rendered for them and writes their visit)"
    )
    return all(row.errors == 0 for row in rows)
