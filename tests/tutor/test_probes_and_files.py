"""/readyz under concurrency and what it tells strangers; the database file's permissions."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import Client

from tests.conftest import REPO
from tutor import health

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120)]


def test_concurrent_readiness_probes_all_agree(db):
    # Each probe of the filesystem broker writes and removes a file: with one shared
    # name, 16 of 600 concurrent probes answered 503 because another had removed it.
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: health.broker_problem(), range(600)))
    assert answers == [None] * 600


def test_an_unready_answer_names_the_part_and_no_path(db, settings, tmp_path):
    blocked = tmp_path / "broker"
    blocked.mkdir()
    (blocked / "queue").write_text("a file where a folder should be")
    settings.BROKER_DIR = blocked
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "unavailable", "problems": ["broker: cannot write its folder"]}
    assert str(tmp_path) not in response.content.decode()


def test_the_sqlite_database_is_private_to_its_owner(tmp_path):
    env = {**os.environ, "TUTOR_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    old_umask = os.umask(0o022)
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=REPO, env=env, check=True, timeout=300,
        )  # fmt: skip
    finally:
        os.umask(old_umask)
    database = tmp_path / "data" / "db.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    # An existing database made before this rule is tightened at the next start.
    database.chmod(0o644)
    subprocess.run(
        [sys.executable, "manage.py", "check", "-v", "0"],
        cwd=REPO,
        env=env,
        check=True,
        timeout=120,
    )
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    for leftover in Path(tmp_path / "data").glob("db.sqlite3-*"):
        assert stat.S_IMODE(leftover.stat().st_mode) & 0o077 == 0, leftover
