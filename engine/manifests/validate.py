"""Validate manifest text: parse, schema, removed APIs, API-server rules, cross-document hints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.manifests import apis, hints, schemas, server_rules
from engine.manifests.findings import Document, Finding, shown
from engine.manifests.parse import DEFAULT_MAX_BYTES, DEFAULT_MAX_NODES, parse_manifests
from engine.manifests.suggest import closest

_BUILT_IN_GROUPS_SUFFIXES = (".k8s.io", ".kubernetes.io")


@dataclass
class DocumentResult:
    index: int
    api_version: str | None
    kind: str | None
    name: str | None
    findings: list[Finding] = field(default_factory=list)
    data: Any = None  # the parsed object, for the exercises' rules

    def as_dict(self, file: str) -> dict[str, Any]:
        return {
            "file": file,
            "index": self.index,
            "apiVersion": self.api_version,
            "kind": self.kind,
            "name": self.name,
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass
class ValidationResult:
    kubernetes_version: str
    documents: list[DocumentResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # about the file as a whole
    # Past MAX_FINDINGS: one finding that says how many more there were (listed last).
    overflow: list[Finding] = field(default_factory=list)

    @property
    def all_findings(self) -> list[Finding]:
        return [*self.findings, *(f for d in self.documents for f in d.findings), *self.overflow]

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.all_findings)

    @property
    def objects(self) -> list[dict[str, Any]]:
        return [d.data for d in self.documents if isinstance(d.data, dict)]


# What one file may ask of the validator, whoever sends it. A beginner's manifest
# has a handful of objects and a few findings; a file of 30,000 empty documents
# would otherwise cost seconds of CPU and answer with megabytes of findings.
MAX_DOCUMENTS = 100
MAX_FINDINGS = 100


def validate_text(
    text: str,
    *,
    kubernetes_version: str = schemas.DEFAULT_VERSION,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_documents: int = MAX_DOCUMENTS,
    max_findings: int = MAX_FINDINGS,
) -> ValidationResult:
    """Everything the tutor can tell about a manifest file without a cluster.

    At most ``max_documents`` objects are checked (more is an error that says
    so) and at most ``max_findings`` findings are reported: the last one then
    says how many more there were, with the severity of the worst of them, so
    that ``valid`` is the same as if all were listed.
    """
    schema_set = schemas.schema_set(kubernetes_version)
    parsed = parse_manifests(
        text, max_bytes=max_bytes, max_nodes=max_nodes, max_documents=max_documents
    )
    result = ValidationResult(kubernetes_version=kubernetes_version, findings=list(parsed.findings))
    documents = parsed.documents
    if parsed.more_at is not None:
        line, column = parsed.more_at
        result.findings.append(
            Finding(
                "error",
                "too-many-documents",
                "",
                line,
                column,
                f"This file has more than {max_documents} objects; the tutor checks at most "
                f"{max_documents} in one file, so the objects from here on were not checked. "
                "Split it into several files.",
            )
        )
    for doc in documents:
        result.documents.append(_validate_document(doc, schema_set))
    by_index = {d.index: d for d in result.documents}
    for index, found in hints.check(documents).items():
        by_index[index].findings.extend(found)
    for document in result.documents:
        document.findings.sort(key=lambda f: (f.line, f.column, f.code))
    result.findings.sort(key=lambda f: (f.line, f.column))
    _cap_findings(result, max_findings)
    return result


def manifest_text_problem(text: str) -> str | None:
    """Why a manifest cannot even be kept (as an attempt, an answer); None when it can.

    The same limit as the validator's, so whatever is too large to check is
    too large to store; NUL characters no database column takes.
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > DEFAULT_MAX_BYTES:
        return (
            f"The manifest is {size // 1024} KiB; the limit is {DEFAULT_MAX_BYTES // 1024} KiB. "
            "A manifest for an exercise is a few objects: remove what is not needed."
        )
    if "\x00" in text:
        return "The manifest contains a NUL character (\\0): remove it."
    return None


