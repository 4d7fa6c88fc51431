"""What the validator reports: findings with a code, a field path and a position."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from engine.i18n import _

Severity = Literal["error", "warning"]
Path = tuple[str | int, ...]

# Every code the validator can report, with what it means (exercises name them).
CODES = {
    "yaml-syntax": "the text is not valid YAML",
    "duplicate-key": "a key appears twice in one mapping",
    "unsafe-tag": "a YAML tag that would build something other than plain data",
    "not-a-mapping": "a document that is not a mapping of keys to values",
    "too-large": "the text is larger than the size limit",
    "too-many-nodes": "the YAML expands to more values than the limit (a YAML bomb)",
    "too-many-documents": "the file has more documents than are checked in one file",
    "too-many-findings": "more findings than are reported at once: the first ones are shown",
    "missing-api-version": "a document without apiVersion",
    "missing-kind": "a document without kind",
    "unknown-kind": "a kind the apiVersion does not serve",
    "removed-api": "an apiVersion removed in the chosen Kubernetes version",
    "deprecated-api": "an apiVersion deprecated in the chosen Kubernetes version",
    "unknown-field": "a field the object's schema does not have",
    "misplaced-key": "a key at the top level that belongs under metadata or spec (lost indentation)",
    "unknown-resource": "a resource name in requests, limits or a LimitRange the API server refuses",
    "generate-name": "generateName without name, which kubectl apply refuses",
    "missing-field": "a required field is missing",
    "wrong-type": "a value of the wrong type",
    "invalid-value": "a value the API server refuses",
    "invalid-name": "a name that is not a valid DNS name",
    "invalid-label": "a label key or value the API server refuses",
    "selector-mismatch": "a workload selector that does not match its Pod template labels",
    "missing-image": "a container without an image",
    "port-out-of-range": "a port number outside its allowed range",
    "negative-value": "a count or duration below its minimum",
    "invalid-base64": "a Secret data value that is not base64",
    "too-large-object": "a ConfigMap or Secret larger than 1 MiB",
    "service-selects-nothing": "a Service whose selector matches no Pod template in the file",
    "unknown-target-port": "a Service targetPort name that no selected container declares",
    "unknown-config-key": "a reference to a ConfigMap or Secret key the file's object lacks",
}


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    path: str  # dotted field path: spec.template.spec.containers[0].image
    line: int  # 1-based, in the source file
    column: int  # 1-based
    message: str
    # Quick fixes (engine/manifests/fixes.py): {"title", "edits": [{line, column, end_line,
    # end_column, text}]}. Not part of a finding's identity; listed only when there are some.
    fixes: tuple[dict[str, Any], ...] = field(default=(), compare=False)
    # What a quick fix needs, whatever language the message is in: the name a did-you-mean
    # suggests, a removed apiVersion's successor, the missing field, the parent a misplaced
    # key belongs under, the line of a duplicate key's first copy. Not sent to clients.
    suggestion: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["suggestion"]
        if self.fixes:
            data["fixes"] = list(data["fixes"])
        else:
            del data["fixes"]
        return data


# What a message quotes from the manifest is cut to this many characters: a
# finding explains, it does not echo a 200 KiB value back.
SHOWN_CHARS = 60


def shown(value: Any, limit: int = SHOWN_CHARS) -> str:
    """A value from the manifest as a message quotes it: text as is, anything else as YAML would
    write it, at most ``limit`` characters."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif value is None:
        text = "null"
    elif isinstance(value, int) and value.bit_length() > 200:
        text = _("a number of {count} digits").format(count=len(str(abs(value))))
    elif isinstance(value, dict):
        text = _("a mapping")
    elif isinstance(value, list):
        text = _("a list")
    else:
        text = str(value)
    text = "".join(c if c.isprintable() else "\ufffd" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def either(words: list[str]) -> str:
    """ "a or b or c" in the reader's language."""
    out = words[0] if words else ""
    for word in words[1:]:
        out = _("{first} or {second}").format(first=out, second=word)
    return out


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = shown(part)
            out += f".{name}" if out else name
    return out


@dataclass
class Document:
    """One YAML document: plain data plus where each value came from."""

    index: int  # 0-based position in the file
    data: Any
    # 1-based (line, column) of each value; for a mapping key, of the key.
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path) -> tuple[int, int]:
        probe = tuple(path)
        while probe:
            found = self.positions.get(probe)
            if found:
                return found
            probe = probe[:-1]
        return self.positions.get((), (1, 1))

    def finding(
        self, severity: Severity, code: str, path: Path, message: str, suggestion: str = ""
    ) -> Finding:
        line, column = self.position(path)
        return Finding(severity, code, dotted(path), line, column, message, suggestion=suggestion)
