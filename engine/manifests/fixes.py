"""Quick fixes: for a finding, the text edits that would resolve it.

The editor offers them on the finding (a did-you-mean rename, a removed
apiVersion's successor, a missing required field, a key indented back under
`metadata:` or `spec:`). Each fix is a title and edits on the manifest text,
with 1-based lines and columns (the end is exclusive), so any editor can
apply them. Computed from the text and the findings only: from each finding's code and
`suggestion` (never from its message, which is in the reader's language).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from engine.i18n import _, ngettext
from engine.manifests.findings import Finding

_FIELD_NAME = re.compile(r"^[A-Za-z][\w.-]*$")
_HOME = re.compile(r"^[\w.]+$")
_KEY = re.compile(r"""^("[^"]*"|'[^']*'|[^\s:#][^:#]*?)\s*:(\s|$)""")
_DOC_START = re.compile(r"^---(\s|$)")


def attach(text: str, findings: list[Finding]) -> list[Finding]:
    """The findings, each with the fixes that apply to it."""
    lines = text.split("\n")
    out = []
    for finding in findings:
        fixes = tuple(_fixes(finding, lines))
        out.append(dataclasses.replace(finding, fixes=fixes) if fixes else finding)
    return _indent_all(out, lines)


def _indent_all(findings: list[Finding], lines: list[str]) -> list[Finding]:
    """A manifest that lost its indentation has many misplaced keys: the first one of each
    document also offers to indent them all at once (when their parents are written)."""
    by_document: dict[int, list[int]] = {}
    for position, finding in enumerate(findings):
        if finding.code == "misplaced-key" and finding.fixes:
            edits = finding.fixes[0]["edits"]
            if all(e["text"] == "  " for e in edits):
                start, _end = _document_range(lines, finding.line - 1)
                by_document.setdefault(start, []).append(position)
    for positions in by_document.values():
        if len(positions) < 2:
            continue
        edits = [e for p in positions for e in findings[p].fixes[0]["edits"]]
        first = findings[positions[0]]
        together = _fix(
            ngettext(
                "Indent all {count} top-level key under its parent",
                "Indent all {count} top-level keys under their parents",
                len(positions),
            ).format(count=len(positions)),
            *edits,
        )
        findings[positions[0]] = dataclasses.replace(first, fixes=(*first.fixes, together))
    return findings


def _edit(line: int, column: int, end_line: int, end_column: int, text: str) -> dict[str, Any]:
    return {
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "text": text,
    }


def _fix(title: str, *edits: dict[str, Any]) -> dict[str, Any]:
    return {"title": title, "edits": list(edits)}


def _fixes(finding: Finding, lines: list[str]) -> list[dict[str, Any]]:
    if not 1 <= finding.line <= len(lines):
        return []
    code, suggestion = finding.code, finding.suggestion
    if not suggestion and code != "missing-image":
        return []
    if code in ("unknown-field", "unknown-resource"):
        return _rename_key(finding, lines, suggestion)
    if code in ("unknown-kind", "invalid-value"):
        return _replace_value(finding, lines, suggestion)
    if code == "removed-api":
        # networking.k8s.io/v1 Ingress backends are written differently, not just renamed.
        ingress = "`serviceName`" in finding.message
        title = (
            _("Use apiVersion: {api_version} and rewrite the backends")
            if ingress
            else _("Use apiVersion: {api_version}")
        )
        fixes = _replace_value(finding, lines, suggestion, title.format(api_version=suggestion))
        if fixes and ingress:
            fixes[0]["edits"].extend(_ingress_v1_edits(lines, finding.line - 1))
        return fixes
    if code == "missing-field" and _FIELD_NAME.match(suggestion):
        return _add_field(finding, lines, suggestion)
    if code == "missing-image":
        return _add_field(finding, lines, "image")
    if code == "misplaced-key" and _HOME.match(suggestion):
        return _indent_under(finding, lines, suggestion)
    if code == "duplicate-key" and suggestion.isdigit():
        return _remove_block(lines, int(suggestion))
    return []


_BACKEND_FIELD = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?)(?P<key>serviceName|servicePort):\s*(?P<value>.+?)\s*$"
)
_PATH_ITEM = re.compile(r"^(?P<indent>\s*)-\s+(?:path|backend):")


def _ingress_v1_edits(lines: list[str], index: int) -> list[dict[str, Any]]:
    """networking.k8s.io/v1 Ingress: `serviceName`/`servicePort` become
    `service: {name, port: {number | name}}`, each path gets a `pathType`, and the
    Ingress-wide `backend` is renamed `defaultBackend`."""
    start, end = _document_range(lines, index)
    edits: list[dict[str, Any]] = []
    number = start
    while number < end:
        line = lines[number]
        match = _BACKEND_FIELD.match(line)
        if match:
            # serviceName and servicePort sit side by side in one backend mapping.
            pair = {match["key"]: (number, match)}
            other = number + 1
            second = _BACKEND_FIELD.match(lines[other]) if other < end else None
            if (
                second
                and second["key"] != match["key"]
                and _indent(lines[other]) == len(match["lead"])
            ):
                pair[second["key"]] = (other, second)
            lead = match["lead"]
            column = " " * len(lead)
            name = pair.get("serviceName", (0, None))[1]
            port = pair.get("servicePort", (0, None))[1]
            new = [f"{lead}service:"]
            if name is not None:
                new.append(f"{column}  name: {name['value']}")
            if port is not None:
                value = port["value"].strip("\"'")
                kind = "number" if value.isdigit() else "name"
                new += [f"{column}  port:", f"{column}    {kind}: {value}"]
            last = max(n for n, _ in pair.values())
            edits.append(_edit(number + 1, 1, last + 1, len(lines[last]) + 1, "\n".join(new)))
            number = last + 1
            continue
        if re.match(r"^  backend:\s*$", line):
            edits.append(_edit(number + 1, 3, number + 1, 10, "defaultBackend"))
        item = _PATH_ITEM.match(line)
        if item and re.match(r"^\s*-\s+path:", line):
            item_column = len(item["indent"]) + 2
            block = lines[number + 1 : _block_end(lines, number)]
            if not any(re.match(rf"^ {{{item_column}}}pathType:", b) for b in block):
                edits.append(
                    _edit(number + 2, 1, number + 2, 1, f"{' ' * item_column}pathType: Prefix\n")
                )
        number += 1
    return edits


