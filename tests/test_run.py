"""`make run`'s launcher: gunicorn and a real Celery worker, on loopback."""

from __future__ import annotations

import json
import time
import urllib.request

from tests.conftest import TutorServer


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
