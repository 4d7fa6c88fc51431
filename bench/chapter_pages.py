"""Chapter page throughput under gunicorn (2 workers) against a static-file ceiling.

The reference is the same chapter HTML, saved as a file and served by the
same gunicorn (through whitenoise) in the same run: what the machine can do
when no Python view runs. Goals: the anonymous page reaches at least 50% of
it, and a signed-in student's page at least 50% of the anonymous page.
"""

from __future__ import annotations

import socket
import tempfile
import urllib.request
from pathlib import Path

from bench.http import gunicorn, login_cookie, table, wrk

GOAL = 0.5
CHAPTER = "/chapters/services/"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run() -> bool:
    with tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp:
        data_dir = Path(tmp)
        static_copy = data_dir / "staticfiles" / "bench" / "chapter.html"
        # The static copy must exist before gunicorn starts: whitenoise
        # indexes the static folder once, at start-up.
        with (
            gunicorn(data_dir, _free_port()) as url,
            urllib.request.urlopen(f"{url}{CHAPTER}") as response,  # noqa: S310 (loopback http)
        ):
            html = response.read()
        static_copy.parent.mkdir(parents=True, exist_ok=True)
        static_copy.write_bytes(html)
        with gunicorn(data_dir, _free_port()) as url:
            wrk("warm-up", f"{url}{CHAPTER}", seconds=2)
            reference = wrk("static file, same HTML (ceiling)", f"{url}/static/bench/chapter.html")
            page = wrk(f"chapter page {CHAPTER}, anonymous", f"{url}{CHAPTER}")
            password = (data_dir / "learner-password").read_text().strip()
            cookie = login_cookie(url, "learner", password)
            logged_in = wrk(
                "same page, logged in (kept per session; records visits)",
                f"{url}{CHAPTER}",
                headers={"Cookie": cookie},
            )
    print()
    title = f"Chapter pages: gunicorn, 2 sync workers, SQLite, {len(html) // 1024} KiB page"
    print(table(title, [reference, page, logged_in], reference))
    share = page.requests_per_second / reference.requests_per_second
    verdict = "meets" if share >= GOAL else "misses"
    print(
        f"goal: anonymous >= {GOAL:.0%} of the static ceiling -> {share:.0%} ({verdict} the goal)"
    )
    signed = logged_in.requests_per_second / page.requests_per_second
    verdict = "meets" if signed >= GOAL else "misses"
    print(f"goal: logged in >= {GOAL:.0%} of anonymous -> {signed:.0%} ({verdict} the goal)")
    print(
        "(anonymous readers share one kept page per course version; a signed-in student's page "
        "is kept per session and renewed when their progress changes, see tutor/page_cache.py)"
    )
    return page.errors == 0 and reference.errors == 0 and logged_in.errors == 0
