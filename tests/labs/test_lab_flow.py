"""Labs end to end: gunicorn, real Redis, real Celery worker processes, the real cluster.

Each test drives the site over HTTP like a browser would (login form, CSRF,
htmx headers) while separate worker processes grade against the API server.
Faults are real too: a worker is killed with SIGKILL mid-grade, and Redis is
restarted (without persistence) while submissions wait in its queue.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from kube import Cluster as KubeCluster
from kube.kubeconfig import token_kubeconfig
from labs.grader import apply_steps
from tests.cluster.fixtures import REPO, Cluster, ca_data, service_account_token
from tests.conftest import free_port, manage, wait_for_port
from tests.labs.lab_fixtures import MANIFESTS, lab_root

pytestmark = pytest.mark.cluster
VENV_BIN = Path(sys.executable).parent


class Browser:
    """Just enough of a browser: cookies, the CSRF token, htmx's request header."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def _csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def get(self, path: str, *, htmx: bool = False) -> tuple[int, str, str]:
        request = urllib.request.Request(
            self.base + path, headers={"HX-Request": "true"} if htmx else {}
        )
        return self._open(request)

    def post(
        self, path: str, data: dict[str, str] | None = None, *, htmx: bool = False
    ) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self._csrf(), **(data or {})}
        ).encode()
        headers = {"Referer": self.base + path, "X-CSRFToken": self._csrf()}
        if htmx:
            headers["HX-Request"] = "true"
        return self._open(urllib.request.Request(self.base + path, data=body, headers=headers))

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, request.full_url, exc.read().decode()

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        status, url, _ = self.post("/accounts/login/", {"username": username, "password": password})
        assert status == 200 and not url.endswith("/accounts/login/"), "login failed"


@dataclass
class Stack:
    url: str
    env: dict[str, str]
    namespace: str
    data_dir: Path
    redis_port: int
    passwords: dict[str, str]
    workers: dict[str, subprocess.Popen] = field(default_factory=dict)
    redis: subprocess.Popen | None = None

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port", str(self.redis_port),
             "--save", "", "--appendonly", "no", "--dir", str(self.data_dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for_port(self.redis_port)

    def stop_redis(self) -> None:
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=10)
            self.redis = None

    def start_worker(self, name: str, *, beat: bool = True, queues: str = "") -> subprocess.Popen:
        args = [str(VENV_BIN / "celery"), "-A", "tutor", "worker", "-n", f"{name}@%h", "--concurrency", "1",
                "--loglevel", "INFO", "--without-gossip", "--without-mingle"]  # fmt: skip
        if queues:
            args += ["-Q", queues]
        if beat:
            args += ["--beat", "--schedule", str(self.data_dir / f"beat-{name}")]
        log = open(self.data_dir / f"worker-{name}.log", "ab")  # noqa: SIM115 (the process owns it)
        proc = subprocess.Popen(
            args,
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers[name] = proc
        return proc

    def kill_worker(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.workers.pop(name)
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)

    def stop_workers(self) -> None:
        for name in list(self.workers):
            self.kill_worker(name, signal.SIGTERM)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, cluster: Cluster) -> Iterator[Stack]:
    data_dir = tmp_path_factory.mktemp("lab-stack")
    root = lab_root(tmp_path_factory.mktemp("lab-content"))
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    namespace = f"t-labflow-{os.getpid()}"
    kube.create_namespace(namespace, labels={"lfs158-tutor/test": "true"})
    redis_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(data_dir),
        "TUTOR_CONTENT_ROOT": str(root),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TUTOR_KUBECONFIG": str(cluster.kubeconfig),
        "TUTOR_KUBE_CONTEXT": cluster.context or "",
        "TUTOR_LAB_NAMESPACE": namespace,
        "TUTOR_LAB_GRADE_SECONDS": "20",
        "TUTOR_LAB_QUEUED_STALE_SECONDS": "3",
        "TUTOR_REAPER_SECONDS": "2",
        # Students may bring their own cluster; only the loopback API server is allowed.
        "TUTOR_STUDENT_CLUSTERS": "1",
        "TUTOR_STUDENT_CLUSTER_ALLOWED": urllib.parse.urlsplit(kube.server).netloc,
    }
    stack = Stack(url=f"http://127.0.0.1:{web_port}", env=env, namespace=namespace, data_dir=data_dir,
                  redis_port=redis_port, passwords={})  # fmt: skip
    # Before the accounts are made: saving a user renews its pages' version in the
    # shared cache, which is this Redis.
    stack.start_redis()
    web = None
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "load_content")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        for user in ("learner", "bob"):
            manage(env, "ensure_learner", "--username", user)
            stack.passwords[user] = (data_dir / f"{user}-password").read_text().strip()
        web = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "tutor.wsgi:application", "--bind", f"127.0.0.1:{web_port}", "--workers", "2"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        wait_for_port(web_port)
        apply_steps(kube, namespace, MANIFESTS, [])
        yield stack
    finally:
        stack.stop_workers()
        if web is not None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=30)
        stack.stop_redis()
        kube.delete_namespace(namespace)
        kube.close()


def submission_path(url: str) -> str:
    return urllib.parse.urlsplit(url).path


