"""The tutor as `make run` serves it, for live checks: gunicorn, a grading worker, a live worker.

The broker is `make run`'s own (a folder: no server), the cluster the test
cluster, the course a small one written here: one chapter with a lab whose
checks have sections and hint ladders. Used by tests/labs/test_live_runs.py
and tests/browser/test_live_journey.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kube import Cluster as KubeCluster
from tests.cluster.fixtures import REPO, Cluster
from tests.conftest import free_port, manage
from tests.lessons.factories import write_chapter

VENV_BIN = Path(sys.executable).parent
LAB = "live-demo"

CHAPTER_BODY = """Intro.

## Deployments

A Deployment keeps a number of Pods running.

## Services

A Service selects Pods by their labels.

## Who may do what

A Role lists what may be done; a RoleBinding grants it.
"""

CHECKS = [
    {"id": "web", "title": "The Deployment web exists", "select": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
     "count": {"equals": 1}, "section": "deployments", "hint": "Its name must be `web`.",
     "ladder": {"concept": "A Deployment creates a ReplicaSet, which creates the Pods.",
                "solution": "```console\n$ kubectl create deployment web --image=nginx:1.27 --replicas=2\n```"}},
    {"id": "ready", "title": "web has 2 ready replicas", "points": 2, "select": {"kind": "Deployment", "name": "web"},
     "expr": "status.readyReplicas", "min": 2, "eventually": 20, "section": "deployments"},
    {"id": "selects", "title": "The Service web selects the Pods of web", "select": {"kind": "Service", "name": "web"},
     "selects": {"kind": "Deployment", "name": "web"}, "section": "services",
     "ladder": {"nudge": "Compare the Service's selector with the Pods' labels.",
                "solution": "`kubectl expose deployment web --port 80`"}},
    {"id": "bob-lists", "title": "bob may list Pods", "access": {"user": "bob", "verb": "list", "resource": "pods", "allowed": True},
     "section": "who-may-do-what"},
]  # fmt: skip

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: {app}
  ports:
    - port: 80
"""

RBAC = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
rules:
  - apiGroups: [""]
    resources: ["pods"]
    verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bob-reads-pods
subjects:
  - kind: User
    name: bob
    apiGroup: rbac.authorization.k8s.io
roleRef:
  kind: Role
  name: pod-reader
  apiGroup: rbac.authorization.k8s.io
"""


def write_course(root: Path) -> Path:
    chapter = write_chapter(root, "01-demo", number=1, body=CHAPTER_BODY)
    folder = chapter.parent / "labs" / LAB
    folder.mkdir(parents=True)
    solution = DEPLOYMENT + "---\n" + SERVICE.format(app="web") + "---\n" + RBAC
    lab = {
        "uuid": str(uuid.uuid4()), "title": "Live demo", "estimated_minutes": 10,
        "kubernetes_versions": ["1.35"], "checks": CHECKS, "solution": {"manifests": solution},
        "alternatives": [
            {"name": "kubectl commands", "steps": [
                {"kubectl": "kubectl create deployment web --image=nginx:1.27 --replicas=2"},
                {"kubectl": "kubectl expose deployment web --port=80"},
                {"kubectl": "kubectl create role pod-reader --verb=get,list --resource=pods"},
                {"kubectl": "kubectl create rolebinding bob-reads-pods --role=pod-reader --user=bob"}]},
            {"name": "one document at a time", "steps": [{"apply": doc} for doc in solution.split("---\n")]},
            {"name": "the Service in flow style", "manifests": solution.replace(
                SERVICE.format(app="web"),
                "{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80}]}}\n")},
        ],
        "mistakes": [
            {"name": "nothing", "manifests": "", "failed_checks": ["web", "ready", "selects", "bob-lists"]},
            {"name": "wrong selector", "manifests": solution.replace("app: web\n  ports", "app: wbe\n  ports"),
             "failed_checks": ["selects"]},
            {"name": "no RoleBinding", "manifests": solution.rsplit("---\n", 1)[0], "failed_checks": ["bob-lists"]},
        ],
    }  # fmt: skip
    (folder / "lab.yaml").write_text(yaml.safe_dump(lab, sort_keys=False))
    (folder / "instructions.md").write_text(
        "## Steps\n\nCreate the Deployment `web`, then the Service `web`.\n"
    )
    return root


@dataclass
class LiveStack:
    url: str
    env: dict[str, str]
    namespace: str
    data_dir: Path
    password: str
    kube: KubeCluster
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, args: list[str]) -> None:
        log = open(self.data_dir / f"{name}.log", "ab")  # noqa: SIM115 (the process owns it)
        self.processes[name] = subprocess.Popen(
            args, cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def stop(self, name: str) -> None:
        proc = self.processes.pop(name)
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def log(self, name: str) -> str:
        return (self.data_dir / f"{name}.log").read_text(errors="replace")

    def apply(self, manifests: str) -> None:
        self.kube.apply(manifests, self.namespace)

    def shell(self, code: str) -> str:
        """What ``code`` prints last, run by manage.py shell on the stack's database."""
        return manage(self.env, "shell", "-c", code).strip().splitlines()[-1]


