"""Safe, position-keeping YAML parsing for manifests.

libyaml (PyYAML's C parser) composes the node tree; this module turns it into
plain data, recording the line and column of every value. Only plain data is
ever built: a tag such as ``!!python/object`` is a finding, never code. The
expansion of aliases is counted as it happens, so a "billion laughs" document
stops after ``max_nodes`` values with bounded memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import yaml

from tutor.manifests.findings import Document, Finding, Path

DEFAULT_MAX_BYTES = 256 * 1024
DEFAULT_MAX_NODES = 50_000
MAX_DEPTH = 100

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.SafeLoader("")  # its construct_yaml_* methods turn scalars into values

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    # Timestamps stay the text the author wrote: JSON has no dates.
    "tag:yaml.org,2002:timestamp",
}
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


@dataclass
class ParseResult:
    documents: list[Document] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # problems of the file as a whole


class _TooManyNodes(Exception):
    pass


class _Problem(Exception):
    def __init__(self, code: str, message: str, node: yaml.Node) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = node.start_mark.line + 1
        self.column = node.start_mark.column + 1


def parse_manifests(
    text: str, *, max_bytes: int = DEFAULT_MAX_BYTES, max_nodes: int = DEFAULT_MAX_NODES
) -> ParseResult:
    result = ParseResult()
    size = len(text.encode("utf-8", errors="replace"))
    if size > max_bytes:
        result.findings.append(
            Finding(
                "error",
                "too-large",
                "",
                1,
                1,
                f"The text is {size // 1024} KiB; the limit is {max_bytes // 1024} KiB.",
            )
        )
        return result
    if "\t" in text:
        tab = _tab_in_indentation(text)
        if tab:
            result.findings.append(tab)
            return result
    loader = _Loader(text)
    budget = [max_nodes]
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None or _is_empty(node):
                index += 1
                continue
            if _expanded_size(node, {}, max_nodes) > max_nodes:
                raise _TooManyNodes
            doc = Document(index=index, data=None)
            try:
                doc.data = _build(node, (), doc.positions, budget, 0)
            except _Problem as problem:
                result.findings.append(
                    Finding(
                        "error", problem.code, "", problem.line, problem.column, problem.message
                    )
                )
                index += 1
                continue
            if not isinstance(doc.data, dict):
                line, column = node.start_mark.line + 1, node.start_mark.column + 1
                result.findings.append(
                    Finding(
                        "error",
                        "not-a-mapping",
                        "",
                        line,
                        column,
                        f"Document {index + 1} is a {_kind_of(doc.data)}, but a Kubernetes "
                        "object is a mapping of fields (`apiVersion: v1`, `kind: Pod`, ...).",
                    )
                )
            else:
                result.documents.append(doc)
            index += 1
    except _TooManyNodes:
        result.documents.clear()
        result.findings.append(
            Finding(
                "error",
                "too-many-nodes",
                "",
                1,
                1,
                f"The YAML expands to more than {max_nodes} values (aliases repeating "
                "aliases?). Nothing was checked.",
            )
        )
    except yaml.MarkedYAMLError as exc:
        result.findings.append(_syntax_finding(exc))
    except yaml.YAMLError as exc:
        result.findings.append(Finding("error", "yaml-syntax", "", 1, 1, f"Invalid YAML: {exc}"))
    except RecursionError:
        result.findings.append(
            Finding("error", "yaml-syntax", "", 1, 1, "The YAML is nested too deeply.")
        )
    finally:
        loader.dispose()
    return result


def _expanded_size(node: yaml.Node, memo: dict[int, int], cap: int, depth: int = 0) -> int:
    """How many values the node becomes once aliases are expanded, counted without expanding.

    An alias is the same node object as its anchor, so each distinct node is
    sized once; a "billion laughs" document is measured in microseconds.
    """
    known = memo.get(id(node))
    if known is not None:
        return known
    if depth > MAX_DEPTH:
        return 1  # reported as too deep when the document is built
    total = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            total += _expanded_size(key, memo, cap, depth + 1) + _expanded_size(
                value, memo, cap, depth + 1
            )
            if total > cap:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _expanded_size(item, memo, cap, depth + 1)
            if total > cap:
                break
    memo[id(node)] = total
    return total


def _is_empty(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and not node.value


def _kind_of(value: object) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "plain text"
    return type(value).__name__


def _build(
    node: yaml.Node,
    path: Path,
    positions: dict[Path, tuple[int, int]],
    budget: list[int],
    depth: int,
) -> object:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooManyNodes
    if depth > MAX_DEPTH:
        raise _Problem("yaml-syntax", f"The YAML is nested more than {MAX_DEPTH} levels.", node)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            raise _unsafe(node)
        mapping: dict[str, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Problem(
                    "yaml-syntax", "A key must be plain text, not a list or mapping.", key_node
                )
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Problem(
                    "unsafe-tag", "Merge keys (`<<`) are not allowed in manifests.", key_node
                )
            key = key_node.value
            if key in mapping:
                raise _Problem(
                    "duplicate-key",
                    f"`{key}` appears twice in the same mapping; the second one would silently "
                    "replace the first. Keep one.",
                    key_node,
                )
            child = (*path, key)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            mapping[key] = _build(value_node, child, positions, budget, depth + 1)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            raise _unsafe(node)
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            positions[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_build(item, child, positions, budget, depth + 1))
        return items
    raise _unsafe(node)


def _scalar(node: yaml.ScalarNode) -> object:
    tag = node.tag
    if tag not in _SCALAR_TAGS:
        raise _unsafe(node)
    if tag == _STR or tag == "tag:yaml.org,2002:timestamp":
        return node.value
    if tag == "tag:yaml.org,2002:int":
        return _constructor.construct_yaml_int(node)
    if tag == "tag:yaml.org,2002:float":
        return _constructor.construct_yaml_float(node)
    if tag == "tag:yaml.org,2002:bool":
        return _constructor.construct_yaml_bool(node)
    return None


def _unsafe(node: yaml.Node) -> _Problem:
    return _Problem(
        "unsafe-tag",
        f"The tag `{node.tag}` is not allowed: a manifest holds only plain values "
        "(text, numbers, true/false, lists and mappings).",
        node,
    )


def _syntax_finding(exc: yaml.MarkedYAMLError) -> Finding:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    advice = _SYNTAX_ADVICE.get(problem, "")
    context = f" ({exc.context})" if exc.context and exc.problem else ""
    return Finding(
        "error", "yaml-syntax", "", line, column, f"YAML syntax: {problem}{context}.{advice}"
    )


_SYNTAX_ADVICE = {
    "mapping values are not allowed here": (
        " Usually a missing space after a colon earlier on this line, or a key indented "
        "under a plain value."
    ),
    "could not find expected ':'": " A key needs a colon and a space before its value.",
    "found character that cannot start any token": (
        " Check for a tab or a stray character at the start of the value."
    ),
    "expected <block end>, but found '-'": (
        " A list item is indented differently from the items before it."
    ),
    "did not find expected key": (
        " A line is indented more or less than the other keys of its mapping."
    ),
}

_TAB = re.compile(r"^( *)\t", re.MULTILINE)


def _tab_in_indentation(text: str) -> Finding | None:
    match = _TAB.search(text)
    if not match:
        return None
    line = text.count("\n", 0, match.start()) + 1
    return Finding(
        "error",
        "yaml-syntax",
        "",
        line,
        len(match.group(1)) + 1,
        "This line is indented with a tab. YAML allows only spaces for indentation; "
        "use two spaces per level.",
    )
