"""Help while writing a manifest: completion and hover from the same schemas as validation.

Works on text that is being typed and so is often not valid YAML: the field
path at the cursor comes from indentation alone (each line's key and list
dashes), the object's schema from its `apiVersion` and `kind` lines. Lines and
columns are 1-based, as in findings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from engine.i18n import _
from engine.manifests import schemas
from engine.manifests.findings import either
from engine.manifests.schemas import SchemaSet, Shape
from engine.manifests.server_rules import ENUMS

# What a completion's or a hover's text may hold at most (descriptions can be long).
MAX_INFO = 600
_LINE = re.compile(r"^(?P<indent> *)(?P<dashes>(?:- +)*)(?P<rest>.*)$")
_KEY = re.compile(r"""^(?P<key>[A-Za-z0-9_.\-/]+|"[^"]*"|'[^']*')\s*:(?:\s+(?P<value>.*))?$""")
_DOC_START = re.compile(r"^---(\s|$)")
_TOP = re.compile(r"^(apiVersion|kind)\s*:\s*['\"]?([\w./-]+)")

# Enumerations the OpenAPI schemas leave as free text, by field name (see server_rules).
_VALUE_ENUMS: dict[str, tuple[str, ...]] = {
    "imagePullPolicy": ENUMS["image-pull-policy"],
    "protocol": ENUMS["protocol"],
    "pathType": ENUMS["path-type"],
    "restartPolicy": ("Always", "OnFailure", "Never"),
    "concurrencyPolicy": ENUMS["concurrency-policy"],
    "podManagementPolicy": ENUMS["pod-management-policy"],
    "persistentVolumeReclaimPolicy": ENUMS["reclaim-policy"],
    "accessModes": ENUMS["access-mode"],
}
_VALUE_ENUMS_BY_SHAPE: dict[tuple[str, str], tuple[str, ...]] = {
    ("ServiceSpec", "type"): ENUMS["service-type"],
    ("DeploymentStrategy", "type"): ENUMS["deployment-strategy"],
    ("StatefulSetUpdateStrategy", "type"): ENUMS["statefulset-strategy"],
    ("DaemonSetUpdateStrategy", "type"): ENUMS["statefulset-strategy"],
}

# Kinds the API serves that nobody writes in a manifest.
_NOT_OBJECTS = {"DeleteOptions", "WatchEvent", "Status", "Eviction", "Scale", "TokenRequest"}

# Object skeletons offered on an empty line at the top of a document: ${...} are the
# fields to fill in (CodeMirror snippet syntax); each is a valid object once filled.
SKELETONS: dict[str, str] = {
    "Deployment": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${web}\nspec:\n  replicas: ${2}\n"
        "  selector:\n    matchLabels:\n      app: ${web}\n  template:\n    metadata:\n      labels:\n"
        "        app: ${web}\n    spec:\n      containers:\n        - name: ${web}\n"
        "          image: ${nginx:1.27}\n          ports:\n            - containerPort: ${80}\n"
    ),
    "Service": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: ${web}\nspec:\n  type: ${ClusterIP}\n"
        "  selector:\n    app: ${web}\n  ports:\n    - port: ${80}\n      targetPort: ${80}\n"
    ),
    "Pod": (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${web}\n  labels:\n    app: ${web}\nspec:\n"
        "  containers:\n    - name: ${web}\n      image: ${nginx:1.27}\n"
    ),
    "ConfigMap": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${settings}\ndata:\n  ${key}: ${value}\n"
    ),
    "Secret": (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${credentials}\ntype: Opaque\n"
        "stringData:\n  ${password}: ${change-me}\n"
    ),
    "Namespace": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${team-a}\n",
    "Job": (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${once}\nspec:\n  template:\n    spec:\n"
        "      restartPolicy: ${Never}\n      containers:\n        - name: ${task}\n"
        '          image: ${busybox:1.37}\n          command: [${"echo", "hello"}]\n'
    ),
    "CronJob": (
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: ${nightly}\nspec:\n"
        '  schedule: "${0 3 * * *}"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n'
        "          restartPolicy: ${OnFailure}\n          containers:\n            - name: ${task}\n"
        "              image: ${busybox:1.37}\n"
    ),
    "PersistentVolumeClaim": (
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${data}\nspec:\n"
        "  accessModes: [${ReadWriteOnce}]\n  resources:\n    requests:\n      storage: ${1Gi}\n"
    ),
    "Ingress": (
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: ${web}\nspec:\n"
        "  rules:\n    - host: ${web.example.com}\n      http:\n        paths:\n"
        "          - path: ${/}\n            pathType: ${Prefix}\n            backend:\n"
        "              service:\n                name: ${web}\n                port:\n"
        "                  number: ${80}\n"
    ),
}


