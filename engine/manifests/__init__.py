"""Manifest validation: line-precise findings a beginner understands. No Django here."""

from engine.manifests.findings import CODES, Finding
from engine.manifests.schemas import DEFAULT_VERSION, SUPPORTED_VERSIONS, UnsupportedVersion
from engine.manifests.validate import DocumentResult, ValidationResult, validate_text

__all__ = [
    "CODES",
    "DEFAULT_VERSION",
    "SUPPORTED_VERSIONS",
    "DocumentResult",
    "Finding",
    "UnsupportedVersion",
    "ValidationResult",
    "validate_text",
]
