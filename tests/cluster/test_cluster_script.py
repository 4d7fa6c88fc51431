"""The cluster-up / cluster-down script itself: reuse, pid files, clean removal.

A second, separately named cluster on other ports is started and stopped
here so that the shared cluster of the other tests is left alone.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cluster.fixtures import REPO, Cluster

pytestmark = pytest.mark.cluster
SCRIPT = REPO / "cluster" / "cluster.py"


def server_port(taken: set[int]) -> int:
    """A free port below the ephemeral range (32768+).

    An OS-chosen free port is not reserved: until the server binds it, the
    kernel may hand it out as the source port of an outgoing connection
    (the API server's own connections to etcd), and the server then fails.
    """
    while True:
        port = random.randint(21000, 29999)
        if port in taken:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port


def run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


@pytest.fixture
def own_cluster_env(cluster: Cluster):
    if not cluster.local:
        pytest.skip("exercises the project's own control plane script")
    env = {**os.environ, "TUTOR_CLUSTER_NAME": f"script-test-{os.getpid()}"}
    taken: set[int] = set()
    for key in ("ETCD", "ETCD_PEER", "API", "KCM", "SCHEDULER", "KWOK"):
        env[f"TUTOR_CLUSTER_{key}_PORT"] = str(server_port(taken))
    yield env
    run(env, "down")


def pids_of(state: Path) -> dict[str, int]:
    return {p.stem: int(p.read_text()) for p in (state / "pids").glob("*.pid")}


def test_it_starts_reuses_and_stops_exactly_its_processes(own_cluster_env):
    env = own_cluster_env
    first = run(env, "up")
    assert first.returncode == 0, first.stderr
    kubeconfig = Path(first.stdout.strip().splitlines()[-1])
    assert kubeconfig.is_file()
    assert "KUBECONFIG=" in first.stderr
    state = kubeconfig.parent
    pids = pids_of(state)
    assert set(pids) == {
        "etcd",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kwok",
    }

    again = run(env, "up")
    assert again.returncode == 0, again.stderr
    assert "reusing the running cluster" in again.stderr
    assert again.stdout.strip().splitlines()[-1] == str(kubeconfig)
    assert pids_of(state) == pids

    down = run(env, "down")
    assert down.returncode == 0, down.stderr
    for pid in pids.values():
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)
    assert not state.exists()
    assert run(env, "status").returncode == 1


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


def test_it_reports_a_timeout_with_the_log_paths(own_cluster_env):
    result = run({**own_cluster_env, "TUTOR_CLUSTER_TIMEOUT": "0.01"}, "up")
    assert result.returncode == 1
    assert "timed out" in result.stderr
    assert "kube-apiserver.log" in result.stderr


def test_it_starts_afresh_after_its_processes_were_killed(own_cluster_env):
    """A reboot or a killed session leaves pid files and etcd data behind."""
    env = own_cluster_env
    first = run(env, "up")
    assert first.returncode == 0, first.stderr
    state = Path(first.stdout.strip().splitlines()[-1]).parent
    killed = pids_of(state)
    for pid in killed.values():
        os.kill(pid, 9)
    for pid in killed.values():
        while Path(f"/proc/{pid}").exists() and not _is_zombie(pid):
            time.sleep(0.05)

    again = run(env, "up")
    assert again.returncode == 0, again.stderr
    assert "stopped without cluster-down" in again.stderr
    assert set(pids_of(state).values()).isdisjoint(killed.values())
