"""Manifest validation speed, next to kubernetes-validate --strict on the same files.

Per manifest: parse + schema + API-server rules + cross-document hints, with
line numbers (ours) against kubernetes-validate's strict mode (PyYAML's
loader plus its JSON Schema validation, the way its command line works).
Also the as-you-type round trip through the web app, and the YAML bomb.
"""

from __future__ import annotations

import contextlib
import socket
import statistics
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import kubernetes_validate
import yaml

from bench.http import tutor
from engine.manifests import validate_text

REPO = Path(__file__).resolve().parent.parent
GOAL_SPEEDUP = 20
GOAL_P50_MS = 0.3
GOAL_ROUND_TRIP_MS = 100
GOAL_BOMB_MS = 50

DEPLOYMENT_40 = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: webserver
  namespace: default
  labels:
    app: nginx
    tier: frontend
  annotations:
    kubernetes.io/change-cause: "nginx 1.27"
spec:
  replicas: 3
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app: nginx
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app: nginx
        tier: frontend
    spec:
      containers:
        - name: webserver
          image: nginx:1.27
          ports:
            - containerPort: 80
              name: http
          readinessProbe:
            httpGet: {path: /, port: http}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 500m, memory: 128Mi}
"""


def _samples(fn: Callable[[], object], seconds: float = 1.5, min_runs: int = 50) -> list[float]:
    times: list[float] = []
    deadline = time.perf_counter() + seconds
    while len(times) < min_runs or time.perf_counter() < deadline:
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def _theirs(text: str) -> None:
    for doc in yaml.safe_load_all(text):
        if doc:
            # Invalid manifests cost the same to check; the verdict is not the point.
            with contextlib.suppress(kubernetes_validate.ValidationError):
                kubernetes_validate.validate(doc, "1.35.0", strict=True)


def _ours(text: str) -> None:
    validate_text(text, kubernetes_version="1.35")


def _solutions() -> list[str]:
    texts = []
    for path in sorted((REPO / "content" / "chapters").glob("*/exercises/*.yaml")):
        texts.append(yaml.safe_load(path.read_text())["solution"])
    return texts


def _multi_200() -> str:
    docs, lines = [], 0
    texts = _solutions()
    while lines < 200:
        for text in texts:
            docs.append(text.strip("\n"))
            lines += text.count("\n") + 1
            if lines >= 200:
                break
    return "\n---\n".join(docs) + "\n"


def _bomb() -> str:
    text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 12):
        refs = ", ".join([f"*{chr(96 + i)}"] * 9)
        text += f"{chr(97 + i)}: &{chr(97 + i)} [{refs}]\n"
    return text


def _row(label: str, ours: list[float], theirs: list[float] | None, per: int = 1) -> str:
    p50 = statistics.median(ours) / per * 1e6
    p99 = sorted(ours)[int(len(ours) * 0.99) - 1] / per * 1e6
    if theirs is None:
        return f"{label:38} {p50:10.0f} {p99:10.0f} {'-':>12} {'-':>8}"
    their = statistics.median(theirs) / per * 1e6
    return f"{label:38} {p50:10.0f} {p99:10.0f} {their:12.0f} {their / p50:7.1f}x"


def run() -> bool:
    solutions = _solutions()
    multi = _multi_200()
    print()
    print("Manifest validation: microseconds per manifest (parse + schema + rules + line numbers)")
    print(f"{'what':38} {'ours p50':>10} {'ours p99':>10} {'k-validate':>12} {'speedup':>8}")
    deployment = _samples(lambda: _ours(DEPLOYMENT_40))
    deployment_theirs = _samples(lambda: _theirs(DEPLOYMENT_40), min_runs=20)
    print(_row("40-line Deployment", deployment, deployment_theirs))
    multi_docs = multi.count("\n---\n") + 1
    print(_row(f"{multi.count(chr(10))}-line file, {multi_docs} documents (per doc)",
               _samples(lambda: _ours(multi)), _samples(lambda: _theirs(multi), min_runs=10), per=multi_docs))  # fmt: skip
    print(_row(f"all {len(solutions)} exercise solutions (per file)",
               _samples(lambda: [_ours(t) for t in solutions]),
               _samples(lambda: [_theirs(t) for t in solutions], min_runs=5), per=len(solutions)))  # fmt: skip
    bomb = _bomb()
    bomb_times = _samples(lambda: _ours(bomb), seconds=0.5, min_runs=10)
    print(_row("YAML bomb (9^12 nodes) rejected", bomb_times, None))
    p50_ms = statistics.median(deployment) * 1000
    speedup = statistics.median(deployment_theirs) / statistics.median(deployment)
    bomb_ms = max(bomb_times) * 1000
    round_trip = _round_trip()
    print(f"as-you-type round trip on localhost (POST, validate, JSON back): p50 {statistics.median(round_trip):.1f} ms, "
          f"p95 {sorted(round_trip)[int(len(round_trip) * 0.95) - 1]:.1f} ms over {len(round_trip)} requests")  # fmt: skip
    print(f"goals: p50 <= {GOAL_P50_MS} ms -> {p50_ms:.3f} ms; >= {GOAL_SPEEDUP}x kubernetes-validate -> "
          f"{speedup:.0f}x; bomb <= {GOAL_BOMB_MS} ms -> {bomb_ms:.1f} ms (slowest); round trip <= "
          f"{GOAL_ROUND_TRIP_MS} ms -> {statistics.median(round_trip):.1f} ms")  # fmt: skip
    return True


def _round_trip() -> list[float]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp,
        # The validator's speed, not the per-client limit (bench/validator_load.py measures that).
        tutor(Path(tmp), port, env={"TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS": "0"}) as url,
    ):
        page = f"{url}/chapters/kubernetes-building-blocks/exercises/nginx-deployment/"
        with urllib.request.urlopen(page) as response:  # noqa: S310 (loopback)
            cookie = response.headers.get("Set-Cookie", "").split(";")[0]
        token = cookie.split("=", 1)[1] if "=" in cookie else ""
        body = urllib.parse.urlencode({"manifest": DEPLOYMENT_40}).encode()
        times = []
        for _ in range(200):
            request = urllib.request.Request(  # noqa: S310 (loopback)
                page + "validate", data=body,
                headers={"Cookie": cookie, "X-CSRFToken": token, "Referer": page},
            )  # fmt: skip
            started = time.perf_counter()
            with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback)
                response.read()
            times.append((time.perf_counter() - started) * 1000)
        return times
