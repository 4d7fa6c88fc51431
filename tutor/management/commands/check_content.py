from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tutor.content.registry import check_content


class Command(BaseCommand):
    help = "Validate every content file (chapters, quizzes, exercises, labs). Exit 1 on errors."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--root", type=Path, help="content root (default: TUTOR_CONTENT_ROOT)")

    def handle(self, *args: Any, **options: Any) -> None:
        report = check_content(options["root"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for error in report.errors:
                self.stdout.write(str(error))
            counts = ", ".join(f"{n} {k}" for k, n in report.counts.items())
            verdict = "OK" if report.ok else f"{len(report.errors)} error(s)"
            self.stderr.write(f"{verdict}: {counts} in {report.root}")
        if not report.ok:
            raise SystemExit(1)
