"""What every kind of course content shares: reading files with file:line errors.

A kind (chapters, quiz banks, exercises, labs) reads its files without
touching the database and collects every error; ``tutor.content.registry``
runs the registered kinds in order, each seeing what the earlier ones read
(the chapters, which the others belong to), and syncs only a course that
read without errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from engine.content.errors import ContentError, display_path
from engine.content.schema import schema_errors
from engine.yaml import LoadedYaml, YamlSourceError, load_yaml

S = TypeVar("S")


@dataclass
class KindRead:
    sources: list[Any] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)
    count: int = 0  # what check_content reports (questions count more than banks)
    # Further counts a kind reports under keys of its own (labs_with_start_state).
    counts: dict[str, int] = field(default_factory=dict)


class ContentKind(Protocol):
    name: str  # the key of what it read, and of its stats in load_content
    count_key: str  # the key of its count in check_content (quizzes count questions)

    def read(self, root: Path, earlier: Mapping[str, list[Any]]) -> KindRead: ...

    def sync(self, sources: list[Any]) -> Any: ...


def read_yaml_file(
    path: Path, root: Path, *, schema: Path, max_bytes: int
) -> tuple[LoadedYaml | None, bytes, list[ContentError]]:
    """A YAML content file, loaded and checked against its JSON Schema."""
    shown = display_path(path, root)
    raw = path.read_bytes()
    if len(raw) > max_bytes:
        return None, raw, [ContentError(shown, 1, f"file is larger than {max_bytes} bytes")]
    try:
        loaded = load_yaml(raw.decode("utf-8").replace("\r\n", "\n"))
    except UnicodeDecodeError:
        return None, raw, [ContentError(shown, 1, "file is not valid UTF-8")]
    except YamlSourceError as exc:
        return None, raw, [ContentError(shown, exc.line, exc.message)]
    errors = [ContentError(shown, line, message) for line, message in schema_errors(loaded, schema)]
    return (None if errors else loaded), raw, errors


def read_each(
    chapters: Iterable[Any],
    root: Path,
    *,
    files: Callable[[Any], Iterable[Path]],
    read_one: Callable[[Path, Any], tuple[S | None, list[ContentError]]],
    identity: Callable[[S], tuple[str, ...]],
) -> KindRead:
    """Read every file of a kind in every chapter; the same uuid (or slug) twice is an error.

    ``identity`` gives what must be unique across the course (a uuid, and a
    lab's folder name); the first file keeps it, a later one is reported.
    """
    result = KindRead()
    seen: dict[str, Path] = {}
    for chapter in chapters:
        for path in files(chapter):
            source, errors = read_one(path, chapter)
            result.errors.extend(errors)
            if source is None:
                continue
            clash = next((seen[key] for key in identity(source) if key in seen), None)
            if clash is not None:
                result.errors.append(
                    ContentError(
                        display_path(path, root), 1,
                        f"uuid or name is already used by {display_path(clash, root)}",
                    )
                )  # fmt: skip
                continue
            for key in identity(source):
                seen[key] = path
            result.sources.append(source)
    result.count = len(result.sources)
    return result
