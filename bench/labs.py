"""Lab grading: latency per lab against the bare API reads it needs, and a queue drain.

1. For each lab, its reference solution is applied to a fresh namespace of
   the local control plane, then it is graded 10 times; the reference is
   the same LISTs and SubjectAccessReviews the grader makes, timed alone.
   Goal: grading <= 2x the bare reads.
2. 300 submissions are queued at once in a real Redis and drained by 2
   Celery worker processes (goal: <= 60 s, none lost); the workers'
   resident memory is sampled from /proc.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GOAL_RATIO = 2.0
GOAL_DRAIN_SECONDS = 60
SUBMISSIONS = 300
DRAIN_LAB = "webserver"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _kubeconfig() -> Path:
    result = subprocess.run(
        [sys.executable, str(REPO / "cluster" / "cluster.py"), "up"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(result.stdout.strip().splitlines()[-1])


def run() -> bool:
    kubeconfig = _kubeconfig()
    data_dir = Path(tempfile.mkdtemp(prefix="tutor-bench-labs-"))
    redis_port = _port()
    os.environ.update(
        {
            "TUTOR_DATA_DIR": str(data_dir),
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "TUTOR_KUBECONFIG": str(kubeconfig),
            "DJANGO_SETTINGS_MODULE": "tutor.settings",
        }
    )
    redis = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1", "--port", str(redis_port),
         "--save", "", "--appendonly", "no", "--dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_content", verbosity=0)
        ok = _latency(kubeconfig)
        ok = _drain(kubeconfig) and ok
    finally:
        redis.terminate()
        redis.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    return ok


def _latency(kubeconfig: Path) -> bool:
    import secrets

    from engine.grading.lab import reads_of, take_snapshot
    from kube import Cluster
    from labs.grader import ClusterReader, apply_steps, grade
    from tutor.content.registry import check_content

    labs = check_content().sources["labs"]
    cluster = Cluster.from_kubeconfig_file(kubeconfig)
    print()
    print("Lab grading latency on the local control plane (solution applied; 10 runs each)")
    print(f"{'lab':28} {'grade p50':>10} {'grade p95':>10} {'bare reads':>11} {'ratio':>6}")
    ratios = []
    for lab in labs:
        namespace = f"bench-{lab.slug[:40]}-{secrets.token_hex(3)}"
        cluster.create_namespace(namespace)
        try:
            apply_steps(cluster, namespace, lab.manifests, lab.steps)
            grade(
                cluster, lab.checks, namespace
            )  # converge first: eventually-checks then pass at once
            runs = []
            for _ in range(10):
                started = time.perf_counter()
                grade(cluster, lab.checks, namespace)
                runs.append(time.perf_counter() - started)
            keys = reads_of(lab.checks)
            # One SubjectAccessReview per question an access check asks.
            access = [q for c in lab.checks if c.assertion == "access" for q in c.compiled]
            bare = []
            for _ in range(10):
                started = time.perf_counter()
                take_snapshot(ClusterReader(cluster), namespace, keys)
                for _check in access:
                    cluster.can_i(
                        user="bob", groups=[], verb="list", resource="pods", namespace=namespace
                    )
                bare.append(time.perf_counter() - started)
        finally:
            cluster.delete_namespace(namespace)
        p50, base = statistics.median(runs), statistics.median(bare)
        ratio = p50 / base if base else 0
        ratios.append(ratio)
        print(
            f"{lab.slug:28} {p50 * 1000:9.1f}ms {sorted(runs)[-1] * 1000:9.1f}ms {base * 1000:10.1f}ms {ratio:5.2f}x"
        )
    worst = max(ratios) if ratios else 0
    print(f"goal: grading <= {GOAL_RATIO}x the bare reads -> worst {worst:.2f}x")
    return True


def _rss_kib(pid: int) -> int:
    total = 0
    for child in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(k) for k in kids] + [g for k in kids for g in _children(int(k))]


def _drain(kubeconfig: Path) -> bool:
    import secrets

    from django.contrib.auth.models import User

    from kube import Cluster
    from labs.grader import apply_steps, grade
    from labs.models import Lab, LabSubmission
    from tutor.content.registry import check_content

    # The webserver lab with its solution in place: every submission is a
    # full grading run (snapshot, checks, results written) and none waits.
    source = next(lab for lab in check_content().sources["labs"] if lab.slug == DRAIN_LAB)
    lab = Lab.objects.get(slug=DRAIN_LAB)
    cluster = Cluster.from_kubeconfig_file(kubeconfig)
    namespace = f"bench-drain-{secrets.token_hex(3)}"
    cluster.create_namespace(namespace)
    try:
        apply_steps(cluster, namespace, source.manifests, source.steps)
        grade(cluster, source.checks, namespace)
        user, _ = User.objects.get_or_create(username="bench")
        rows = LabSubmission.objects.bulk_create(
            LabSubmission(user=user, lab=lab, namespace=namespace, max_score=lab.max_score)
            for _ in range(SUBMISSIONS)
        )
        return _drain_rows(lab, user, rows)
    finally:
        cluster.delete_namespace(namespace)


def _drain_rows(lab: Any, user: Any, rows: list[Any]) -> bool:
    from labs.models import LabSubmission, SubmissionStatus
    from labs.tasks import grade_submission

    ids = list(LabSubmission.objects.filter(user=user).values_list("pk", flat=True))
    started = time.perf_counter()
    for pk in ids:
        grade_submission.delay(pk)
    workers = [
        subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "tutor",
                "worker",
                "-n",
                f"bench{i}@%h",
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=REPO,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for i in range(2)
    ]
    peak = 0
    try:
        deadline = started + 300
        while time.perf_counter() < deadline:
            left = (
                LabSubmission.objects.filter(pk__in=ids)
                .exclude(status__in=[SubmissionStatus.DONE, SubmissionStatus.ERROR])
                .count()
            )
            peak = max(peak, *(_rss_kib(w.pid) for w in workers))
            if left == 0:
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
    done = LabSubmission.objects.filter(pk__in=ids, status=SubmissionStatus.DONE).count()
    errors = LabSubmission.objects.filter(pk__in=ids, status=SubmissionStatus.ERROR).count()
    unfinished = len(rows) - done - errors
    print()
    print(
        f"Queue drain: {SUBMISSIONS} submissions of lab {lab.slug!r}, 2 worker processes, Redis broker"
    )
    print(
        f"{'drained in':>12} {'per second':>11} {'done':>6} {'errors':>7} {'unfinished':>11} {'worker RSS (peak, incl. pool)':>31}"
    )
    print(
        f"{elapsed:11.1f}s {len(ids) / elapsed:11.1f} {done:6d} {errors:7d} {unfinished:11d} {peak / 1024:28.0f} MiB"
    )
    print(
        f"goal: <= {GOAL_DRAIN_SECONDS} s and none lost -> {elapsed:.1f} s, {unfinished} unfinished"
    )
    return unfinished == 0