def _cap_findings(result: ValidationResult, limit: int) -> None:
    """Keep the first ``limit`` findings in file order; one more says what was left out."""
    total = len(result.findings) + sum(len(d.findings) for d in result.documents)
    if total <= limit:
        return
    room = limit
    kept_file = result.findings[:room]
    omitted = result.findings[room:]
    room -= len(kept_file)
    for document in result.documents:
        omitted.extend(document.findings[room:])
        document.findings = document.findings[:room]
        room -= len(document.findings)
    first = min(omitted, key=lambda f: (f.line, f.column))
    errors = sum(1 for f in omitted if f.severity == "error")
    kinds = f"{errors} error{'s' if errors != 1 else ''}" if errors else "only warnings"
    result.overflow = [
        Finding(
            "error" if errors else "warning",
            "too-many-findings",
            "",
            first.line,
            first.column,
            f"…and {len(omitted)} more problem{'s' if len(omitted) != 1 else ''} "
            f"({kinds}) from here on, not listed: fix the ones above first.",
        )
    ]
    result.findings = kept_file


def _validate_document(doc: Document, schema_set: schemas.SchemaSet) -> DocumentResult:
    data = doc.data
    api_version, kind = data.get("apiVersion"), data.get("kind")
    name = data.get("metadata", {}).get("name") if isinstance(data.get("metadata"), dict) else None
    result = DocumentResult(
        index=doc.index,
        api_version=api_version if isinstance(api_version, str) else None,
        kind=kind if isinstance(kind, str) else None,
        name=name if isinstance(name, str) else None,
        data=data,
    )
    out = result.findings
    if not isinstance(api_version, str) or not api_version:
        out.append(
            doc.finding(
                "error",
                "missing-api-version",
                (),
                "Every object needs `apiVersion`, e.g. `apiVersion: apps/v1` for a Deployment.",
            )
        )
    if not isinstance(kind, str) or not kind:
        out.append(
            doc.finding(
                "error", "missing-kind", (), "Every object needs `kind`, e.g. `kind: Deployment`."
            )
        )
    if out:
        return result
    assert isinstance(api_version, str) and isinstance(kind, str)
    version = schema_set.version
    change = apis.change_for(kind, api_version)
    if change and apis.removed(change, version):
        out.append(
            doc.finding("error", "removed-api", ("apiVersion",), _removed_message(change, version))
        )
        return result
    root = schema_set.root(api_version, kind)
    if root is None:
        out.append(_unknown_kind(doc, schema_set, api_version, kind))
        return result
    if change and apis.deprecated(change, version):
        out.append(
            doc.finding(
                "warning", "deprecated-api", ("apiVersion",), _deprecated_message(change, version)
            )
        )
    out.extend(schemas.check(doc, root))
    out.extend(server_rules.check(doc, kind))
    return result


def _removed_message(change: apis.ApiChange, version: str) -> str:
    message = f"`{change.api_version}` {change.kind} was removed in Kubernetes {change.removed_in}"
    message += f" (you are writing for {version})."
    if change.replacement:
        message += f" Use `apiVersion: {change.replacement}`."
    if change.changes:
        message += f" {change.changes}"
    return message


def _deprecated_message(change: apis.ApiChange, version: str) -> str:
    message = f"`{change.api_version}` {change.kind} is deprecated since Kubernetes {change.deprecated_in}"
    if change.removed_in:
        message += f" and is removed in {change.removed_in}"
    message += "."
    if change.replacement:
        message += f" Move to `{change.replacement}`."
    if change.changes:
        message += f" {change.changes}"
    return message


def _unknown_kind(
    doc: Document, schema_set: schemas.SchemaSet, api_version: str, kind: str
) -> Finding:
    serving = schema_set.versions_serving(kind)
    if serving:
        where = ", ".join(f"`{v}`" for v in serving)
        return doc.finding(
            "error",
            "unknown-kind",
            ("apiVersion",),
            f"`{shown(api_version)}` does not serve {kind}; in Kubernetes {schema_set.version} {kind} is served by {where}.",
        )
    guess = closest(kind, tuple(schema_set.kind_names), cutoff=0.75)
    group = api_version.split("/")[0] if "/" in api_version else ""
    if not guess and group and "." in group and not group.endswith(_BUILT_IN_GROUPS_SUFFIXES):
        return doc.finding(
            "warning",
            "unknown-kind",
            ("kind",),
            f"{shown(kind)} ({shown(api_version)}) is not a built-in kind, probably a custom resource: its fields cannot be checked here.",
        )
    message = f"`{shown(kind)}` is not a kind Kubernetes {schema_set.version} knows"
    message += f" — did you mean `{guess}`? Kinds are case-sensitive." if guess else "."
    return doc.finding("error", "unknown-kind", ("kind",), message)