def live_stack(tmp_path_factory, cluster: Cluster, *, name: str) -> Iterator[LiveStack]:  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp(f"{name}-data")
    root = write_course(tmp_path_factory.mktemp(f"{name}-content"))
    kube = KubeCluster.from_kubeconfig_file(cluster.kubeconfig, context=cluster.context)
    namespace = f"t-{name}-{uuid.uuid4().hex[:6]}"
    kube.create_namespace(namespace, labels={"lfs158-tutor/test": "true"})
    port = free_port()
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(data_dir),
        "TUTOR_CONTENT_ROOT": str(root),
        "TUTOR_KUBECONFIG": str(cluster.kubeconfig),
        "TUTOR_KUBE_CONTEXT": cluster.context or "",
        "TUTOR_LAB_NAMESPACE": namespace,
        "TUTOR_LAB_GRADE_SECONDS": "40",
        # Short bounds, so that the tests see them work.
        "TUTOR_LAB_LIVE_SECONDS": "120",
        "TUTOR_LAB_LIVE_IDLE_SECONDS": "6",
        "TUTOR_LAB_LIVE_MIN_INTERVAL": "1",
        "TUTOR_LAB_LIVE_POLL_SECONDS": "2",
        "TUTOR_STUDENT_CLUSTERS": "1",
        # Allow-list entries carry a port (443 and 6443 without one): the API server's.
        "TUTOR_STUDENT_CLUSTER_ALLOWED": urllib.parse.urlsplit(kube.server).netloc,
    }
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_content")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "ensure_learner", "--url", f"http://127.0.0.1:{port}")
    stack = LiveStack(
        url=f"http://127.0.0.1:{port}", env=env, namespace=namespace, data_dir=data_dir,
        password=(data_dir / "learner-password").read_text().strip(), kube=kube,
    )  # fmt: skip
    celery = str(VENV_BIN / "celery")
    stack.start("web", [str(VENV_BIN / "gunicorn"), "tutor.wsgi:application", "--bind", f"127.0.0.1:{port}",
                        "--workers", "2", "--threads", "4"])  # fmt: skip
    # The grader also takes the students' clusters' queue (connection tests, their gradings).
    stack.start("grader", [celery, "-A", "tutor", "worker", "-n", "grader@%h", "--concurrency", "1",
                           "-Q", "celery,student-clusters",
                           "--loglevel", "INFO", "--without-gossip", "--without-mingle"])  # fmt: skip
    stack.start("live", [celery, "-A", "tutor", "worker", "-Q", "live", "-P", "threads", "-c", "4",
                         "-n", "live@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle"])  # fmt: skip
    try:
        wait_until_ready(stack.url)
        yield stack
    finally:
        for process in list(stack.processes):
            stack.stop(process)
        kube.delete_namespace(namespace)
        kube.close()


def wait_until_ready(url: str, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the tutor at {url} did not start")
        time.sleep(0.2)


def path_of(url: str) -> str:
    return urllib.parse.urlsplit(url).path
