"""Manifest validation: line-precise findings a beginner understands. No Django here."""

from engine.manifests.findings import CODES, Finding
from engine.manifests.parse import DEFAULT_MAX_BYTES as MAX_MANIFEST_BYTES
from engine.manifests.schemas import DEFAULT_VERSION, SUPPORTED_VERSIONS, UnsupportedVersion
from engine.manifests.validate import (
    DocumentResult,
    ValidationResult,
    manifest_text_problem,
    validate_text,
)

__all__ = [
    "CODES",
    "DEFAULT_VERSION",
    "MAX_MANIFEST_BYTES",
    "SUPPORTED_VERSIONS",
    "DocumentResult",
    "Finding",
    "UnsupportedVersion",
    "ValidationResult",
    "manifest_text_problem",
    "validate_text",
]
