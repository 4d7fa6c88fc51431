from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tutor.content.registry import load_content


class Command(BaseCommand):
    help = "Sync the content files into the database (idempotent; never loses student data)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--root", type=Path, help="content root (default: TUTOR_CONTENT_ROOT)")

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_content(options["root"])
        report = result.report
        stats = {k: asdict(v) for k, v in result.stats.items()}
        if options["format"] == "json":
            self.stdout.write(json.dumps({**report.as_dict(), "loaded": stats}, indent=2))
        else:
            for error in report.errors:
                self.stderr.write(str(error))
            if report.ok:
                for kind, counts in stats.items():
                    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
                    self.stdout.write(f"{kind}: {summary}")
            else:
                self.stderr.write(f"Nothing loaded: {len(report.errors)} content error(s).")
        if not report.ok:
            raise SystemExit(1)
