"""The Kubernetes OpenAPI schemas, compiled once per version into a small walker.

The schemas are the strict JSON Schemas shipped by the ``kubernetes-validate``
package (derived from each release's OpenAPI document, with
``additionalProperties: false`` on every object). Only the handful of
keywords they use matter here (type, properties, additionalProperties,
required, items, enum, $ref and the two oneOf types IntOrString and
Quantity), so instead of a general JSON Schema engine this module compiles
them into ``Shape`` objects, lazily, and walks the manifest once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from engine.i18n import N_, _
from engine.manifests.findings import Document, Finding, dotted, either, shown
from engine.manifests.findings import Path as FieldPath
from engine.manifests.suggest import closest

SUPPORTED_VERSIONS = tuple(f"1.{minor}" for minor in range(25, 38))
DEFAULT_VERSION = "1.35"
_REF_PREFIX = "/api/_definitions.json#/$defs/"
_LOCAL_REF_PREFIX = "#/$defs/"

_QUANTITY = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+)?$")
_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}
# Marked N_: translated where a message is built (module constants hold English).
_TYPE_WORDS = {
    "string": N_("text"),
    "integer": N_("a whole number"),
    "number": N_("a number"),
    "boolean": N_("true or false"),
    "object": N_("a mapping of fields"),
    "array": N_("a list"),
}


class UnsupportedVersion(ValueError):
    pass


@dataclass
class Shape:
    """One compiled schema node."""

    name: str  # the definition's short name (DeploymentSpec) or a description
    types: tuple[str, ...] = ()
    properties: dict[str, Shape] = field(default_factory=dict)
    # None: any extra key is fine; False: no extra key; a Shape: every value has it.
    additional: Shape | bool | None = None
    items: Shape | None = None
    required: tuple[str, ...] = ()
    enum: tuple[Any, ...] = ()
    int_or_string: bool = False
    quantity: bool = False
    description: str = ""
    # Each property's own description (a $ref'd property's is written at the reference).
    docs: dict[str, str] = field(default_factory=dict)


def schema_dir(version: str) -> Path:
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedVersion(
            _("Kubernetes {version} is not supported; choose one of {versions}").format(
                version=version, versions=", ".join(SUPPORTED_VERSIONS)
            )
        )
    base = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    return Path(str(base / f"v{version}.0-local-strict"))


class SchemaSet:
    """Everything about one Kubernetes version's API: its kinds and their shapes."""

    def __init__(self, version: str) -> None:
        self.version = version
        raw = json.loads((schema_dir(version) / "_definitions.json").read_text())
        self._defs: dict[str, Any] = raw["$defs"]
        self._shapes: dict[str, Shape] = {}
        self.kinds: dict[tuple[str, str], str] = {}
        for name, definition in self._defs.items():
            for gvk in definition.get("x-kubernetes-group-version-kind", []):
                api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                self.kinds[(api_version, gvk["kind"])] = name
        self.kind_names = tuple(sorted({kind for _, kind in self.kinds}))
        self.api_versions = sorted({av for av, _ in self.kinds})

    def root(self, api_version: str, kind: str) -> Shape | None:
        name = self.kinds.get((api_version, kind))
        return self.shape(name) if name else None

    def versions_serving(self, kind: str) -> list[str]:
        return sorted(av for av, k in self.kinds if k == kind)

    def shape(self, name: str) -> Shape:
        shape = self._shapes.get(name)
        if shape is None:
            shape = Shape(name=name.rsplit(".", 1)[-1])
            # Registered before compiling its children: schemas are recursive
            # (JSONSchemaProps refers to itself).
            self._shapes[name] = shape
            self._fill(shape, self._defs[name])
        return shape

    def _compile(self, schema: dict[str, Any], name: str) -> Shape:
        ref = schema.get("$ref")
        if ref:
            return self.shape(ref.removeprefix(_REF_PREFIX).removeprefix(_LOCAL_REF_PREFIX))
        shape = Shape(name=name)
        self._fill(shape, schema)
        return shape

    def _fill(self, shape: Shape, schema: dict[str, Any]) -> None:
        if shape.name == "IntOrString":
            shape.int_or_string = True
            return
        if shape.name == "Quantity":
            shape.quantity = True
            return
        raw_types = schema.get("type", ())
        types = (raw_types,) if isinstance(raw_types, str) else tuple(raw_types)
        shape.types = tuple(t for t in types if t != "null")
        shape.required = tuple(schema.get("required", ()))
        shape.enum = tuple(schema.get("enum", ()))
        shape.description = schema.get("description", "")
        for prop, sub in schema.get("properties", {}).items():
            shape.properties[prop] = self._compile(sub, prop)
            shape.docs[prop] = sub.get("description") or shape.properties[prop].description
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            shape.additional = self._compile(additional, f"{shape.name} value")
        elif additional is False:
            shape.additional = False
        items = schema.get("items")
        if isinstance(items, dict):
            shape.items = self._compile(items, f"{shape.name} item")


@cache
def schema_set(version: str) -> SchemaSet:
    return SchemaSet(version)


def _type_word(types: tuple[str, ...]) -> str:
    words = [_(_TYPE_WORDS[t]) if t in _TYPE_WORDS else t for t in types]
    return either(words)


