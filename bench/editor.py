"""The editor's help while writing: completion and hover next to validation, and what the
browser downloads.

In process: microseconds per answer for completion and hover at several cursor
positions of the same 40-line Deployment the validation bench uses, beside the
validation of that text, in the same run. Through the web app: the round trip of
POST /editor/complete and /editor/hover beside the exercise's validate, on one
server. Then the editor bundle's size before and after issue 14, and the size a
per-version static schema slice would have been (why the help is served instead).
"""

from __future__ import annotations

import gzip
import socket
import statistics
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.http import tutor
from bench.manifests import DEPLOYMENT_40, _samples
from engine.manifests import DEFAULT_VERSION, validate_text
from engine.manifests.assist import complete, hover
from engine.manifests.schemas import schema_dir

REPO = Path(__file__).resolve().parent.parent
BUNDLE = REPO / "static" / "vendor" / "codemirror-6.0.2.bundle.min.js"
# The bundle at main 903637b, before the editor exported the completion and hover API.
BUNDLE_BEFORE = (433_610, 141_591)  # bytes, gzip -9 bytes
GOAL_P95_MS = 20  # server side, completion and hover (issue 14)
# (line, column) in DEPLOYMENT_40: a key under spec, a container key, a value, the root.
CURSORS = [(13, 3), (30, 11), (19, 11), (1, 1)]
HOVERS = [(13, 4), (35, 18), (31, 12), (4, 4)]


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[max(int(len(values) * q) - 1, 0)]


def _row(label: str, times: list[float], scale: float = 1e6, unit: str = "") -> str:
    return f"{label:44} {statistics.median(times) * scale:10.0f} {_pct(times, 0.95) * scale:10.0f}{unit}"


def run() -> bool:
    text = DEPLOYMENT_40
    complete(text, 1, 1)  # compile the schemas once, as a warm worker has
    print()
    print("Editor help: microseconds per answer, in process (same run, same 40-line Deployment)")
    print(f"{'what':44} {'p50':>10} {'p95':>10}")
    validation = _samples(lambda: validate_text(text, kubernetes_version=DEFAULT_VERSION))
    completion = _samples(lambda: [complete(text, line, col) for line, col in CURSORS])
    hovering = _samples(lambda: [hover(text, line, col) for line, col in HOVERS])
    print(_row("validation (reference)", validation))
    print(
        _row(
            f"completion (per answer, {len(CURSORS)} cursors)",
            [t / len(CURSORS) for t in completion],
        )
    )
    print(_row(f"hover (per answer, {len(HOVERS)} keys)", [t / len(HOVERS) for t in hovering]))
    trips = _round_trips()
    print("Through the web app on localhost (POST, answer, JSON back): milliseconds")
    print(f"{'what':44} {'p50':>10} {'p95':>10}")
    for name, times in trips.items():
        print(f"{name:44} {statistics.median(times):10.1f} {_pct(times, 0.95):10.1f}")
    worst = max(_pct(trips["completion"], 0.95), _pct(trips["hover"], 0.95))
    raw = BUNDLE.read_bytes()
    after = (len(raw), len(gzip.compress(raw, 9)))
    print(f"editor bundle: before {BUNDLE_BEFORE[0]:,} B ({BUNDLE_BEFORE[1]:,} B gzip), "
          f"after {after[0]:,} B ({after[1]:,} B gzip): +{after[0] - BUNDLE_BEFORE[0]:,} B "
          f"(+{after[1] - BUNDLE_BEFORE[1]:,} B gzip)")  # fmt: skip
    schema = (schema_dir(DEFAULT_VERSION) / "_definitions.json").read_bytes()
    print(f"a static schema slice instead (one version's definitions): {len(schema):,} B "
          f"({len(gzip.compress(schema, 9)):,} B gzip) per version, x13 versions: served instead")  # fmt: skip
    print(
        f"goal: completion and hover p95 <= {GOAL_P95_MS} ms server side -> {worst:.1f} ms round trip"
    )
    return True


def _round_trips() -> dict[str, list[float]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (
        tempfile.TemporaryDirectory(prefix="tutor-bench-") as tmp,
        tutor(
            Path(tmp),
            port,
            env={"TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS": "0", "TUTOR_EDITOR_HELP_PER_MINUTE": "0"},
        ) as url,
    ):
        page = f"{url}/chapters/kubernetes-building-blocks/exercises/nginx-deployment/"
        with urllib.request.urlopen(page) as response:  # noqa: S310 (loopback)
            cookie = response.headers.get("Set-Cookie", "").split(";")[0]
        token = cookie.split("=", 1)[1] if "=" in cookie else ""
        asks = {
            "validation (reference)": (page + "validate", [{}]),
            "completion": (
                f"{url}/editor/complete",
                [{"line": ln, "column": c} for ln, c in CURSORS],
            ),
            "hover": (f"{url}/editor/hover", [{"line": ln, "column": c} for ln, c in HOVERS]),
        }
        times: dict[str, list[float]] = {name: [] for name in asks}
        for i in range(200):
            for name, (target, variants) in asks.items():
                fields = {"manifest": DEPLOYMENT_40, **variants[i % len(variants)]}
                request = urllib.request.Request(  # noqa: S310 (loopback)
                    target, data=urllib.parse.urlencode(fields).encode(),
                    headers={"Cookie": cookie, "X-CSRFToken": token, "Referer": page},
                )  # fmt: skip
                started = time.perf_counter()
                with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback)
                    response.read()
                times[name].append((time.perf_counter() - started) * 1000)
        return times
