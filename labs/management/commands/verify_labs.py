from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from engine.grading.steps import StepError
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
        "For each lab, in fresh namespaces: the reference solution and every alternative must pass "
        "every check, and each recorded mistake must fail exactly its checks. Exit 0 when every "
        "lab behaves as recorded."
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
                        "alternatives": [],
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
        if report["solution"].get("error"):
            self.stdout.write(f"     solution could not be played: {report['solution']['error']}")
        elif report["solution"]["failed_checks"]:
            self.stdout.write(f"     solution fails: {report['solution']['failed_checks']}")
        for alternative in report["alternatives"]:
            if not alternative["ok"]:
                why = alternative.get("error") or f"fails {alternative['failed_checks']}"
                self.stdout.write(f"     alternative {alternative['name']!r}: {why}")
        for mistake in report["mistakes"]:
            if mistake.get("error"):
                self.stdout.write(f"     mistake {mistake['name']!r}: {mistake['error']}")
            elif not mistake["ok"]:
                self.stdout.write(
                    f"     mistake {mistake['name']!r}: expected {mistake['expected_failures']}, got {mistake['actual_failures']}"
                )


def verify(
    connect: Callable[[], Cluster], lab: LabSource, *, mistake_wait: float
) -> dict[str, Any]:
    """The solution, every alternative and every mistake, each in its own namespace, side by side."""
    scenarios: list[tuple[str, list[dict[str, Any]], float | None]] = [
        (lab.manifests, lab.steps, None)
    ]
    for alternative in lab.front["alternatives"]:
        scenarios.append((alternative.get("manifests", ""), alternative.get("steps") or [], None))
    for mistake in lab.front["mistakes"]:
        manifests = mistake.get("manifests", lab.manifests)
        # A mistake fails its eventually-checks by never converging: waiting
        # their full time proves nothing more than waiting a little.
        scenarios.append((manifests, mistake.get("steps", lab.steps), mistake_wait))
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(lambda s: _run(connect(), lab, s[0], s[1], s[2]), scenarios))
    solution_failed, solution_error = outcomes[0]
    count = len(lab.front["alternatives"])
    alternatives = []
    for alternative, (failed, error) in zip(
        lab.front["alternatives"], outcomes[1 : 1 + count], strict=True
    ):
        report: dict[str, Any] = {
            "name": alternative["name"],
            "passed": error is None and not failed,
            "failed_checks": failed,
            "ok": error is None and not failed,
        }
        if error is not None:
            report["error"] = error
        alternatives.append(report)
    mistakes = []
    for mistake, (actual, error) in zip(lab.front["mistakes"], outcomes[1 + count :], strict=True):
        expected = sorted(mistake["failed_checks"])
        report = {
            "name": mistake["name"],
            "expected_failures": expected,
            "actual_failures": actual,
            "ok": error is None and actual == expected,
        }
        if error is not None:
            report["error"] = error
        mistakes.append(report)
    solution: dict[str, Any] = {
        "passed": solution_error is None and not solution_failed,
        "failed_checks": solution_failed,
    }
    if solution_error is not None:
        solution["error"] = solution_error
    ok = (
        solution["passed"] and all(a["ok"] for a in alternatives) and all(m["ok"] for m in mistakes)
    )
    return {
        "lab": lab.slug,
        "ok": ok,
        "solution": solution,
        "alternatives": alternatives,
        "mistakes": mistakes,
    }


def _run(
    cluster: Cluster,
    lab: LabSource,
    manifests: str,
    steps: list[dict[str, Any]],
    wait: float | None,
) -> tuple[list[str], str | None]:
    """The checks that fail after playing manifests and steps; or why they could not be played."""
    namespace = f"verify-{lab.slug[:40]}-{secrets.token_hex(3)}"
    checks = (
        lab.checks
        if wait is None
        else [replace(c, eventually=min(c.eventually, wait)) for c in lab.checks]
    )
    cluster.create_namespace(namespace, labels={VERIFY_LABEL: lab.slug})
    try:
        try:
            apply_steps(cluster, namespace, manifests, steps)
        except (KubeError, StepError) as exc:
            # A step the API server refuses (or that cannot be played) makes
            # this scenario fail; the lab's other scenarios still run.
            return [], f"could not play it: {exc}"
        return sorted(grade(cluster, checks, namespace).failed_checks), None
    finally:
        cluster.delete_namespace(namespace)
        cluster.close()
