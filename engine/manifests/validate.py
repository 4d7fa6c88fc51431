"""Validate manifest text: parse, schema, removed APIs, API-server rules, cross-document hints."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from engine.i18n import _, ngettext
from engine.manifests import apis, fixes, hints, placement, schemas, server_rules
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
                ngettext(
                    "This file has more than {count} object; the tutor checks at most {count} "
                    "in one file, so the objects from here on were not checked. Split it into "
                    "several files.",
                    "This file has more than {count} objects; the tutor checks at most {count} "
                    "in one file, so the objects from here on were not checked. Split it into "
                    "several files.",
                    max_documents,
                ).format(count=max_documents),
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
    result.findings = fixes.attach(text, result.findings)
    for document in result.documents:
        document.findings = fixes.attach(text, document.findings)
    return result


def manifest_text_problem(text: str) -> str | None:
    """Why a manifest cannot even be kept (as an attempt, an answer); None when it can.

    The same limit as the validator's, so whatever is too large to check is
    too large to store; NUL characters no database column takes.
    """
    size = len(text.encode("utf-8", errors="replace"))
    if size > DEFAULT_MAX_BYTES:
        return _(
            "The manifest is {size} KiB; the limit is {limit} KiB. "
            "A manifest for an exercise is a few objects: remove what is not needed."
        ).format(size=size // 1024, limit=DEFAULT_MAX_BYTES // 1024)
    if "\x00" in text:
        return _("The manifest contains a NUL character (\\0): remove it.")
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
    kinds = (
        ngettext("{count} error", "{count} errors", errors).format(count=errors)
        if errors
        else _("only warnings")
    )
    result.overflow = [
        Finding(
            "error" if errors else "warning",
            "too-many-findings",
            "",
            first.line,
            first.column,
            ngettext(
                "…and {count} more problem ({kinds}) from here on, not listed: "
                "fix the ones above first.",
                "…and {count} more problems ({kinds}) from here on, not listed: "
                "fix the ones above first.",
                len(omitted),
            ).format(count=len(omitted), kinds=kinds),
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
                _("Every object needs `apiVersion`, e.g. `apiVersion: apps/v1` for a Deployment."),
            )
        )
    if not isinstance(kind, str) or not kind:
        out.append(
            doc.finding(
                "error",
                "missing-kind",
                (),
                _("Every object needs `kind`, e.g. `kind: Deployment`."),
            )
        )
    if out:
        return result
    assert isinstance(api_version, str) and isinstance(kind, str)
    if kind == "List" and api_version == "v1":
        out.extend(_validate_list(doc, schema_set))
        return result
    version = schema_set.version
    change = apis.change_for(kind, api_version)
    if change and apis.removed(change, version):
        out.append(
            doc.finding(
                "error",
                "removed-api",
                ("apiVersion",),
                _removed_message(change, version),
                suggestion=change.replacement or "",
            )
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
    misplaced, parents = placement.check(doc, root)
    found = [*schemas.check(doc, root), *server_rules.check(doc, kind)]
    if misplaced:
        # Say where the keys belong instead of "not a field" and "missing" for each.
        keys = {f.path for f in misplaced}
        found = [
            f
            for f in found
            if not (f.code == "unknown-field" and f.path in keys)
            and not (f.code == "missing-field" and (not f.path or _first(f.path) in parents))
        ]
    out.extend(misplaced)
    out.extend(found)
    return result


def _first(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def _validate_list(doc: Document, schema_set: schemas.SchemaSet) -> list[Finding]:
    """`kind: List` (what `kubectl get -o yaml` prints): kubectl applies each item."""
    items = doc.data.get("items")
    if items is None:
        return []
    if not isinstance(items, list):
        return [
            doc.finding(
                "error",
                "wrong-type",
                ("items",),
                _("`items` must be a list of objects: start each with `- `."),
            )
        ]
    out: list[Finding] = []
    for index, item in enumerate(items):
        prefix = ("items", index)
        if not isinstance(item, dict):
            out.append(
                doc.finding(
                    "error",
                    "not-a-mapping",
                    prefix,
                    _(
                        "Item {number} of the List is not an object (`apiVersion`, `kind`, ...)."
                    ).format(number=index + 1),
                )
            )
            continue
        positions = {path[2:]: where for path, where in doc.positions.items() if path[:2] == prefix}
        sub = Document(index=doc.index, data=item, positions=positions)
        for finding in _validate_document(sub, schema_set).findings:
            path = f"items[{index}]" + (f".{finding.path}" if finding.path else "")
            out.append(dataclasses.replace(finding, path=path))
    return out


def _removed_message(change: apis.ApiChange, version: str) -> str:
    message = _(
        "`{api_version}` {kind} was removed in Kubernetes {removed_in} "
        "(you are writing for {version})."
    ).format(
        api_version=change.api_version,
        kind=change.kind,
        removed_in=change.removed_in,
        version=version,
    )
    if change.replacement:
        message += " " + _("Use `apiVersion: {replacement}`.").format(
            replacement=change.replacement
        )
    if change.changes:
        message += " " + _(change.changes)
    return message


def _deprecated_message(change: apis.ApiChange, version: str) -> str:
    if change.removed_in:
        message = _(
            "`{api_version}` {kind} is deprecated since Kubernetes {deprecated_in} "
            "and is removed in {removed_in}."
        )
    else:
        message = _("`{api_version}` {kind} is deprecated since Kubernetes {deprecated_in}.")
    message = message.format(
        api_version=change.api_version,
        kind=change.kind,
        deprecated_in=change.deprecated_in,
        removed_in=change.removed_in,
    )
    if change.replacement:
        message += " " + _("Move to `{replacement}`.").format(replacement=change.replacement)
    if change.changes:
        message += " " + _(change.changes)
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
            _(
                "`{api_version}` does not serve {kind}; in Kubernetes {version} {kind} is "
                "served by {where}."
            ).format(
                api_version=shown(api_version), kind=kind, version=schema_set.version, where=where
            ),
        )
    guess = closest(kind, tuple(schema_set.kind_names), cutoff=0.75)
    group = api_version.split("/")[0] if "/" in api_version else ""
    if not guess and group and "." in group and not group.endswith(_BUILT_IN_GROUPS_SUFFIXES):
        return doc.finding(
            "warning",
            "unknown-kind",
            ("kind",),
            _(
                "{kind} ({api_version}) is not a built-in kind, probably a custom resource: "
                "its fields cannot be checked here."
            ).format(kind=shown(kind), api_version=shown(api_version)),
        )
    if guess:
        message = _(
            "`{kind}` is not a kind Kubernetes {version} knows — did you mean `{guess}`? "
            "Kinds are case-sensitive."
        ).format(kind=shown(kind), version=schema_set.version, guess=guess)
    else:
        message = _("`{kind}` is not a kind Kubernetes {version} knows.").format(
            kind=shown(kind), version=schema_set.version
        )
    return doc.finding("error", "unknown-kind", ("kind",), message, suggestion=guess or "")
