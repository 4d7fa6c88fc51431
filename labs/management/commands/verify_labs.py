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
from labs.grader import apply_steps, grade, wait_for_rbac
from labs.management.commands._labcommand import (
    COULD_NOT,
    LabCommandError,
    add_cluster_arguments,
    all_labs,
    connect,
    find_lab,
)
from workspaces import lab_state

VERIFY_LABEL = "lfs158-tutor/verify"
PARALLEL = 4


class Command(BaseCommand):
    help = (
        "For each lab, in fresh namespaces that start from the lab's start state: the reference "
        "solution and every alternative must pass every check, each recorded mistake must fail "
        "exactly its checks, and a start state alone must fail some. Exit 0 when every lab behaves "
        "as recorded."
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
                        "start_state": None,
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
        if report["start_state"] and not report["start_state"]["ok"]:
            self.stdout.write("     the start state alone passes every check: nothing to fix")
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


# (manifests, steps, how long the checks it must fail may wait, which those are)
Scenario = tuple[str | None, list[dict[str, Any]], float | None, set[str]]


def verify(
    connect: Callable[[], Cluster], lab: LabSource, *, mistake_wait: float
) -> dict[str, Any]:
    """The solution, every alternative, every mistake and the bare start state, each in its
    own namespace that starts from the lab's start state, graded side by side."""
    scenarios: list[Scenario] = [(lab.manifests, lab.steps, None, set())]
    for alternative in lab.front["alternatives"]:
        scenarios.append(
            (alternative.get("manifests", ""), alternative.get("steps") or [], None, set())
        )
    for mistake in lab.front["mistakes"]:
        # A mistake fails its eventually-checks by never converging: waiting their
        # full time proves nothing more than waiting a little. The checks it must
        # pass get their full time, as the solution's do.
        scenarios.append(
            (
                mistake.get("manifests", lab.manifests),
                mistake.get("steps", lab.steps),
                mistake_wait,
                set(mistake["failed_checks"]),
            )
        )
    if lab.start_state:
        # Nothing done at all: the start state alone must leave something to fix.
        scenarios.append((None, [], mistake_wait, {c.id for c in lab.checks}))
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(lambda s: _run(connect(), lab, *s), scenarios))
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
    played_mistakes = outcomes[1 + count : 1 + count + len(lab.front["mistakes"])]
    for mistake, (actual, error) in zip(lab.front["mistakes"], played_mistakes, strict=True):
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
    start_state: dict[str, Any] | None = None
    if lab.start_state:
        failed, error = outcomes[-1]
        start_state = {"failed_checks": failed, "ok": error is None and bool(failed)}
        if error is not None:
            start_state["error"] = error
    solution: dict[str, Any] = {
        "passed": solution_error is None and not solution_failed,
        "failed_checks": solution_failed,
    }
    if solution_error is not None:
        solution["error"] = solution_error
    ok = (
        solution["passed"]
        and all(a["ok"] for a in alternatives)
        and all(m["ok"] for m in mistakes)
        and (start_state is None or start_state["ok"])
    )
    return {
        "lab": lab.slug,
        "ok": ok,
        "solution": solution,
        "start_state": start_state,
        "alternatives": alternatives,
        "mistakes": mistakes,
    }


def _run(
    cluster: Cluster,
    lab: LabSource,
    manifests: str | None,
    steps: list[dict[str, Any]],
    wait: float | None,
    expected_failures: set[str],
) -> tuple[list[str], str | None]:
    """The checks that fail after playing manifests and steps; or why they could not be played."""
    namespace = f"verify-{lab.slug[:40]}-{secrets.token_hex(3)}"
    checks = [
        replace(c, eventually=min(c.eventually, wait))
        if wait is not None and c.id in expected_failures
        else c
        for c in lab.checks
    ]
    cluster.create_namespace(namespace, labels={VERIFY_LABEL: lab.slug})
    try:
        try:
            # The lab's start state first, as a student finds it.
            lab_state.lab_start(cluster, namespace, lab)
            apply_steps(cluster, namespace, manifests, steps)
            if any(c.assertion == "access" for c in lab.checks):
                wait_for_rbac(cluster, namespace)
        except (KubeError, StepError) as exc:
            # A step the API server refuses (or that cannot be played) makes
            # this scenario fail; the lab's other scenarios still run.
            return [], f"could not play it: {exc}"
        return sorted(grade(cluster, checks, namespace).failed_checks), None
    finally:
        cluster.delete_namespace(namespace)
        lab_state.namespace_copies_delete(cluster, namespace)
        cluster.close()
