"""The per-client limit holds across web processes: a real gunicorn with two workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port, manage, wait_for_port

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(240)]
LIMIT = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("hostile-server")
    port = free_port()
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(data_dir),
        "TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS": str(LIMIT),
    }
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_content")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tutor.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "1", "--log-level", "warning"],
        cwd=REPO, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def exercise_path(url: str) -> str:
    with urllib.request.urlopen(url + "/chapters/kubernetes-building-blocks/") as response:
        page = response.read().decode()
    start = page.index("/chapters/kubernetes-building-blocks/exercises/")
    return page[start : page.index('"', start)]


def test_the_limit_holds_across_web_processes(server: str, tmp_path: Path):
    page = server + exercise_path(server)
    with urllib.request.urlopen(page) as response:
        cookie = response.headers.get("Set-Cookie", "").split(";")[0]
    token = cookie.split("=", 1)[1]
    body = urllib.parse.urlencode({"manifest": "apiVersion: v1\nkind: Pod\n"}).encode()
    statuses = []
    if 60 - time.time() % 60 < 10:  # counts are per minute: start well inside one
        time.sleep(60 - time.time() % 60 + 0.5)
    for _ in range(2 * LIMIT):
        request = urllib.request.Request(
            page + "validate",
            data=body,
            headers={
                "Cookie": cookie,
                "X-CSRFToken": token,
                "Referer": page,
                "Connection": "close",
            },
        )
        try:
            with urllib.request.urlopen(request) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
            assert exc.headers["Retry-After"]
    # Two worker processes, one count: exactly LIMIT checks pass in the minute.
    assert statuses.count(200) == LIMIT, statuses
    assert statuses.count(429) == LIMIT
