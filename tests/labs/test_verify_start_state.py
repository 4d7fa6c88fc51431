"""verify_labs on a lab that starts broken: the start state comes first, in every scenario."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cluster.fixtures import REPO, Cluster
from tests.labs.start_state_fixtures import lab_data, write_start_state_lab

pytestmark = pytest.mark.cluster


def verify(cluster: Cluster, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    options = ["--kubeconfig", str(cluster.kubeconfig)] + (
        ["--context", cluster.context] if cluster.context else []
    )
    return subprocess.run(
        [sys.executable, "manage.py", "verify_labs", "--mistake-wait", "3", *args, *options],
        cwd=REPO, env={**os.environ, "TUTOR_CONTENT_ROOT": str(root)},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_every_scenario_starts_from_the_start_state(cluster, tmp_path):
    write_start_state_lab(tmp_path)
    result = verify(cluster, tmp_path, "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    [lab] = json.loads(result.stdout)["labs"]
    assert lab["solution"] == {"passed": True, "failed_checks": []}
    assert lab["start_state"] == {"failed_checks": ["endpoints", "selects"], "ok": True}
    # Each alternative plays on the start state: an apply, a kubectl patch, a delete (which
    # waits until the Service is gone) then kubectl expose.
    assert lab["alternatives"] == [
        {"name": name, "passed": True, "failed_checks": [], "ok": True}
        for name in (
            "applied a corrected Service",
            "patched with kubectl",
            "deleted the Service and exposed the Deployment again",
        )
    ]
    assert [m["ok"] for m in lab["mistakes"]] == [True, True, True]


def test_an_alternative_that_does_not_fix_the_fault_fails_verification(cluster, tmp_path):
    data = lab_data()
    data["alternatives"].append({"name": "only looked at it", "steps": []})
    write_start_state_lab(tmp_path, alternatives=data["alternatives"])
    result = verify(cluster, tmp_path, "--format", "json")
    assert result.returncode == 1
    [lab] = json.loads(result.stdout)["labs"]
    assert not lab["ok"]
    assert lab["alternatives"][3] == {
        "name": "only looked at it", "passed": False, "failed_checks": ["endpoints", "selects"], "ok": False,
    }  # fmt: skip
    text = verify(cluster, tmp_path)
    assert "alternative 'only looked at it': fails ['endpoints', 'selects']" in text.stdout


def test_a_start_state_that_is_already_right_is_reported(cluster, tmp_path):
    fixed = lab_data()["start_state"]["manifests"].replace("app: wbe", "app: web")
    write_start_state_lab(tmp_path, start_state={"manifests": fixed})
    result = verify(cluster, tmp_path, "--format", "json")
    [lab] = json.loads(result.stdout)["labs"]
    assert result.returncode == 1 and lab["start_state"] == {"failed_checks": [], "ok": False}
