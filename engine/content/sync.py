"""What syncing any kind of content into the database shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class SyncStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unpublished: int = 0


def unpublish_missing(existing: Mapping[str, Any], present: set[str]) -> int:
    """Unpublish the rows whose file is gone; never delete (students' work points at them)."""
    count = 0
    for key, row in existing.items():
        if key not in present and row.is_published:
            row.is_published = False
            row.save(update_fields=["is_published", "updated_at"])
            count += 1
    return count
