"""What students may do, and the guard around their namespaces: read from the deploy files.

``deploy/kubernetes/student-role.yaml`` (the students' rules) and
``deploy/kubernetes/student-guardrails.yaml`` (the admission policy) are the one
source: an operator applies them with the rest of the deployment, and the tutor
reads the same files to create each student's Role and to check (or, with admin
rights, install) the policy.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "kubernetes"
STUDENT_ROLE = DEPLOY / "student-role.yaml"
GUARDRAILS = DEPLOY / "student-guardrails.yaml"


@cache
def _documents(path: Path) -> tuple[dict[str, Any], ...]:
    return tuple(doc for doc in yaml.safe_load_all(path.read_text()) if doc)


def student_rules() -> list[dict[str, Any]]:
    """The rules of each student's Role (a copy: callers may not change the source)."""
    [role] = _documents(STUDENT_ROLE)
    return copy.deepcopy(role["rules"])


def guardrail_manifests() -> list[dict[str, Any]]:
    """The ValidatingAdmissionPolicy and its binding, as shipped."""
    return copy.deepcopy(list(_documents(GUARDRAILS)))


def guardrail_name() -> str:
    """The name the policy and its binding share (the tutor looks them up by it)."""
    names = {doc["metadata"]["name"] for doc in _documents(GUARDRAILS)}
    [name] = names
    return name