@dataclass(frozen=True)
class Completion:
    label: str
    type: str  # property | enum | keyword | snippet
    apply: str  # the text inserted (for a snippet: CodeMirror snippet syntax)
    detail: str = ""
    info: str = ""
    boost: int = 0  # higher first: required fields above optional ones

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CompletionResult:
    # The range the completion replaces (the word typed so far): 1-based, end exclusive.
    line: int
    column: int
    end_column: int
    options: list[Completion] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "end_column": self.end_column,
            "options": [o.as_dict() for o in self.options],
        }


@dataclass(frozen=True)
class Hover:
    key: str
    path: str
    type: str
    required: bool
    description: str
    line: int
    column: int
    end_column: int
    link: str = ""
    link_title: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Line:
    parent: tuple[str | int, ...]  # keys and list items (an item is its dash's line number)
    key: str | None
    key_column: int  # 0-based
    value: str | None


def _strip_comment(text: str) -> str:
    if "#" not in text:
        return text
    quote = ""
    for i, c in enumerate(text):
        if c in "\"'" and not quote:
            quote = c
        elif c == quote:
            quote = ""
        elif c == "#" and not quote and (i == 0 or text[i - 1] == " "):
            return text[:i].rstrip()
    return text


def _scan(lines: list[str], start: int, stop: int) -> dict[int, _Line]:
    """Each non-blank line's field path from indentation, for lines [start, stop)."""
    stack: list[tuple[int, str | int]] = []  # (column, key or list item)
    out: dict[int, _Line] = {}
    block_scalar_column: int | None = None
    for number in range(start, stop):
        raw = _strip_comment(lines[number])
        if not raw.strip():
            continue
        match = _LINE.match(raw)
        assert match is not None
        indent, dashes, rest = len(match["indent"]), match["dashes"], match["rest"]
        if block_scalar_column is not None:
            if indent > block_scalar_column:
                continue  # inside a `|` or `>` text block
            block_scalar_column = None
        column = indent
        for dash in re.finditer(r"- +", dashes):
            column = indent + dash.start()
            while stack and (
                stack[-1][0] > column or (stack[-1][0] == column and isinstance(stack[-1][1], int))
            ):
                stack.pop()
            stack.append((column, number))
            column = indent + dash.end()
        key_match = _KEY.match(rest)
        while (
            stack
            and stack[-1][0] >= column
            and not (isinstance(stack[-1][1], int) and stack[-1][0] < column)
        ):
            if isinstance(stack[-1][1], int) and dashes:
                break
            stack.pop()
        parent = tuple(part for _, part in stack)
        if key_match:
            key = key_match["key"].strip("\"'")
            value = key_match["value"]
            out[number] = _Line(parent, key, column, value)
            stack.append((column, key))
            if value and value.strip()[:1] in ("|", ">"):
                block_scalar_column = column
        else:
            out[number] = _Line(parent, None, column, rest)
    return out


def _document(lines: list[str], index: int) -> tuple[int, int]:
    start = index
    while start > 0 and not _DOC_START.match(lines[start - 1]):
        start -= 1
    end = index + 1
    while end < len(lines) and not _DOC_START.match(lines[end]):
        end += 1
    return start, end


def _root_keys(lines: list[str], start: int, end: int) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines[start:end]:
        match = _TOP.match(line)
        if match and match[1] not in found:
            found[match[1]] = match[2]
    return found


def _shape_at(root: Shape, path: tuple[str | int, ...]) -> Shape | None:
    shape: Shape | None = root
    for part in path:
        if shape is None:
            return None
        if isinstance(part, int):
            shape = shape.items
        elif part in shape.properties:
            shape = shape.properties[part]
        elif isinstance(shape.additional, Shape):
            shape = shape.additional
        else:
            return None
    return shape


