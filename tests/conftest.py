"""Shared fixtures: personas, real servers (Redis, the tutor under gunicorn), the cluster.

Personas follow healthchecks' habit: alice and bob are students, carol is
an instructor (a member of the "instructors" group).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import django
import pytest

REPO = Path(__file__).resolve().parent.parent
# Code tests run on a small course of their own, so that editing the real
# one never breaks them; only tests/course/ tests the real course (REAL_COURSE).
FIXTURE_COURSE = REPO / "tests" / "fixtures" / "course"
REAL_COURSE = REPO / "content"
# Settings read the environment when Django starts, which happens after this
# module is imported: every test run gets its own data directory, and the
# fixture course whatever course the caller's environment names.
_DATA_DIR = Path(tempfile.mkdtemp(prefix="tutor-test-data-"))
os.environ["TUTOR_DATA_DIR"] = str(_DATA_DIR)
os.environ["TUTOR_CONTENT_ROOT"] = str(FIXTURE_COURSE)
os.environ.pop("REDIS_URL", None)
os.environ.pop("DATABASE_URL", None)
# `make test` runs the classroom suite a second time on PostgreSQL and Redis
# (scripts/classroom-tests.sh): these name the servers it started.
for _name in ("DATABASE_URL", "REDIS_URL"):
    if os.environ.get(f"TUTOR_TEST_{_name}"):
        os.environ[_name] = os.environ[f"TUTOR_TEST_{_name}"]
# Named here and not in pyproject.toml: from the ini file, pytest-django would
# load the settings before this module runs, and they would miss the variables
# above (the test process used var/ of the repository and the caller's DATABASE_URL).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings")
django.setup()
ARTIFACTS = Path(os.environ.get("TUTOR_TEST_ARTIFACTS", REPO / "var" / "test-artifacts"))

pytest_plugins = ["tests.cluster.fixtures", "tests.races"]


# The classroom suite: what `make test` runs a second time on PostgreSQL and
# Redis with real worker processes (scripts/classroom-tests.sh, `-m classroom`).
# A module joins it by its path here, or by `pytestmark = pytest.mark.classroom`.
CLASSROOM_SUITE = (
    "tests/labs/test_lab_flow.py",
    "tests/labs/test_submission_races.py",
    "tests/exercises/test_races.py",
    "tests/workspaces/test_classroom.py",
    "tests/core/test_crypto.py",  # key rotation, on the classroom's kubeconfig rows
    "tests/quizzes/",
    "tests/course/test_quizzes.py",  # the real quiz banks
    "tests/classes/",
    "tests/engine/test_regrade.py",  # what a class's regrade decides
    "tests/bench/",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.relative_to(REPO).as_posix().startswith(CLASSROOM_SUITE):
            item.add_marker(pytest.mark.classroom)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_DATA_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The test database holds the fixture course, loaded once per run."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("load_content", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def real_course(django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The real course (content/) in the database instead of the fixture course, for one module.

    Loaded in a transaction that is rolled back when the module ends, so the
    next module finds the fixture course again; each test's own transaction
    nests inside it. The fixture course keeps the real uuids and slugs, so
    loading updates its rows in place.
    """
    from django.db import transaction

    from tutor.content.registry import load_content

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with django_db_blocker.unblock():
            loaded = load_content(REAL_COURSE)
        assert loaded.report.ok, [str(e) for e in loaded.report.errors]
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing() -> Iterator[None]:
    """Every test that makes or checks a password: the real hasher is deliberately slow.

    A test about hashing itself overrides PASSWORD_HASHERS with the `settings` fixture.
    """
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached pages and counters must not leak from one test into the next."""
    from django.core.cache import caches

    caches["default"].clear()
    caches["shared"].clear()


@pytest.fixture(autouse=True)
def english_outside_requests() -> Iterator[None]:
    """Each test starts in English: a Spanish request leaves its language active in the thread
    (LocaleMiddleware activates it and nothing switches it back outside a server)."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def alice(django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_user("alice", password="correct-horse-1")


@pytest.fixture
def bob(django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_user("bob", password="correct-horse-2")


@pytest.fixture
def carol(django_user_model):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("carol", password="correct-horse-3")
    user.groups.add(Group.objects.get(name="instructors"))
    return user


@pytest.fixture
def carol_client(client, carol):  # type: ignore[no-untyped-def]
    client.force_login(carol)
    return client


@pytest.fixture
def alice_client(client, alice):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on loopback, private to this test run."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed: run `make test-deps`")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@dataclass
class TutorServer:
    url: str
    data_dir: Path
    learner_password: str
    log: Path


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="session")
def tutor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TutorServer]:
    """The tutor as `make run` serves it: gunicorn plus a Celery worker, own SQLite file."""
    data_dir = tmp_path_factory.mktemp("server-data")
    port = free_port()
    env = {**os.environ, "TUTOR_DATA_DIR": str(data_dir), "PORT": str(port)}
    env["VENV"] = str(Path(sys.executable).parent.parent)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_content")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "ensure_learner", "--url", f"http://127.0.0.1:{port}")
    password = (data_dir / "learner-password").read_text().strip()
    log = data_dir / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["bash", "scripts/run.sh"], cwd=REPO, env=env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the tutor did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield TutorServer(url=url, data_dir=data_dir, learner_password=password, log=log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
