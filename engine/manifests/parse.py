"""Manifest text into documents: the one YAML loader, and what a manifest must be.

``engine.yaml`` loads the text safely and within its budget, keeping the line
and column of every value; this module turns its problems into findings and
refuses documents that are not a mapping of fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.i18n import _
from engine.manifests.findings import Document, Finding
from engine.yaml import DEFAULT_MAX_BYTES, DEFAULT_MAX_NODES, load_stream

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_NODES", "ParseResult", "parse_manifests"]


@dataclass
class ParseResult:
    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # problems of the file as a whole
    # Reading stopped after max_documents: where the first object left unread starts.
    more_at: tuple[int, int] | None = None


def parse_manifests(
    text: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_documents: int | None = None,
) -> ParseResult:
    result = ParseResult()
    stream = load_stream(
        text,
        max_bytes=max_bytes,
        max_nodes=max_nodes,
        max_documents=max_documents,
        keep_last_duplicate=True,
    )
    result.more_at = stream.more_at
    for problem in stream.problems:
        result.findings.append(
            Finding("error", problem.code, "", problem.line, problem.column, problem.message)
        )
    for loaded in stream.documents:
        # kubectl keeps the last of two equal keys and the API server accepts the
        # object: a prominent warning, not an error.
        for dup in loaded.duplicates:
            result.findings.append(
                Finding(
                    "warning",
                    dup.code,
                    "",
                    dup.line,
                    dup.column,
                    dup.message,
                    suggestion=_first_line(dup.message),
                )
            )
        if isinstance(loaded.data, dict):
            result.documents.append(
                Document(index=loaded.index, data=loaded.data, positions=loaded.positions)
            )
            continue
        line, column = loaded.start
        result.findings.append(
            Finding(
                "error",
                "not-a-mapping",
                "",
                line,
                column,
                _(
                    "Document {number} is {what}, but a Kubernetes object is a mapping of "
                    "fields (`apiVersion: v1`, `kind: Pod`, ...)."
                ).format(number=loaded.index + 1, what=_kind_of(loaded.data)),
            )
        )
    result.findings.sort(key=lambda f: (f.line, f.column))
    return result


def _kind_of(value: object) -> str:
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, str):
        return _("plain text")
    return _("a value of type {type}").format(type=type(value).__name__)


_CODE_SPAN = re.compile(r"`[^`]*`")
_NUMBER = re.compile(r"\d+")


def _first_line(message: str) -> str:
    """The line of a duplicate key's first copy, which its message names (in any language:
    the only number outside the quoted key), for the quick fix that removes it."""
    found = _NUMBER.search(_CODE_SPAN.sub("", message))
    return found.group(0) if found else ""