def _type_word(shape: Shape) -> str:
    """The field's type for a completion's or hover's detail (the schema's own type names,
    such as `string`, stay as the API documentation writes them)."""
    if shape.int_or_string:
        return _("number or text")
    if shape.quantity:
        return _("quantity (e.g. 500m, 128Mi)")
    if "array" in shape.types and shape.items is not None:
        inner = shape.items
        return _("list of {type}").format(
            type=inner.name if inner.properties else _type_word(inner)
        )
    if "object" in shape.types and shape.properties:
        return _("object ({type})").format(type=shape.name)
    if "object" in shape.types:
        return _("map of text")
    return either(list(shape.types)) or _("any")


def _trim(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_INFO else text[: MAX_INFO - 1] + "…"


def _root(schema_set: SchemaSet, keys: Mapping[str, str]) -> Shape | None:
    api_version, kind = keys.get("apiVersion"), keys.get("kind")
    if not api_version or not kind:
        return None
    return schema_set.root(api_version, kind)


def _enum_values(parent: Shape | None, key: str, shape: Shape | None) -> tuple[Any, ...]:
    if shape is not None and shape.enum:
        return shape.enum
    if shape is not None and shape.items is not None and shape.items.enum:
        return shape.items.enum
    if parent is not None and (parent.name, key) in _VALUE_ENUMS_BY_SHAPE:
        return _VALUE_ENUMS_BY_SHAPE[(parent.name, key)]
    if shape is not None and "boolean" in shape.types:
        return ("true", "false")
    return _VALUE_ENUMS.get(key, ())


def complete(
    text: str, line: int, column: int, *, kubernetes_version: str = schemas.DEFAULT_VERSION
) -> CompletionResult:
    """What may be written at (line, column): keys, values, or a whole object's skeleton."""
    schema_set = schemas.schema_set(kubernetes_version)
    lines = text.split("\n")
    index = min(max(line - 1, 0), max(len(lines) - 1, 0))
    current = lines[index] if lines else ""
    before = current[: max(column - 1, 0)]
    start, end = _document(lines, index)
    match = _LINE.match(before)
    assert match is not None
    indent, dashes, rest = len(match["indent"]), match["dashes"], match["rest"]
    key_column = indent + len(dashes)
    value_match = re.match(r"^(?P<key>[A-Za-z0-9_.\-/]+)\s*:\s+(?P<word>\S*)$", rest)
    result = CompletionResult(line=index + 1, column=column, end_column=column)
    keys = _root_keys(lines, start, end)
    # The field path of the cursor's line: the lines above it, and its own dashes.
    probe = [*lines[start:index], before[:key_column].replace("-", " ") + "x:"]
    scanned = _scan(probe, 0, len(probe))
    here = scanned.get(len(probe) - 1)
    parent_path: tuple[str | int, ...] = here.parent if here else ()
    if dashes:
        parent_path = (*parent_path, index)
    root = _root(schema_set, keys)

    if value_match:
        key, word = value_match["key"], value_match["word"]
        result.column = column - len(word)
        result.options = _values(schema_set, root, parent_path, key, keys)
        return result
    if not re.fullmatch(r"[A-Za-z0-9_.\-/]*", rest):
        return result
    result.column = column - len(rest)
    if not parent_path and not dashes:
        result.options = _root_options(schema_set, root, keys, lines, start, end, index)
        return result
    if root is None:
        return result
    shape = _shape_at(root, parent_path)
    if shape is None or not shape.properties:
        return result
    all_lines = _scan(lines, start, end)
    present = {
        info.key
        for number, info in all_lines.items()
        if number != index and info.key and info.parent == parent_path
    }
    result.options = _keys(shape, present, key_column)
    return result


def _keys(shape: Shape, present: set[str], column: int) -> list[Completion]:
    options = []
    for name, sub in shape.properties.items():
        if name in present or name == "status":
            continue
        required = name in shape.required
        child = " " * (column + 2)
        if "array" in sub.types and sub.items is not None and sub.items.properties:
            apply = f"{name}:\n{child}- "
        elif "object" in sub.types and sub.properties:
            apply = f"{name}:\n{child}"
        else:
            apply = f"{name}: "
        options.append(
            Completion(
                label=name,
                type="property",
                apply=apply,
                detail=(
                    _("{type} · required").format(type=_type_word(sub))
                    if required
                    else _type_word(sub)
                ),
                info=_trim(shape.docs.get(name, "")),
                boost=10 if required else 0,
            )
        )
    options.sort(key=lambda o: (-o.boost, o.label))
    return options


def _root_options(
    schema_set: SchemaSet,
    root: Shape | None,
    keys: Mapping[str, str],
    lines: list[str],
    start: int,
    end: int,
    index: int,
) -> list[Completion]:
    options: list[Completion] = []
    empty = not any(line.strip() for i, line in enumerate(lines[start:end], start) if i != index)
    if empty:
        for kind, body in SKELETONS.items():
            options.append(
                Completion(
                    label=_("{kind} (whole object)").format(kind=kind),
                    type="snippet",
                    apply=body,
                    detail=_("a {kind} with its required fields").format(kind=kind),
                    boost=20,
                )
            )
    present = {k for k in _root_keys(lines, start, end)}
    present |= {
        info.key
        for number, info in _scan(lines, start, end).items()
        if number != index and info.key and not info.parent
    }
    if root is not None:
        options.extend(_keys(root, present, 0))
    else:
        for name in ("apiVersion", "kind", "metadata"):
            if name not in present:
                options.append(Completion(name, "property", f"{name}: ", _("required"), boost=10))
    return options


def _values(
    schema_set: SchemaSet,
    root: Shape | None,
    parent_path: tuple[str | int, ...],
    key: str,
    keys: Mapping[str, str],
) -> list[Completion]:
    if not parent_path and key == "apiVersion":
        kind = keys.get("kind")
        versions = schema_set.versions_serving(kind) if kind else schema_set.api_versions
        detail = _("serves {kind}").format(kind=kind) if kind else "apiVersion"
        return [Completion(v, "keyword", v, detail, boost=0) for v in versions]
    if not parent_path and key == "kind":
        api_version = keys.get("apiVersion")
        kinds = sorted(
            {
                k
                for av, k in schema_set.kinds
                if api_version in (None, av) and not k.endswith("List") and k not in _NOT_OBJECTS
            }
        )
        detail = (
            _("served by {api_version}").format(api_version=api_version) if api_version else "kind"
        )
        return [Completion(k, "keyword", k, detail) for k in kinds]
    if root is None:
        return []
    parent = _shape_at(root, parent_path)
    shape = parent.properties.get(key) if parent is not None else None
    values = _enum_values(parent, key, shape)
    detail = _("allowed value of {field}").format(field=key)
    return [Completion(str(v), "enum", str(v), detail) for v in values]


def hover(
    text: str,
    line: int,
    column: int,
    *,
    kubernetes_version: str = schemas.DEFAULT_VERSION,
    links: Mapping[str, tuple[str, str]] | None = None,
) -> Hover | None:
    """What the key under (line, column) is: description, type, required, where it is taught."""
    schema_set = schemas.schema_set(kubernetes_version)
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    index = line - 1
    start, end = _document(lines, index)
    scanned = _scan(lines, start, index + 1)
    info = scanned.get(index)
    if info is None or info.key is None:
        return None
    first = info.key_column + 1
    last = first + len(info.key)
    if not first <= column <= last:
        return None
    keys = _root_keys(lines, start, end)
    root = _root(schema_set, keys)
    if root is None:
        return None
    parent = _shape_at(root, info.parent)
    if parent is None or info.key not in parent.properties:
        return None
    shape = parent.properties[info.key]
    path = ".".join(p if isinstance(p, str) else "[]" for p in (*info.parent, info.key)).replace(
        ".[]", "[]"
    )
    link, title = (links or {}).get(info.key, ("", ""))
    return Hover(
        key=info.key,
        path=path,
        type=_type_word(shape),
        required=info.key in parent.required,
        description=_trim(parent.docs.get(info.key, "")),
        line=line,
        column=first,
        end_column=last,
        link=link,
        link_title=title,
    )
