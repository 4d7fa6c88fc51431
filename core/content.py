"""Syncing content rows from files: keyed on uuid, written only when changed, never deleted.

Students' work points at these rows, so a row whose file is gone is
unpublished, never deleted; a file renamed or moved keeps its row (the uuid
in the file is the key).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models, transaction

M = TypeVar("M", bound=models.Model)


@dataclass
class SyncStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    unpublished: int = 0


S = TypeVar("S")


def sync_by_uuid(
    model: type[M],
    sources: list[S],
    *,
    uuid_of: Callable[[S], str],
    unchanged: Callable[[M, S], bool],
    apply: Callable[[M, S, int], None],
    after_save: Callable[[M, S], None] | None = None,
) -> SyncStats:
    # The model has `uuid`, `is_published` and `updated_at`: each content model does.
    """Rows in line with the sources (in order: ``apply`` gets the position)."""
    stats = SyncStats()
    with transaction.atomic():
        rows: Any = model._default_manager.select_for_update()
        existing: dict[str, Any] = {str(row.uuid): row for row in rows}
        present: set[str] = set()
        for position, source in enumerate(sources):
            key = str(uuid.UUID(uuid_of(source)))
            present.add(key)
            row: Any = existing.get(key)
            if row is not None and row.is_published and unchanged(row, source):
                stats.unchanged += 1
                continue
            created = row is None
            if row is None:
                row = model(uuid=key)
            apply(row, source, position)
            row.is_published = True
            row.save()
            if after_save is not None:
                after_save(row, source)
            stats.created += created
            stats.updated += not created
        stats.unpublished = unpublish_missing(existing, present)
    return stats


def unpublish_missing(
    existing: Mapping[str, Any], present: set[str], *, owned: Callable[[Any], bool] | None = None
) -> int:
    """Unpublish the rows whose file is gone (``owned``: only rows the files manage)."""
    count = 0
    for key, row in existing.items():
        if key in present or not row.is_published or (owned and not owned(row)):
            continue
        row.is_published = False
        row.save(update_fields=["is_published", "updated_at"])
        count += 1
    return count