def wait_finished(browser: Browser, path: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = browser.get(path, htmx=True)
        if status == 286:  # htmx's "stop polling": the run has ended
            return body
        assert status == 200, body[:500]
        assert time.monotonic() < deadline, f"not finished after {timeout}s:\n{body[:2000]}"
        time.sleep(0.5)


def test_check_my_work_grades_live_and_stops_polling(stack: Stack):
    stack.start_worker("one")
    try:
        learner = Browser(stack.url)
        learner.login("learner", stack.passwords["learner"])
        status, _, page = learner.get("/labs/demo/")
        assert status == 200 and "Check my work" in page and stack.namespace in page
        status, _, partial = learner.post("/labs/demo/check", htmx=True)
        assert status == 200
        assert (
            partial.lstrip().startswith('<section id="lab-result"')
            and 'hx-trigger="every 1s"' in partial
        )
        path = re.search(r'hx-get="([^"]+)"', partial).group(1)
        final = wait_finished(learner, path)
        assert "7 / 7 points" in final and "All checks pass" in final, final
        assert final.count("rule-passed") == 6 and "hx-trigger" not in final
        # Without JavaScript: the same button posts and redirects to the result page.
        status, url, _body = learner.post("/labs/demo/check")
        assert status == 200 and "/labs/demo/submissions/" in url
    finally:
        stack.stop_workers()


def test_a_double_click_makes_one_submission(stack: Stack):
    learner = Browser(stack.url)
    learner.login("learner", stack.passwords["learner"])
    # No worker runs: the first submission stays queued, the second click finds it.
    _, first, _ = learner.post("/labs/slow/check")
    _, second, _ = learner.post("/labs/slow/check")
    assert submission_path(first) == submission_path(second)
    stack.start_worker("two")
    try:
        wait_finished(learner, submission_path(first))
    finally:
        stack.stop_workers()


def test_students_cannot_see_each_others_submissions(stack: Stack):
    learner, bob = Browser(stack.url), Browser(stack.url)
    learner.login("learner", stack.passwords["learner"])
    bob.login("bob", stack.passwords["bob"])
    _, url, _ = learner.post("/labs/demo/check")
    own = submission_path(url)
    assert learner.get(own)[0] == 200
    assert bob.get(own)[0] == 404
    assert bob.get(own, htmx=True)[0] == 404
    assert own not in bob.get("/labs/demo/")[2]
    anonymous = Browser(stack.url)
    _status, login_url, _ = anonymous.get(own)
    assert "/accounts/login/" in login_url
    stack.start_worker("three")
    try:
        wait_finished(learner, own)
    finally:
        stack.stop_workers()


def test_a_worker_killed_mid_grade_loses_nothing(stack: Stack):
    learner = Browser(stack.url)
    learner.login("learner", stack.passwords["learner"])
    stack.start_worker("doomed")
    _, url, _ = learner.post("/labs/slow/check")
    path = submission_path(url)
    deadline = time.monotonic() + 60
    while "Checking your namespace" not in learner.get(path, htmx=True)[2]:
        assert time.monotonic() < deadline, "the submission never started"
        time.sleep(0.2)
    stack.kill_worker("doomed")  # SIGKILL to the whole worker: no chance to clean up
    stack.start_worker("survivor")
    try:
        final = wait_finished(learner, path, timeout=120)
        assert "Checked" in final and "After waiting 12 s:" in final
    finally:
        stack.stop_workers()


def test_a_redis_restart_loses_no_queued_submission(stack: Stack):
    learner, bob = Browser(stack.url), Browser(stack.url)
    learner.login("learner", stack.passwords["learner"])
    bob.login("bob", stack.passwords["bob"])
    paths = []
    for browser in (learner, bob):
        for lab in ("demo", "slow"):
            _, url, _ = browser.post(f"/labs/{lab}/check")
            paths.append((browser, submission_path(url)))
    # The messages are in Redis only; a restart without persistence drops them.
    stack.stop_redis()
    stack.start_redis()
    stack.start_worker("after-restart")
    try:
        for browser, path in paths:
            final = wait_finished(browser, path, timeout=150)
            assert "Checked" in final, final
    finally:
        stack.stop_workers()


def own_cluster_kubeconfig(kube: KubeCluster, cluster: Cluster, namespace: str) -> str:
    """What a student with their own cluster uploads: a token for a namespace admin, inline CA."""
    token = service_account_token(kube, namespace, "me", "admin")
    config = token_kubeconfig(
        server=kube.server, token=token, ca_data=ca_data(cluster), namespace=namespace,
        cluster="mine", user="me", context="mine",
    )  # fmt: skip
    return yaml.safe_dump(config)


def test_a_students_own_cluster_is_graded_by_a_worker_with_their_credentials(
    stack: Stack, cluster: Cluster
):
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    own = f"t-own-{os.getpid()}"
    kube.create_namespace(own, labels={"lfs158-tutor/test": "true"})
    learner = Browser(stack.url)
    learner.login("learner", stack.passwords["learner"])
    # Students' own clusters are graded and tested on a queue of their own.
    stack.start_worker("own", queues="celery,student-clusters")
    try:
        apply_steps(kube, own, MANIFESTS, [])
        text = own_cluster_kubeconfig(kube, cluster, own)
        status, _, page = learner.post("/labs/my-cluster/", {"kubeconfig": text})
        assert status == 200 and "testing the connection" in page, page
        deadline = time.monotonic() + 60
        while "answered, Kubernetes v1." not in page and time.monotonic() < deadline:
            time.sleep(0.5)
            status, _, page = learner.get("/labs/my-cluster/")
        assert "answered, Kubernetes v1." in page, page
        assert text.split("token: ")[1].split()[0] not in page
        status, _, page = learner.get("/labs/demo/")
        assert "Your own cluster:" in page and own in page
        _, url, _ = learner.post("/labs/demo/check")
        final = wait_finished(learner, submission_path(url))
        # The namespace's objects are the student's to read; the RBAC questions are not.
        assert "5 / 7 points" in final, final
        assert "may not create SubjectAccessReviews" in final
    finally:
        learner.post("/labs/my-cluster/delete")
        stack.stop_workers()
        kube.delete_namespace(own)
        kube.close()
