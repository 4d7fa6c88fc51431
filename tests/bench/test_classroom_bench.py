"""The classroom simulation of `make bench`, small: 5 students for 10 seconds, nothing lost.

It needs PostgreSQL, so it runs in the PostgreSQL pass of `make test`
(scripts/classroom-tests.sh), on that server, in a database of its own.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.cluster.fixtures import REPO, Cluster

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(
        not os.environ.get("TUTOR_TEST_DATABASE_URL"),
        reason="runs on PostgreSQL: scripts/classroom-tests.sh (make test) names the server",
    ),
]


def test_a_small_class_runs_without_errors_or_lost_submissions(cluster: Cluster):
    server = os.environ["TUTOR_TEST_DATABASE_URL"]
    result = subprocess.run(
        [sys.executable, "-m", "bench.classroom", "--students", "5", "--seconds", "10",
         "--ramp", "2", "--think", "0.5", "--lab-every", "2", "--exam-hand-in", "30", "--database-url", server],
        cwd=REPO, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    out = result.stdout
    assert result.returncode == 0, out + result.stderr[-3000:]
    rows = {m.group(1).strip(): m.groups()[1:] for m in re.finditer(
        r"^(\S.{27}) +(\d+) +[\d.]+ +[\d.na]+ +[\d.na]+ +[\d.na]+ +(\d+) +[\d.-]+$", out, re.MULTILINE
    )}  # fmt: skip
    for what in ("chapter page", "quiz answer (htmx)", "manifest validation", "lab check (htmx)"):
        assert int(rows[what][0]) > 0, f"no {what} requests:\n{out}"
    assert all(errors == "0" for _, errors in rows.values()), out
    match = re.search(
        r"lab submissions: (\d+) in the database .* (\d+) graded, (\d+) could not grade, (\d+) lost",
        out,
    )
    assert match, out
    created, graded, failed, lost = map(int, match.groups())
    assert created > 0 and graded == created and failed == 0 and lost == 0, out
    exam = re.search(
        r"exam: (\d+) students .*: (\d+) got a workspace, (\d+) handed in, (\d+) graded, "
        r"(\d+) could not grade, (\d+) lost",
        out,
    )
    assert exam, out
    students, ready, handed_in, exam_graded, exam_failed, exam_lost = map(int, exam.groups())
    assert students == ready == handed_in == exam_graded and exam_failed == exam_lost == 0, out
