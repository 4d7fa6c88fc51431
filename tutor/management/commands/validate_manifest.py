from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from engine.manifests import (
    DEFAULT_VERSION,
    SUPPORTED_VERSIONS,
    Finding,
    ValidationResult,
    validate_text,
)
from engine.manifests.parse import DEFAULT_MAX_BYTES

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Validate Kubernetes manifests (files, or - for standard input) against the chosen "
        "version's schema and the API server's rules. Exit 0 valid, 1 errors, 2 usage or I/O."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--kubernetes-version", default=DEFAULT_VERSION, metavar="X.Y",
            help=f"one of {', '.join(SUPPORTED_VERSIONS)} (default {DEFAULT_VERSION})",
        )  # fmt: skip
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        version = options["kubernetes_version"]
        if version not in SUPPORTED_VERSIONS:
            self.stderr.write(
                f"Unsupported Kubernetes version {version!r}: choose one of "
                f"{', '.join(SUPPORTED_VERSIONS)}."
            )
            raise SystemExit(USAGE_ERROR)
        results: list[tuple[str, ValidationResult]] = []
        for name in options["files"]:
            text = self._read(name)
            results.append((name, validate_text(text, kubernetes_version=version)))
        valid = all(result.valid for _, result in results)
        if options["format"] == "json":
            self.stdout.write(json.dumps(_as_json(results, version, valid), indent=2))
        else:
            self._print_text(results, valid)
        raise SystemExit(0 if valid else 1)

    def _read(self, name: str) -> str:
        try:
            if name == "-":
                raw = sys.stdin.buffer.read(DEFAULT_MAX_BYTES + 1)
            else:
                with open(name, "rb") as handle:
                    raw = handle.read(DEFAULT_MAX_BYTES + 1)
        except OSError as exc:
            self.stderr.write(f"{name}: cannot read it ({exc.strerror or exc})")
            raise SystemExit(USAGE_ERROR) from exc
        # Reading one byte past the limit is enough for the validator to say `too-large`.
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.stderr.write(f"{name}:{line}: the file is not UTF-8 text")
            raise SystemExit(USAGE_ERROR) from exc

    def _print_text(self, results: list[tuple[str, ValidationResult]], valid: bool) -> None:
        count = 0
        for name, result in results:
            for finding in result.all_findings:
                count += 1
                where = f" ({finding.path})" if finding.path else ""
                self.stdout.write(
                    f"{name}:{finding.line}:{finding.column}: {finding.severity}: "
                    f"{finding.message}{where} [{finding.code}]"
                )
        verdict = "valid" if valid else "invalid"
        self.stderr.write(f"{verdict}: {count} finding(s) in {len(results)} file(s)")


def _as_json(
    results: list[tuple[str, ValidationResult]], version: str, valid: bool
) -> dict[str, Any]:
    documents: list[dict[str, Any]] = []
    for name, result in results:
        if result.findings:
            # Problems of the file as a whole (syntax, size) belong to no object.
            documents.append(_file_entry(name, result.findings))
        documents.extend(d.as_dict(name) for d in result.documents)
        if result.overflow:
            # "...and N more": listed last, as the text output does.
            documents.append(_file_entry(name, result.overflow))
    return {"valid": valid, "kubernetes_version": version, "documents": documents}


def _file_entry(name: str, findings: list[Finding]) -> dict[str, Any]:
    return {
        "file": name,
        "index": None,
        "apiVersion": None,
        "kind": None,
        "name": None,
        "findings": [f.as_dict() for f in findings],
    }
