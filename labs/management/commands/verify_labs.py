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
        if report["solution"]["failed_checks"]:
            self.stdout.write(f"     solution fails: {report['solution']['failed_checks']}")
        if report["start_state"] and not report["start_state"]["ok"]:
            self.stdout.write("     the start state alone passes every check: nothing to fix")
        for alternative in report["alternatives"]:
            if not alternative["ok"]:
                self.stdout.write(
                    f"     alternative {alternative['name']!r} fails: {alternative['failed_checks']}"
                )
        for mistake in report["mistakes"]:
            if not mistake["ok"]:
                self.stdout.write(
                    f"     mistake {mistake['name']!r}: expected {mistake['expected_failures']}, got {mistake['actual_failures']}"
                )


# (name, manifests, steps, how long the checks it must fail may wait, which those are)
Scenario = tuple[str | None, str | None, list[dict[str, Any]], float | None, set[str]]


def verify(
    connect: Callable[[], Cluster], lab: LabSource, *, mistake_wait: float
) -> dict[str, Any]:
    """The solution, every alternative, every mistake and the bare start state, each in its
    own namespace that starts from the lab's start state, graded side by side."""
    solution = lab.front["solution"]["manifests"]
    scenarios: list[Scenario] = [(None, solution, lab.steps, None, set())]
    alternatives = lab.front.get("alternatives") or []
    for alternative in alternatives:
        scenarios.append(
            (
                alternative["name"],
                alternative.get("manifests", solution),
                alternative.get("steps", lab.steps),
                None,
                set(),
            )
        )
    for mistake in lab.front["mistakes"]:
        manifests = mistake.get("manifests", solution)
        # A mistake fails its eventually-checks by never converging: waiting their
        # full time proves nothing more than waiting a little. The checks it must
        # pass get their full time, as the solution's do.
        scenarios.append(
            (
                mistake["name"],
                manifests,
                mistake.get("steps", lab.steps),
                mistake_wait,
                set(mistake["failed_checks"]),
            )
        )
    if lab.start_state:
        # Nothing done at all: the start state alone must leave something to fix.
        all_checks = {c.id for c in lab.checks}
        scenarios.append(("(the start state alone)", None, [], mistake_wait, all_checks))
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        failed = list(pool.map(lambda s: _run(connect(), lab, s[1], s[2], s[3], s[4]), scenarios))
    solution_failed = failed[0]
    reported_alternatives = []
    for alternative, actual in zip(alternatives, failed[1:], strict=False):
        reported_alternatives.append(
            {
                "name": alternative["name"],
                "passed": not actual,
                "failed_checks": actual,
                "ok": not actual,
            }
        )
    mistakes = []
    offset = 1 + len(alternatives)
    for mistake, actual in zip(lab.front["mistakes"], failed[offset:], strict=False):
        expected = sorted(mistake["failed_checks"])
        mistakes.append(
            {
                "name": mistake["name"],
                "expected_failures": expected,
                "actual_failures": actual,
                "ok": actual == expected,
            }
        )
    start_state = None
    if lab.start_state:
        start_state = {"failed_checks": failed[-1], "ok": bool(failed[-1])}
    ok = (
        not solution_failed
        and all(a["ok"] for a in reported_alternatives)
        and all(m["ok"] for m in mistakes)
        and (start_state is None or start_state["ok"])
    )
    return {
        "lab": lab.slug,
        "ok": ok,
        "solution": {"passed": not solution_failed, "failed_checks": solution_failed},
        "start_state": start_state,
        "alternatives": reported_alternatives,
        "mistakes": mistakes,
    }


def _run(
    cluster: Cluster,
    lab: LabSource,
    manifests: str | None,
    steps: list[dict[str, Any]],
    wait: float | None,
    expected_failures: set[str],
) -> list[str]:
    namespace = f"verify-{lab.slug[:40]}-{secrets.token_hex(3)}"
    checks = [
        replace(c, eventually=min(c.eventually, wait))
        if wait is not None and c.id in expected_failures
        else c
        for c in lab.checks
    ]
    cluster.create_namespace(namespace, labels={VERIFY_LABEL: lab.slug})
    try:
        lab_state.lab_start(cluster, namespace, lab)
        apply_steps(cluster, namespace, manifests, steps)
        if any(c.assertion == "access" for c in lab.checks):
            wait_for_rbac(cluster, namespace)
        return sorted(grade(cluster, checks, namespace).failed_checks)
    finally:
        cluster.delete_namespace(namespace)
        lab_state.namespace_copies_delete(cluster, namespace)
        cluster.close()
