"""Live checks: what one look costs the API server, and how soon a change shows.

1. For each lab, its solution is applied to a fresh namespace of the local
   control plane and a live look (the checks once, without waiting, through
   the reader that remembers each LIST's resourceVersion) runs 10 times,
   each next to the same LISTs and SubjectAccessReviews timed alone (goal: a
   look <= 2x the bare reads). The requests of one look, and the watches a run
   holds, are counted at the Kubernetes boundary.
3. The page's poll, in this process through Django's test client: nothing
   new (a 204) and new results (the checks rendered with their hints),
   next to /healthz through the same client.
2. A live run (labs.live_runs, in this process, on a real LiveCheck row)
   watches the webserver lab's namespace while the Service's type is
   switched 10 times, a little more than the minimum interval apart; each
   time, the seconds until the row shows the check flipped. The reference is the same run made to poll (its watches
   refused): watching should be faster than polling every
   TUTOR_LAB_LIVE_POLL_SECONDS.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.labs import _kubeconfig

GOAL_RATIO = 2.0
CHANGES = 10
LAB = "webserver"
CHECK = "web-service-nodeport"


def run() -> bool:
    kubeconfig = _kubeconfig()
    data_dir = Path(tempfile.mkdtemp(prefix="tutor-bench-live-"))
    os.environ.update(
        {
            "TUTOR_DATA_DIR": str(data_dir),
            "TUTOR_KUBECONFIG": str(kubeconfig),
            "DJANGO_SETTINGS_MODULE": "tutor.settings",
        }
    )
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("DATABASE_URL", None)
    (data_dir / "staticfiles").mkdir()  # the page poll renders no static file
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("load_content", verbosity=0)
        ok = _looks(kubeconfig)
        ok = _latency(kubeconfig) and ok
        ok = _page_polls() and ok
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return ok


@contextmanager
def _counted() -> Iterator[Counter[str]]:
    """Every request the Kubernetes boundary sends, by method (and WATCH), while inside."""
    from kube import client

    counts: Counter[str] = Counter()
    request, watch = client.Cluster.request, client.Cluster.watch

    def counted_request(self: Any, method: str, path: str, **kwargs: Any) -> Any:
        # Discovery is cached per Cluster, and every look here reuses one: a GET is a LIST.
        counts[
            "LIST" if method == "GET" else "SubjectAccessReview" if method == "POST" else method
        ] += 1
        return request(self, method, path, **kwargs)

    def counted_watch(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["WATCH"] += 1
        return watch(self, *args, **kwargs)

    client.Cluster.request = counted_request  # type: ignore[method-assign]
    client.Cluster.watch = counted_watch  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        client.Cluster.request = request  # type: ignore[method-assign]
        client.Cluster.watch = watch  # type: ignore[method-assign]


def _looks(kubeconfig: Path) -> bool:
    from engine.grading import lab as lab_grading
    from engine.grading.lab import take_snapshot
    from kube import Cluster
    from labs.grader import ClusterReader, apply_steps, grade
    from labs.live_runs import RBAC_KINDS, VersionedReader
    from tutor.content.registry import check_content

    cluster = Cluster.from_kubeconfig_file(kubeconfig)
    print()
    print("Live checks: one look at a namespace (solution applied; 10 looks each)")
    print(
        f"{'lab':26} {'look p50':>9} {'look p95':>9} {'bare reads':>11} {'ratio':>6}"
        f"  requests per look        watches held"
    )
    worst = 0.0
    for lab in check_content().sources["labs"]:
        namespace = f"bench-live-{secrets.token_hex(3)}"
        cluster.create_namespace(namespace)
        try:
            apply_steps(cluster, namespace, lab.front["solution"]["manifests"], lab.steps)
            # Converge first (as a student's namespace mostly is): Pods created, status written.
            grade(cluster, lab.checks, namespace)
            checks = [dataclasses.replace(c, eventually=0) for c in lab.checks]
            reader = VersionedReader(cluster)
            lab_grading.grade(reader, checks, namespace)  # discovery, once per run
            keys = set(reader.versions)
            access = [c for c in lab.checks if c.assertion == "access"]
            # Interleaved, so that both meet the same API server: soon after a write to
            # another kind, a LIST waits up to ~100 ms for the server's watch cache to
            # catch up (consistent reads from the cache), whoever sends it.
            looks, bare = [], []
            for _ in range(10):
                started = time.perf_counter()
                with _counted() as counts:
                    lab_grading.grade(VersionedReader(cluster), checks, namespace)
                looks.append(time.perf_counter() - started)
                started = time.perf_counter()
                take_snapshot(ClusterReader(cluster), namespace, keys)
                for _check in access:
                    cluster.can_i(
                        user="bob", groups=[], verb="list", resource="pods", namespace=namespace
                    )
                bare.append(time.perf_counter() - started)
        finally:
            cluster.delete_namespace(namespace)
        p50, base = statistics.median(looks), statistics.median(bare)
        ratio = p50 / base if base else 0.0
        worst = max(worst, ratio)
        requests = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
        watches = len(keys) + (len(RBAC_KINDS) if reader.asked_access else 0)
        print(
            f"{lab.slug:26} {p50 * 1000:8.1f}ms {sorted(looks)[-2] * 1000:8.1f}ms "
            f"{base * 1000:10.1f}ms {ratio:5.2f}x  {requests:24} {watches}"
        )
    print(f"goal: a look <= {GOAL_RATIO}x the bare reads -> worst {worst:.2f}x")
    return True


def _latency(kubeconfig: Path) -> bool:
    from django.conf import settings

    from kube import Cluster, Forbidden
    from kube import client as kube_client

    results: dict[str, list[float]] = {}
    for mode in ("watch", "poll"):
        if mode == "poll":
            real_watch = kube_client.Cluster.watch

            def refused(self: Any, *args: Any, **kwargs: Any) -> Any:
                raise Forbidden("this benchmark polls")

            kube_client.Cluster.watch = refused  # type: ignore[method-assign]
        try:
            results[mode] = _flips(Cluster.from_kubeconfig_file(kubeconfig))
        finally:
            if mode == "poll":
                kube_client.Cluster.watch = real_watch  # type: ignore[method-assign]
    print()
    print(
        f"Live checks: a change to the namespace until the run's row shows it ({CHANGES} changes; "
        f"min interval {settings.LAB_LIVE_MIN_INTERVAL} s, poll every {settings.LAB_LIVE_POLL_SECONDS} s)"
    )
    print(f"{'mode':26} {'p50':>7} {'p95':>7} {'max':>7}")
    for mode, times in results.items():
        times.sort()
        label = "watch (one per kind)" if mode == "watch" else "reference: polling"
        print(
            f"{label:26} {statistics.median(times):6.2f}s {times[int(0.95 * (len(times) - 1))]:6.2f}s "
            f"{times[-1]:6.2f}s"
        )
    print("(the page asks every 2 s on top of this)")
    return statistics.median(results["watch"]) < statistics.median(results["poll"])


def _flips(cluster: Any) -> list[float]:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from labs.grader import apply_steps
    from labs.live import live_start
    from labs.live_runs import LiveRun, Timing, claim
    from labs.models import Lab, LiveCheck
    from tutor.content.registry import check_content
    from workspaces.resolve import Where, Workspace

    source = next(lab for lab in check_content().sources["labs"] if lab.slug == LAB)
    namespace = f"bench-live-{secrets.token_hex(3)}"
    cluster.create_namespace(namespace)
    user, _ = User.objects.get_or_create(username=f"bench-{namespace}")
    lab = Lab.objects.get(slug=LAB)
    try:
        apply_steps(cluster, namespace, source.front["solution"]["manifests"], source.steps)
        live = live_start(
            user=user, lab=lab, workspace=Workspace(Where.LOCAL, namespace, True, user.pk)
        )
        claimed = claim(live.pk, str(live.run_id), worker="bench")
        assert claimed is not None
        timing = Timing.from_settings()
        runner = threading.Thread(
            target=LiveRun(claimed, timing=dataclasses.replace(timing, idle=600)).run, daemon=True
        )
        runner.start()
        _until(live.pk, lambda row: bool(row.results), 30)
        times = []
        for change in range(CHANGES):
            # A student's changes come seconds apart: past the minimum interval, each
            # change is measured on its own.
            time.sleep(timing.min_interval + 0.5)
            kind = "ClusterIP" if change % 2 == 0 else "NodePort"
            started = time.monotonic()
            cluster.patch(
                api_version="v1", kind="Service", name="web-service", namespace=namespace,
                # Back to ClusterIP, the ports lose their node port (a merge patch replaces lists).
                patch={"spec": {"type": kind, "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}]}},
            )  # fmt: skip
            passed = kind == "NodePort"
            _until(live.pk, lambda row, p=passed: _check_passed(row) is p, 30)
            times.append(time.monotonic() - started)
            LiveCheck.objects.filter(pk=live.pk).update(seen_at=timezone.now())
        LiveCheck.objects.filter(pk=live.pk).update(deadline=timezone.now())
        runner.join(timeout=15)
        return times
    finally:
        cluster.delete_namespace(namespace)


def _page_polls() -> bool:
    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    from labs.models import Lab, LiveCheck, LiveStatus

    lab = Lab.objects.get(slug=LAB)
    user, _ = User.objects.get_or_create(username="bench-poller")
    now = timezone.now()
    results = [
        {"id": c["id"], "title": c["title"], "passed": i % 2 == 0, "message": "m",
         "evidence": {"selected": 0, "objects": []}}
        for i, c in enumerate(lab.checks)
    ]  # fmt: skip
    live = LiveCheck.objects.create(
        user=user, lab=lab, namespace="default", status=LiveStatus.WATCHING, beat_at=now,
        seen_at=now, deadline=now + timedelta(hours=1), results=results, checked_at=now,
    )  # fmt: skip
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    htmx = {"HX-Request": "true"}
    cases = {
        "reference: /healthz": lambda: client.get("/healthz"),
        "poll, nothing new (204)": lambda: client.get(f"/labs/{LAB}/live?v={live.revision}", headers=htmx),
        "poll, new results (render)": lambda: client.get(f"/labs/{LAB}/live", headers=htmx),
    }  # fmt: skip
    print()
    print(
        "Live checks: the page's poll (every 2 s per open lab page), Django test client, 200 each"
    )
    print(f"{'what':30} {'p50 ms':>7} {'p95 ms':>7}")
    for name, call in cases.items():
        times = []
        for _ in range(200):
            started = time.perf_counter()
            response = call()
            times.append((time.perf_counter() - started) * 1000)
            LiveCheck.objects.filter(pk=live.pk).update(beat_at=timezone.now())
        assert response.status_code in (200, 204), response.status_code
        times.sort()
        print(f"{name:30} {statistics.median(times):7.2f} {times[189]:7.2f}")
    return True


def _check_passed(row: Any) -> bool | None:
    return next((r["passed"] for r in row.results if r["id"] == CHECK), None)


def _until(pk: int, ready: Any, timeout: float) -> None:
    from labs.models import LiveCheck

    deadline = time.monotonic() + timeout
    while not ready(LiveCheck.objects.get(pk=pk)):
        if time.monotonic() > deadline:
            raise TimeoutError("the live run did not show the change")
        time.sleep(0.05)


if __name__ == "__main__":
    import sys

    sys.exit(0 if run() else 1)