def _value_word(value: Any) -> str:
    if value is None:
        return _("nothing (null)")
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, dict):
        return _("a mapping")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, str):
        return _('the text "{text}"').format(text=shown(value, 40))
    return f"`{shown(value)}`"


def check(doc: Document, shape: Shape) -> list[Finding]:
    findings: list[Finding] = []
    _walk(doc, doc.data, shape, (), findings)
    return findings


def _walk(doc: Document, value: Any, shape: Shape, path: FieldPath, out: list[Finding]) -> None:
    if value is None:
        return
    if shape.int_or_string:
        if isinstance(value, bool) or not isinstance(value, int | str):
            out.append(
                doc.finding(
                    "error",
                    "wrong-type",
                    path,
                    _("`{field}` must be a port number or a port name, not {value}.").format(
                        field=_last(path), value=_value_word(value)
                    ),
                )
            )
        return
    if shape.quantity:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            out.append(
                doc.finding(
                    "error",
                    "wrong-type",
                    path,
                    _(
                        "`{field}` must be a quantity such as `500m`, `0.5` or `128Mi`, "
                        "not {value}."
                    ).format(field=_last(path), value=_value_word(value)),
                )
            )
        elif isinstance(value, str) and not _QUANTITY.match(value):
            out.append(
                doc.finding(
                    "error",
                    "invalid-value",
                    path,
                    _(
                        '"{value}" is not a quantity. Use a number with an optional suffix: '
                        "`250m` (millicores), `0.5`, `64Mi`, `1Gi` (not `MB` or `GB`)."
                    ).format(value=shown(value, 40)),
                )
            )
        return
    if shape.types and not _type_ok(value, shape.types):
        out.append(_wrong_type(doc, value, shape, path))
        return
    if shape.enum and value not in shape.enum:
        allowed = ", ".join(f"`{v}`" for v in shape.enum)
        out.append(
            doc.finding(
                "error",
                "invalid-value",
                path,
                _("`{field}` must be {allowed}, not {value}.").format(
                    field=_last(path), allowed=allowed, value=_value_word(value)
                ),
            )
        )
        return
    if isinstance(value, dict):
        _walk_mapping(doc, value, shape, path, out)
    elif isinstance(value, list) and shape.items is not None:
        for index, item in enumerate(value):
            _walk(doc, item, shape.items, (*path, index), out)


def _walk_mapping(
    doc: Document, value: dict[str, Any], shape: Shape, path: FieldPath, out: list[Finding]
) -> None:
    props = shape.properties
    for key, child in value.items():
        sub = props.get(key)
        if sub is not None:
            _walk(doc, child, sub, (*path, key), out)
        elif isinstance(shape.additional, Shape):
            _walk(doc, child, shape.additional, (*path, key), out)
        elif shape.additional is False:
            out.append(_unknown_field(doc, key, shape, (*path, key)))
    for name in shape.required:
        if value.get(name) is None:
            out.append(
                doc.finding(
                    "error",
                    "missing-field",
                    path,
                    _("`{name}` is required in `{where}` ({type}) but missing.").format(
                        name=name, where=dotted_or_root(path), type=shape.name
                    ),
                    suggestion=name,
                )
            )


def dotted_or_root(path: FieldPath) -> str:
    return dotted(path) or _("the object")


def _type_ok(value: Any, types: tuple[str, ...]) -> bool:
    for t in types:
        expected = _PY_TYPES.get(t)
        if expected is None:
            return True
        if isinstance(value, bool) and t != "boolean":
            continue
        if isinstance(value, expected):
            return True
    return False


def _last(path: FieldPath) -> str:
    for part in reversed(path):
        if isinstance(part, str):
            return part
    return _("value")


def _wrong_type(doc: Document, value: Any, shape: Shape, path: FieldPath) -> Finding:
    want = _type_word(shape.types)
    message = _("`{field}` must be {expected}, not {value}.").format(
        field=_last(path), expected=want, value=_value_word(value)
    )
    if "string" in shape.types and isinstance(value, int | float | bool):
        message += " " + _('Put it in quotes to make it text: "{value}".').format(
            value=shown(value)
        )
    elif "array" in shape.types and isinstance(value, dict):
        message += " " + _("Start each item of a list with `- `.")
    elif "object" in shape.types and isinstance(value, list):
        message += " " + _("Remove the `- ` in front of its fields.")
    elif "integer" in shape.types and isinstance(value, str) and value.strip().isdigit():
        message += " " + _("Remove the quotes to make it a number.")
    return doc.finding("error", "wrong-type", path, message)


def _unknown_field(doc: Document, key: str, shape: Shape, path: FieldPath) -> Finding:
    names = list(shape.properties)
    guess = closest(key, tuple(names))
    if guess:
        message = _("`{key}` is not a field of {type} — did you mean `{guess}`?").format(
            key=shown(key), type=shape.name, guess=guess
        )
    else:
        nearby = ", ".join(f"`{n}`" for n in names[:12]) + (", ..." if len(names) > 12 else "")
        message = _("`{key}` is not a field of {type}. Its fields are: {fields}.").format(
            key=shown(key), type=shape.name, fields=nearby
        )
        if key in ("spec", "metadata", "containers", "template", "selector"):
            message += " " + _("Check the indentation: it may belong one level up or down.")
    return doc.finding("error", "unknown-field", path, message, suggestion=guess or "")
