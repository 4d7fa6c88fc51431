"""Manifest validation: line-precise findings a beginner understands. No Django here."""

from tutor.manifests.findings import CODES, Finding
from tutor.manifests.schemas import DEFAULT_VERSION, SUPPORTED_VERSIONS, UnsupportedVersion
from tutor.manifests.validate import DocumentResult, ValidationResult, validate_text

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
