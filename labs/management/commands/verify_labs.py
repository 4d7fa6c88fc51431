from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kube import Cluster, KubeError
from labs.content import LabSource
from labs.grader import apply_steps, grade
from labs.management.commands._labcommand import (
    COULD_NOT,
    LabCommandError,
    add_cluster_arguments,
    all_labs,
    connect,
    find_lab,
)

VERIFY_LABEL = "lfs158-tutor/verify"
PARALLEL = 4


class Command(BaseCommand):
    help = (
        "For each lab, in fresh namespaces: the reference solution must pass every check, and each "
        "recorded mistake must fail exactly its checks. Exit 0 when every lab behaves as recorded."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "labs", nargs="*", metavar="LAB", help="folder names or uuids (default: all)"
        )
        parser.add_argument(
            "--mistake-wait", type=float, default=10.0,
            help="seconds a mistake's `eventually` checks may wait (default 10)",
        )  # fmt: skip
        add_cluster_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            labs = [find_lab(name) for name in options["labs"]] if options["labs"] else all_labs()
            connect(options).close()
        except (LabCommandError, KubeError) as exc:
            self.stderr.write(f"could not verify: {exc}")
            raise SystemExit(COULD_NOT) from exc
        reports = []
        for lab in labs:
            try:
                reports.append(
                    verify(lambda: connect(options), lab, mistake_wait=options["mistake_wait"])
                )
            except KubeError as exc:
                reports.append(
                    {
                        "lab": lab.slug,
                        "ok": False,
                        "error": str(exc),
                        "solution": None,
                        "mistakes": [],
                    }
                )
            if options["format"] == "text":
                self._print(reports[-1])
        ok = bool(reports) and all(r["ok"] for r in reports)
        if options["format"] == "json":
            self.stdout.write(json.dumps({"ok": ok, "labs": reports}, indent=2))
        else:
            self.stderr.write(
                f"{sum(r['ok'] for r in reports)}/{len(reports)} labs behave as recorded"
            )
        raise SystemExit(0 if ok else 1)

    def _print(self, report: dict[str, Any]) -> None:
        mark = "ok  " if report["ok"] else "FAIL"
        self.stdout.write(f"{mark} {report['lab']}")
        if report.get("error"):
            self.stdout.write(f"     error: {report['error']}")
            return
        if report["solution"]["failed_checks"]:
            self.stdout.write(f"     solution fails: {report['solution']['failed_checks']}")
        for mistake in report["mistakes"]:
            if not mistake["ok"]:
                self.stdout.write(
                    f"     mistake {mistake['name']!r}: expected {mistake['expected_failures']}, got {mistake['actual_failures']}"
                )


def verify(
    connect: Callable[[], Cluster], lab: LabSource, *, mistake_wait: float
) -> dict[str, Any]:
    """The solution and every mistake, each in its own namespace, graded side by side."""
    scenarios: list[tuple[str | None, str, list[dict[str, Any]], float | None]] = [
        (None, lab.front["solution"]["manifests"], lab.steps, None)
    ]
    for mistake in lab.front["mistakes"]:
        manifests = mistake.get("manifests", lab.front["solution"]["manifests"])
        # A mistake fails its eventually-checks by never converging: waiting
        # their full time proves nothing more than waiting a little.
        scenarios.append(
            (mistake["name"], manifests, mistake.get("steps", lab.steps), mistake_wait)
        )
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        failed = list(pool.map(lambda s: _run(connect(), lab, s[1], s[2], s[3]), scenarios))
    solution_failed = failed[0]
    mistakes = []
    for mistake, actual in zip(lab.front["mistakes"], failed[1:], strict=True):
        expected = sorted(mistake["failed_checks"])
        mistakes.append(
            {
                "name": mistake["name"],
                "expected_failures": expected,
                "actual_failures": actual,
                "ok": actual == expected,
            }
        )
    ok = not solution_failed and all(m["ok"] for m in mistakes)
    return {
        "lab": lab.slug,
        "ok": ok,
        "solution": {"passed": not solution_failed, "failed_checks": solution_failed},
        "mistakes": mistakes,
    }


def _run(
    cluster: Cluster,
    lab: LabSource,
    manifests: str,
    steps: list[dict[str, Any]],
    wait: float | None,
) -> list[str]:
    namespace = f"verify-{lab.slug[:40]}-{secrets.token_hex(3)}"
    checks = (
        lab.checks
        if wait is None
        else [replace(c, eventually=min(c.eventually, wait)) for c in lab.checks]
    )
    cluster.create_namespace(namespace, labels={VERIFY_LABEL: lab.slug})
    try:
        apply_steps(cluster, namespace, manifests, steps)
        return sorted(grade(cluster, checks, namespace).failed_checks)
    finally:
        cluster.delete_namespace(namespace)
        cluster.close()
