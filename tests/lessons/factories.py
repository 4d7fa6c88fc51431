"""Chapter folders written to a temporary content root, for loader tests."""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml

DEFAULT_BODY = "Intro text.\n\n## First section\n\nSome words about Pods.\n\n## Summary\n\nDone.\n"


def write_chapter(
    root: Path,
    folder: str,
    *,
    number: int,
    slug: str | None = None,
    chapter_uuid: str | None = None,
    body: str = DEFAULT_BODY,
    **front: object,
) -> Path:
    data = {
        "uuid": chapter_uuid or str(uuid.uuid4()),
        "number": number,
        "slug": slug or folder.split("-", 1)[-1],
        "title": f"Chapter {number} title",
        "summary": "A summary that is long enough for the schema.",
        "estimated_minutes": 20,
        "objectives": ["Explain something useful."],
        **front,
    }
    path = root / "chapters" / folder / "chapter.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("---\n" + yaml.safe_dump(data, sort_keys=False) + "---\n" + body)
    return path
