from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in a content file, reported as ``file:line: message``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def display_path(path: Path, root: Path) -> str:
    """A path relative to the content root's parent, as authors see it."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)
