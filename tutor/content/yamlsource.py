"""Safe YAML loading that remembers where every value came from.

Authors need ``file:line`` errors, so content files are composed into
PyYAML's node tree (safe loader: no tag can build a Python object) and
turned into plain data while recording the line of every mapping key and
value, keyed by its path (a tuple of keys and indexes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


class YamlSourceError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class LoadedYaml:
    data: Any
    # 1-based line of each value; for a mapping key the line of the key itself.
    lines: dict[Path, int] = field(default_factory=dict)

    def line_for(self, path: Path) -> int:
        """The line of ``path`` or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)


# Timestamps stay strings: authors write dates, and JSON Schema knows no dates.
class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def load_yaml(text: str, *, first_line: int = 1) -> LoadedYaml:
    """Parse one YAML document. ``first_line`` offsets lines (front matter)."""
    offset = first_line - 1
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + offset
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSourceError(f"YAML syntax error: {problem}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlSourceError(f"YAML error: {exc}", first_line) from exc
    finally:
        loader.dispose()
    loaded = LoadedYaml(data=None)
    if node is None:
        return loaded
    loaded.lines[()] = node.start_mark.line + 1 + offset
    loaded.data = _construct(loader, node, (), loaded.lines, offset)
    return loaded


def _construct(
    loader: _Loader, node: yaml.Node, path: Path, lines: dict[Path, int], offset: int
) -> Any:
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.tag not in _PLAIN_TAGS:
        raise YamlSourceError(
            f"unsupported YAML tag {node.tag!r}", node.start_mark.line + 1 + offset
        )
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1 + offset
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlSourceError("a mapping key must be a plain value", key_line)
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlSourceError("merge keys (<<) are not supported in content", key_line)
            key = str(loader.construct_scalar(key_node))
            if key in result:
                raise YamlSourceError(f"duplicate key {key!r}", key_line)
            child = (*path, key)
            lines[child] = key_line
            result[key] = _construct(loader, value_node, child, lines, offset)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item_node in enumerate(node.value):
            child = (*path, index)
            lines[child] = item_node.start_mark.line + 1 + offset
            items.append(_construct(loader, item_node, child, lines, offset))
        return items
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise YamlSourceError(
            f"unsupported YAML tag {node.tag!r}", node.start_mark.line + 1 + offset
        ) from exc