def _key_at(line: str, column: int) -> tuple[int, int] | None:
    """(start, end) columns (1-based, end exclusive) of the mapping key starting at ``column``."""
    rest = line[column - 1 :]
    match = _KEY.match(rest)
    if not match:
        return None
    key = match.group(1)
    return column, column + len(key)


def _rename_key(finding: Finding, lines: list[str], new: str) -> list[dict[str, Any]]:
    span = _key_at(lines[finding.line - 1], finding.column)
    if span is None:
        return []
    old = lines[finding.line - 1][span[0] - 1 : span[1] - 1]
    return [
        _fix(
            _("Rename {old} to {new}").format(old=old, new=new),
            _edit(finding.line, span[0], finding.line, span[1], new),
        )
    ]


def _replace_value(
    finding: Finding, lines: list[str], new: str, title: str = ""
) -> list[dict[str, Any]]:
    line = lines[finding.line - 1]
    span = _key_at(line, finding.column)
    if span is None:
        return []
    start = line.index(":", span[1] - 1) + 1
    while start < len(line) and line[start] == " ":
        start += 1
    end = line.find(" #", start)
    end = len(line.rstrip()) if end == -1 else len(line[:end].rstrip())
    if start >= end:
        return []
    old = line[start:end]
    return [
        _fix(
            title or _("Change {old} to {new}").format(old=old, new=new),
            _edit(finding.line, start + 1, finding.line, end + 1, new),
        )
    ]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: list[str], index: int) -> int:
    """The index after the last line of the block that starts at ``index`` (0-based)."""
    base = _indent(lines[index])
    end = index + 1
    while end < len(lines):
        line = lines[end]
        # A list written at the key's own indentation (`containers:` then `- name:`)
        # still belongs to the key.
        own_list = _indent(line) == base and line.lstrip().startswith("- ")
        if line.strip() and (_indent(line) <= base or _DOC_START.match(line)) and not own_list:
            break
        end += 1
    while end > index + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _add_field(finding: Finding, lines: list[str], name: str) -> list[dict[str, Any]]:
    if not finding.path:
        return []  # the object itself: where a root field goes is the student's choice
    index = finding.line - 1
    line = lines[index]
    if finding.path.endswith("]"):
        # A list item: its fields line up with the first one, after "- ".
        indent = finding.column - 1
        if line[indent:].startswith("- "):
            indent += 2
    else:
        following = next((ln for ln in lines[index + 1 :] if ln.strip()), "")
        indent = max(_indent(following), _indent(line) + 2)
        if _indent(following) <= _indent(line):
            indent = _indent(line) + 2
    at = index + 2  # insert before the next line (1-based)
    if at > len(lines):
        return [
            _fix(
                _("Add {field}").format(field=name),
                _edit(
                    len(lines),
                    len(lines[-1]) + 1,
                    len(lines),
                    len(lines[-1]) + 1,
                    f"\n{' ' * indent}{name}: ",
                ),
            )
        ]
    return [
        _fix(
            _("Add {field}").format(field=name),
            _edit(at, 1, at, 1, f"{' ' * indent}{name}: \n"),
        )
    ]


def _document_range(lines: list[str], index: int) -> tuple[int, int]:
    start = index
    while start > 0 and not _DOC_START.match(lines[start - 1]):
        start -= 1
    end = index
    while end < len(lines) and not _DOC_START.match(lines[end]):
        end += 1
    return start, end


def _indent_under(finding: Finding, lines: list[str], home: str) -> list[dict[str, Any]]:
    index = finding.line - 1
    if "." in home or _indent(lines[index]) != 0:
        return []  # deeper homes need their parents written out: the message says which
    start, _end = _document_range(lines, index)
    parent = next(
        (i for i in range(index - 1, start - 1, -1) if re.match(rf"^{home}\s*:", lines[i])), None
    )
    end = _block_end(lines, index)
    edits = [_edit(i + 1, 1, i + 1, 1, "  ") for i in range(index, end) if lines[i].strip()]
    title = _("Indent {key} under {parent}:").format(key=lines[index].split(":", 1)[0], parent=home)
    if parent is None:
        if any(re.match(rf"^{home}\s*:", ln) for ln in lines[index:]):
            return []  # `home:` comes later: moving the key there is the student's call
        edits[0] = _edit(index + 1, 1, index + 1, 1, f"{home}:\n  ")
    elif lines[parent].split(":", 1)[1].strip():
        return []  # `metadata: {}` or a value: not a block to indent into
    return [_fix(title, *edits)]


def _remove_block(lines: list[str], first_line: int) -> list[dict[str, Any]]:
    index = first_line - 1
    if not 0 <= index < len(lines):
        return []
    end = _block_end(lines, index)
    key = lines[index].strip().split(":", 1)[0]
    title = _("Remove the first {key} (line {line})").format(key=key, line=first_line)
    if end >= len(lines):
        return [
            _fix(
                title,
                _edit(first_line, 1, end, len(lines[end - 1]) + 1, ""),
            )
        ]
    return [
        _fix(
            title,
            _edit(first_line, 1, end + 1, 1, ""),
        )
    ]
