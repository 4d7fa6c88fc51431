"""Exams end to end with real processes: gunicorn, Redis, Celery workers (with beat), the cluster.

A student starts the exam over HTTP, a worker prepares the namespace, the
student's work goes into it, and then the worker is killed with SIGKILL the
moment the exam is handed in; another worker grades it, nothing is lost.
And an attempt whose time runs out while nobody hands it in is handed in
and graded by the workers alone (their periodic reaper).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.parse
from collections.abc import Iterator

import pytest

from kube import Cluster as KubeCluster
from tests.cluster.fixtures import Cluster
from tests.conftest import free_port, manage, wait_for_port
from tests.exams.factories import exam_data, write_exam
from tests.labs.lab_fixtures import MANIFESTS, lab_root
from tests.labs.test_lab_flow import VENV_BIN, Browser, Stack

pytestmark = pytest.mark.cluster
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMESPACE = re.compile(r'<code id="exam-namespace">([a-z0-9-]+)</code>')


@pytest.fixture(scope="module")
def exam_stack(tmp_path_factory: pytest.TempPathFactory, cluster: Cluster) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("exam-stack")
    root = lab_root(tmp_path_factory.mktemp("exam-content"))
    write_exam(root, exam_data())
    redis_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(data_dir),
        "TUTOR_CONTENT_ROOT": str(root),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TUTOR_KUBECONFIG": str(cluster.kubeconfig),
        "TUTOR_KUBE_CONTEXT": cluster.context or "",
        "TUTOR_MODE": "local",
        "TUTOR_LAB_GRADE_SECONDS": "20",
        "TUTOR_LAB_QUEUED_STALE_SECONDS": "3",
        "TUTOR_REAPER_SECONDS": "2",
    }
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_content")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "ensure_learner", "--username", "learner")
    passwords = {"learner": (data_dir / "learner-password").read_text().strip()}
    stack = Stack(url=f"http://127.0.0.1:{web_port}", env=env, namespace="", data_dir=data_dir,
                  redis_port=redis_port, passwords=passwords)  # fmt: skip
    stack.start_redis()
    web = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "tutor.wsgi:application", "--bind", f"127.0.0.1:{web_port}", "--workers", "2"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    wait_for_port(web_port)
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    try:
        yield stack
    finally:
        stack.stop_workers()
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=30)
        stack.stop_redis()
        names = manage(env, "shell", "--no-imports", "-c", "from exams.models import ExamAttempt\n"
                       "print(' '.join(ExamAttempt.objects.values_list('namespace', flat=True)))")  # fmt: skip
        for name in names.split():
            kube.delete_namespace(name)
        kube.close()


def started(browser: Browser, timeout: float = 60) -> tuple[str, str]:
    """Start the exam; wait for the worker to prepare the namespace. (attempt path, namespace)"""
    _, url, page = browser.post("/exams/demo-practical/start")
    path = urllib.parse.urlsplit(url).path
    deadline = time.monotonic() + timeout
    while (found := NAMESPACE.search(page)) is None:
        assert time.monotonic() < deadline, page[-2000:]
        time.sleep(0.5)
        _, _, page = browser.get(path)
    return path, found.group(1)


def wait_graded(browser: Browser, path: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while True:
        _, _, page = browser.get(path)
        if "score-heading" in page:
            return page
        assert time.monotonic() < deadline, page[-2000:]
        time.sleep(1)


def do_the_work(kube: KubeCluster, namespace: str) -> None:
    kube.apply(MANIFESTS, namespace)
    deadline = time.monotonic() + 60
    while True:
        [deployment] = kube.list_objects("apps/v1", "Deployment", namespace)
        if (deployment.get("status") or {}).get("readyReplicas") == 2:
            return
        assert time.monotonic() < deadline, "web never got 2 ready replicas"
        time.sleep(0.5)


def test_a_worker_killed_at_hand_in_loses_no_exam(exam_stack: Stack, cluster: Cluster):
    learner = Browser(exam_stack.url)
    learner.login("learner", exam_stack.passwords["learner"])
    exam_stack.start_worker("doomed")
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    try:
        path, namespace = started(learner)
        do_the_work(kube, namespace)
        status, _, page = learner.post(f"{path}submit")
        assert status == 200 and "Handed in" in page
        exam_stack.kill_worker("doomed")  # SIGKILL, at the hand-in: no chance to clean up
        exam_stack.start_worker("survivor")
        final = wait_graded(learner, path)
        assert "100% — passed" in final, final[-3000:]
        assert final.count("rule-passed") == 5
    finally:
        exam_stack.stop_workers()
        kube.close()


def test_an_attempt_whose_time_runs_out_is_handed_in_and_graded_by_the_workers(
    exam_stack: Stack, cluster: Cluster
):
    learner = Browser(exam_stack.url)
    learner.login("learner", exam_stack.passwords["learner"])
    exam_stack.start_worker("clock")
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    try:
        path, namespace = started(learner)
        kube.apply(MANIFESTS.rsplit("---\n", 1)[0], namespace)  # mid-task: no RoleBinding yet
        attempt_id = path.rstrip("/").rsplit("/", 1)[1]
        # The clock runs out now (an exam lasts at least 5 minutes: we move its deadline).
        manage(exam_stack.env, "shell", "--no-imports", "-c",
               "from datetime import timedelta\nfrom django.utils import timezone\n"
               "from exams.models import ExamAttempt\n"
               f"ExamAttempt.objects.filter(pk={attempt_id}).update(deadline=timezone.now() - timedelta(seconds=1))")  # fmt: skip
        # Nobody opens the page: the workers' reaper hands it in and grades it.
        deadline = time.monotonic() + 90
        while True:
            state = manage(exam_stack.env, "shell", "--no-imports", "-c",
                           f"from exams.models import ExamAttempt\nprint(ExamAttempt.objects.get(pk={attempt_id}).status)")  # fmt: skip
            if state.strip() == "graded":
                break
            assert time.monotonic() < deadline, state
            time.sleep(2)
        final = wait_graded(learner, path)
        assert "when the time ran out" in final
        assert "bob may list pods" in final and "rule-failed" in final  # the missing RoleBinding
    finally:
        exam_stack.stop_workers()
        kube.close()
