"""Assertions added beside the core language, each in a module of its own.

``rules.py`` holds the core assertions (count, match, absent, expr, selects,
access). An extension registers here under its key (the word a content file
writes, like ``resolves``); ``compile_rule`` and ``evaluate_one`` consult this
registry for any key they do not know, and the lab grader asks it which
extra kinds (and API discovery documents) a rule needs read. Nothing here
imports the rule module, so the core and the extensions do not import each
other in a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# (apiVersion, kind): what the lab grader lists in the namespace; an apiVersion of
# None is the kind's usual one (the grader knows it).
KindKey = tuple[str | None, str]


def _nothing(_unused: Any) -> set[Any]:
    return set()


@dataclass(frozen=True)
class Extension:
    name: str
    # (rule id, the raw rule) -> whatever evaluation needs precompiled; raises RuleError.
    compile: Callable[[str, dict[str, Any]], Any]
    # (rule, selected objects, every object) -> (passed, message, evidence).
    evaluate: Callable[
        [Any, list[dict[str, Any]], list[dict[str, Any]]], tuple[bool, str, dict[str, Any]]
    ]
    # Only labs (graded on a cluster) may use it.
    lab_only: bool = False
    # Extra kinds the grader must list for this rule, beyond the one it selects.
    reads: Callable[[Any], set[KindKey]] = field(default=_nothing)
    # API discovery documents (paths such as /version) the grader must fetch for it.
    discovery: Callable[[Any], set[str]] = field(default=_nothing)
    # Stored evidence can answer it again: it reads only the objects it selects, through
    # a JMESPath expression in ``compiled`` (engine.grading.regrade checks which fields).
    regradable: bool = False


EXTENSIONS: dict[str, Extension] = {}


def register(extension: Extension) -> Extension:
    if extension.name in EXTENSIONS:
        raise ValueError(f"assertion {extension.name!r} is registered twice")
    EXTENSIONS[extension.name] = extension
    return extension


def names(*, lab: bool) -> tuple[str, ...]:
    return tuple(name for name, ext in EXTENSIONS.items() if lab or not ext.lab_only)


# What the API server answers at a discovery path (/version, /api, /apis/batch/v1), as an
# object among the others, so that a rule over it stays a pure function of objects.
DISCOVERY_API_VERSION = "lfs158-tutor.invalid/v1"
DISCOVERY_KIND = "APIDiscovery"
# Only discovery: /version, /api, /api/v1, /apis, /apis/GROUP, /apis/GROUP/VERSION (never a
# resource's objects: /api/v1/secrets would list every Secret of the cluster).
DISCOVERY_PATH = re.compile(
    r"^/(version|api(/v[0-9][a-z0-9]*)?|apis(/[a-z0-9][a-z0-9.-]*(/v[0-9][a-z0-9]*)?)?)$"
)


def discovery_object(path: str, body: Any) -> dict[str, Any]:
    return {
        "apiVersion": DISCOVERY_API_VERSION,
        "kind": DISCOVERY_KIND,
        "metadata": {"name": path},
        "body": body,
    }
