"""Every lab of the real course behaves as recorded on a real API server.

This is `manage.py verify_labs` over the whole course: each reference
solution and every alternative pass every check, each recorded mistake fails
exactly its checks, and a troubleshooting lab's start state alone fails some.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.cluster.fixtures import REPO, Cluster
from tests.conftest import REAL_COURSE

pytestmark = pytest.mark.cluster


def test_the_course_has_24_labs_in_chapters_6_to_15():
    from tutor.content.registry import check_content

    labs = check_content(REAL_COURSE).sources["labs"]
    assert len(labs) == 24
    assert {lab.chapter_number for lab in labs} >= {6, 7, 8, 9, 10, 11, 12, 13, 14, 15}


# 24 labs, each playing its solution, alternatives, mistakes and start state: minutes.
@pytest.mark.timeout(1800)
def test_every_lab_behaves_as_recorded(cluster: Cluster):
    args = ["--kubeconfig", str(cluster.kubeconfig)] + (
        ["--context", cluster.context] if cluster.context else []
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "verify_labs", "--format", "json", *args],
        cwd=REPO, env={**os.environ, "TUTOR_CONTENT_ROOT": str(REAL_COURSE)}, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    report = json.loads(result.stdout)
    broken = [lab for lab in report["labs"] if not lab["ok"]]
    assert result.returncode == 0 and not broken, json.dumps(broken, indent=2)
