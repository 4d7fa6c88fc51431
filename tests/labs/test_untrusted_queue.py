"""A slow student's cluster never holds the workers that grade on the class's cluster.

Real processes: Redis, a worker on the default queue, a worker on the
students' clusters' queue (as `make run`, compose and the Kubernetes
manifests start them), and a student's "cluster" that drips one byte at a
time. Two students grade on it; a third grades on the tutor's cluster. The
third is answered at once, the two end as "could not grade" within the run
budget, and nothing stays "checking".
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, manage
from tests.kube.test_poison_clusters import drip, serve_raw
from tests.kube.test_untrusted_clusters import self_signed

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(180)]
VENV_BIN = Path(sys.executable).parent
BUDGET = 6


def shell(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", textwrap.dedent(code)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def workers(redis_url: str, tmp_path: Path) -> Iterator[tuple[dict[str, str], int]]:
    tls = self_signed(tmp_path)
    for port in serve_raw(lambda c: drip(c, b"HTTP/1.1 200 OK\r\nX: " + b"a" * 2000, 0.5), tls):
        env = {
            **os.environ,
            "TUTOR_DATA_DIR": str(tmp_path / "data"),
            "REDIS_URL": redis_url.rsplit("/", 1)[0] + "/7",
            "TUTOR_STUDENT_CLUSTERS": "1",
            "TUTOR_STUDENT_CLUSTER_ALLOWED": f"127.0.0.1:{port}",
            "TUTOR_STUDENT_CLUSTER_GRADE_SECONDS": str(BUDGET),
            # The tutor's own cluster: an unusable kubeconfig, so its gradings end at once.
            "TUTOR_KUBECONFIG": str(tmp_path / "class.kubeconfig"),
        }
        (tmp_path / "class.kubeconfig").write_text("not: a kubeconfig\n")
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "load_content")
        procs = []
        for name, queue in (("shared", "celery"), ("student-clusters", "student-clusters")):
            log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (the process owns it)
            procs.append(
                subprocess.Popen(
                    [
                        str(VENV_BIN / "celery"),
                        "-A",
                        "tutor",
                        "worker",
                        "-Q",
                        queue,
                        "-n",
                        f"{name}@%h",
                        "--concurrency",
                        "1",
                        "--without-gossip",
                        "--without-mingle",
                        "--loglevel",
                        "INFO",
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        ca = base64.b64encode(tls[0].read_bytes()).decode()
        env["TEST_DRIP_PORT"], env["TEST_DRIP_CA"] = str(port), ca
        try:
            yield env, port
        finally:
            for proc in procs:
                os.killpg(proc.pid, signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


SETUP = """
import os, json, yaml
from django.contrib.auth.models import User
from core import crypto
from labs.models import Lab, LabSubmission
from labs.tasks import grade_submission_enqueue
from workspaces.models import StudentCluster
port, ca = os.environ["TEST_DRIP_PORT"], os.environ["TEST_DRIP_CA"]
lab = Lab.objects.filter(is_published=True).order_by("slug").first()
ids = {}
for name in ("ann", "ben"):
    user = User.objects.create_user(name)
    config = {"apiVersion": "v1", "kind": "Config",
              "clusters": [{"name": "c", "cluster": {"server": f"https://127.0.0.1:{port}",
                                                     "certificate-authority-data": ca}}],
              "users": [{"name": "u", "user": {"token": "t"}}],
              "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", "namespace": "labs"}}],
              "current-context": "x"}
    StudentCluster.objects.create(user=user, kubeconfig_encrypted=crypto.encrypt(yaml.safe_dump(config)),
                                  context="x", server=f"https://127.0.0.1:{port}", namespace="labs")
    s = LabSubmission.objects.create(user=user, lab=lab, namespace="labs", on_student_cluster=True)
    grade_submission_enqueue(s.pk, on_student_cluster=True)
    ids[name] = s.pk
cid = User.objects.create_user("cid")
s = LabSubmission.objects.create(user=cid, lab=lab, namespace="default")
grade_submission_enqueue(s.pk, on_student_cluster=False)
ids["cid"] = s.pk
print(json.dumps(ids))
"""

STATE = """
import json
from labs.models import LabSubmission
print(json.dumps({s.user.username: [s.status, s.error[:200] + " | " + s.error_detail[:200]] for s in LabSubmission.objects.all()}))
"""


def test_the_class_keeps_being_graded_while_students_clusters_drip(workers):
    env, _ = workers
    shell(env, SETUP)
    started = time.monotonic()
    states: dict[str, list[str]] = {}
    cid_done = None
    while time.monotonic() - started < 90:
        states = json.loads(shell(env, STATE))
        if cid_done is None and states["cid"][0] in ("done", "error"):
            cid_done = time.monotonic() - started
        if all(state in ("done", "error") for state, _ in states.values()):
            break
        time.sleep(0.5)
    total = time.monotonic() - started
    # The class's submission did not wait behind the dripping clusters.
    assert cid_done is not None and states["cid"][0] == "error"
    assert "this is not a kubeconfig" in states["cid"][1], states
    # Each dripping cluster held the students' worker for at most its budget, one after the other.
    for name in ("ann", "ben"):
        assert states[name][0] == "error" and "could not be checked" in states[name][1], states
    assert cid_done < BUDGET, (cid_done, states)
    assert total < 2 * BUDGET + 30, (total, states)
