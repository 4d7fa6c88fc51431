from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kube import KubeError
from labs.grader import grade
from labs.management.commands._labcommand import (
    COULD_NOT,
    LabCommandError,
    add_cluster_arguments,
    connect,
    find_lab,
)


class Command(BaseCommand):
    help = "Grade one lab against a cluster with the worker's code. Exit 0 all pass, 1 some fail, 2 could not grade."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lab", help="the lab's folder name or uuid")
        parser.add_argument(
            "--namespace", help="namespace to grade (default: the context's, else default)"
        )
        add_cluster_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            lab = find_lab(options["lab"])
            cluster = connect(options)
            namespace = options.get("namespace") or cluster.default_namespace
            result = grade(cluster, lab.checks, namespace)
        except (LabCommandError, KubeError) as exc:
            self.stderr.write(f"could not grade: {exc}")
            raise SystemExit(COULD_NOT) from exc
        report = {
            "lab": lab.slug,
            "namespace": namespace,
            "score": result.score,
            "max_score": result.max_score,
            "passed": result.passed,
            "checks": [
                {
                    "id": r.id,
                    "title": r.title,
                    "passed": r.passed,
                    "points": r.points,
                    "message": r.message,
                    "hint": r.hint,
                }
                for r in result.results
            ],
        }
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, indent=2))
        else:
            for r in result.results:
                mark = "PASS" if r.passed else "FAIL"
                self.stdout.write(f"{mark}  {r.title} ({r.points}/{r.max_points})")
                if not r.passed:
                    self.stdout.write(f"      {r.message}")
                    if r.hint:
                        self.stdout.write(f"      hint: {r.hint}")
            self.stdout.write(f"{lab.slug} in {namespace}: {result.score}/{result.max_score}")
        raise SystemExit(0 if result.passed else 1)
