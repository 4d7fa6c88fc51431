"""JSON Schema validation that reports the line of each problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

from engine.yaml import LoadedYaml

# Schemas that content schemas refer to by `$ref` (their `$id` resolves the reference).
SHARED_SCHEMAS = (Path(__file__).resolve().parents[1] / "assertions" / "rule.schema.json",)


@cache
def _registry() -> Registry:
    registry: Registry = Registry()
    for path in SHARED_SCHEMAS:
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        registry = registry.with_resource(schema["$id"], Resource.from_contents(schema))
    return registry


@cache
def validator_for(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(schema_path.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def schema_errors(loaded: LoadedYaml, schema_path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line, message)`` for every schema violation, in file order."""
    found: list[tuple[int, str]] = []
    for error in validator_for(schema_path).iter_errors(loaded.data):
        found.extend(_describe(loaded, error))
    yield from sorted(set(found))


def _describe(loaded: LoadedYaml, error: ValidationError) -> list[tuple[int, str]]:
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    where = _dotted(path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(schema.get("properties", {}))
        extra = [key for key in error.instance if key not in allowed]
        return [
            (
                loaded.line_for((*path, key)),
                f"unknown key {key!r}"
                + (f" in {where}" if where else "")
                + f" (allowed: {', '.join(sorted(allowed))})",
            )
            for key in extra
        ]
    if error.validator == "required":
        return [(loaded.line_for(path), f"{where or 'the file'}: {error.message}")]
    message = schema.get("errorMessage") or error.message
    return [(loaded.line_for(path), f"{where}: {message}" if where else message)]
