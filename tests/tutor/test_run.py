"""`make run`'s launcher: gunicorn and a real Celery worker, on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import REPO, TutorServer, free_port, manage, wait_for_port


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def test_it_serves_pages_and_static_files(tutor_server: TutorServer):
    status, body = get(f"{tutor_server.url}/")
    assert status == 200
    assert b"Introduction to Kubernetes" in body
    css = body.split(b'href="/static/css/tutor.')[1].split(b'"')[0]
    status, _ = get(f"{tutor_server.url}/static/css/tutor.{css.decode()}")
    assert status == 200


def test_it_is_ready_with_the_embedded_broker(tutor_server: TutorServer):
    status, body = get(f"{tutor_server.url}/readyz")
    assert status == 200
    assert json.loads(body) == {"status": "ok"}


def test_a_celery_worker_process_runs_beside_it(tutor_server: TutorServer):
    deadline = time.monotonic() + 60
    while (
        "celery@" not in tutor_server.log.read_text()
        or " ready." not in tutor_server.log.read_text()
    ):
        assert time.monotonic() < deadline, tutor_server.log.read_text()[-2000:]
        time.sleep(0.5)


def test_the_learner_can_log_in(tutor_server: TutorServer):
    assert len(tutor_server.learner_password) >= 12


def _start(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TUTOR_DATA_DIR": str(tmp_path), "PORT": str(port)}
    env["VENV"] = str(Path(sys.executable).parent.parent)
    manage(env, "migrate", "--no-input", "-v", "0")
    proc = subprocess.Popen(
        ["bash", "scripts/run.sh"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    wait_for_port(port, timeout=60)
    # Up: the web server answers, and the worker and beat had time to start.
    time.sleep(3)
    return proc


def test_sigterm_to_the_process_group_stops_everything(tmp_path: Path):
    """systemd and test teardowns signal the whole group; nothing may linger."""
    proc = _start(tmp_path, free_port())
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)
    time.sleep(0.2)
    assert _group_members(proc.pid) == []


def test_sigterm_to_the_script_alone_stops_everything(tmp_path: Path):
    """compose (and `kill PID`) signal the launcher only; it stops what it started."""
    proc = _start(tmp_path, free_port())
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)
    time.sleep(0.2)
    assert _group_members(proc.pid) == []


def _group_members(pgid: int) -> list[int]:

    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_nothing_is_written_into_the_working_directory(tmp_path: Path):
    """Runtime folders (kombu's control/, the broker's queue) live under TUTOR_DATA_DIR."""
    workdir, data = tmp_path / "cwd", tmp_path / "data"
    workdir.mkdir()
    env = {**os.environ, "TUTOR_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}
    ping = "from tutor.celery import app; app.control.ping(timeout=0.1)"
    for command in ([str(REPO / "manage.py"), "check"], ["-c", ping]):
        result = subprocess.run(
            [sys.executable, *command], cwd=workdir, env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    assert list(workdir.iterdir()) == []
    assert (data / "broker" / "control").is_dir()
