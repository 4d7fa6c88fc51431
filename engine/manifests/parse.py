"""Manifest text into documents: the one YAML loader, and what a manifest must be.

``engine.yaml`` loads the text safely and within its budget, keeping the line
and column of every value; this module turns its problems into findings and
refuses documents that are not a mapping of fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
        text, max_bytes=max_bytes, max_nodes=max_nodes, max_documents=max_documents
    )
    result.more_at = stream.more_at
    for problem in stream.problems:
        result.findings.append(
            Finding("error", problem.code, "", problem.line, problem.column, problem.message)
        )
    for loaded in stream.documents:
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
                f"Document {loaded.index + 1} is a {_kind_of(loaded.data)}, but a Kubernetes "
                "object is a mapping of fields (`apiVersion: v1`, `kind: Pod`, ...).",
            )
        )
    result.findings.sort(key=lambda f: (f.line, f.column))
    return result


def _kind_of(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "plain text"
    return type(value).__name__
