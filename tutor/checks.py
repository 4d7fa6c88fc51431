"""A system check that fails when the course content is invalid.

``manage.py check`` (and every command that runs checks) then names the
first problems, so a broken content file is caught before the server starts.
Reading the whole course costs about a second, so the verdict is kept in the
data directory, keyed by a fingerprint of the content files and of the code
that judges them: an unchanged course is not read again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from engine.content.errors import ContentError
from tutor.content.registry import check_content

MAX_SHOWN = 20
# The code whose changes can change the verdict: the readers, their schemas, the engine.
_JUDGES = ("engine", "lessons", "quizzes", "exercises", "labs", "tutor/content")


@register("content")
def content_is_valid(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    found = content_errors()
    errors = [
        Error(str(error), hint="Run `manage.py check_content` for the full list.", id="tutor.E001")
        for error in found[:MAX_SHOWN]
    ]
    if len(found) > MAX_SHOWN:
        errors.append(
            Error(f"... and {len(found) - MAX_SHOWN} more content errors", id="tutor.E001")
        )
    return errors


def content_errors() -> list[ContentError]:
    """check_content's errors, from the cache when nothing they depend on has changed."""
    root = Path(settings.CONTENT_ROOT)
    cache = Path(settings.DATA_DIR) / "cache" / "content-check.json"
    key = fingerprint(root, Path(settings.BASE_DIR))
    try:
        kept = json.loads(cache.read_text())
        if kept.get("fingerprint") == key:
            return [ContentError(*entry) for entry in kept["errors"]]
    except (OSError, ValueError, TypeError, KeyError):
        pass  # no verdict yet, or one from another version: read the course
    errors = check_content(root).errors
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(
            json.dumps(
                {"fingerprint": key, "errors": [[e.file, e.line, e.message] for e in errors]}
            )
        )
        partial.replace(cache)
    except OSError:
        pass  # a read-only data directory: check again next time
    return errors


def fingerprint(root: Path, code: Path) -> str:
    """Paths, sizes and modification times of the content files and the code that judges them."""
    digest = hashlib.sha256(str(root).encode())
    folders = [root, *(code / judge for judge in _JUDGES)]
    for folder in folders:
        for directory, subfolders, files in os.walk(folder):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                path = Path(directory) / name
                try:
                    stat = path.stat()
                except OSError:
                    continue
                digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
