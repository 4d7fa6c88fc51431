"""The one YAML loader: safe, position-keeping, and within a budget.

Manifests (typed by students, anonymous ones too) and course content (files,
and what instructors paste into the browser) are read by this module alone.
libyaml (PyYAML's C parser, when present) composes the node tree; this module
turns it into plain data, recording the 1-based line and column of every value,
keyed by its path (a tuple of keys and indexes).

Only plain data is ever built: a tag such as ``!!python/object`` is a problem,
never code. Every caller gets the same budget: the text's size, the number of
values once aliases are expanded (counted on the node graph before anything is
built, so a "billion laughs" document is refused in microseconds), and the
nesting depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.i18n import N_, _

DEFAULT_MAX_BYTES = 256 * 1024
DEFAULT_MAX_NODES = 50_000
MAX_DEPTH = 100

Path = tuple[str | int, ...]
Positions = dict[Path, tuple[int, int]]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.SafeLoader("")  # its construct_yaml_* methods turn scalars into values

_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    # Timestamps stay the text the author wrote: JSON has no dates.
    _TIMESTAMP,
}
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


class YamlProblem(Exception):
    """Why text could not be loaded, with where.

    ``code`` is one of the validator's finding codes: ``too-large``,
    ``too-many-nodes``, ``yaml-syntax``, ``duplicate-key``, ``unsafe-tag``.
    """

    def __init__(
        self, code: str, message: str, line: int = 1, column: int = 1, subject: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.subject = subject  # the duplicate key or the refused tag


@dataclass
class YamlDocument:
    index: int  # 0-based position in the stream, empty documents counted
    data: Any
    # 1-based (line, column) of each value; for a mapping key, of the key itself.
    positions: Positions = field(default_factory=dict)
    start: tuple[int, int] = (1, 1)
    # With ``keep_last_duplicate``: each key that appeared again (the later one was kept).
    duplicates: list[YamlProblem] = field(default_factory=list)


@dataclass
class YamlStream:
    """What a multi-document text held: the documents that loaded, and the problems."""

    documents: list[YamlDocument] = field(default_factory=list)
    # Problems of single documents (the others still load), or of the whole text
    # (then no document is returned).
    problems: list[YamlProblem] = field(default_factory=list)
    # Reading stopped after ``max_documents``: where the first document left unread starts.
    more_at: tuple[int, int] | None = None


def check_size(text: str, max_bytes: int) -> None:
    size = len(text.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise YamlProblem(
            "too-large",
            _("The text is {size} KiB; the limit is {limit} KiB.").format(
                size=size // 1024, limit=max_bytes // 1024
            ),
        )


def load_stream(
    text: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_documents: int | None = None,
    keep_last_duplicate: bool = False,
) -> YamlStream:
    """Every document of a ``---``-separated text; empty documents are skipped.

    A key that appears twice in one mapping refuses its document, unless
    ``keep_last_duplicate``: then the later value is kept, as kubectl does, and
    the document's ``duplicates`` say where each repeated key was.

    With ``max_documents``, reading stops at the first document past that many
    (``more_at`` says where it starts): the rest of the text is not even parsed.
    """
    stream = YamlStream()
    try:
        check_size(text, max_bytes)
        _refuse_tab_indentation(text)
    except YamlProblem as problem:
        stream.problems.append(problem)
        return stream
    loader = _Loader(text)
    budget = [max_nodes]
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None or _is_empty(node):
                index += 1
                continue
            if (
                max_documents is not None
                and len(stream.documents) + len(stream.problems) >= max_documents
            ):
                stream.more_at = _mark(node)
                break
            _check_budget(node, max_nodes)
            document = YamlDocument(index=index, data=None, start=_mark(node))
            try:
                document.data = _build(
                    node,
                    (),
                    document.positions,
                    budget,
                    0,
                    document.duplicates if keep_last_duplicate else None,
                )
            except YamlProblem as problem:
                if problem.code == "too-many-nodes":
                    raise
                stream.problems.append(problem)
            else:
                stream.documents.append(document)
            index += 1
    except YamlProblem as problem:
        # The whole text is refused: nothing of it was checked.
        stream.documents.clear()
        stream.problems.append(problem)
    except yaml.YAMLError as exc:
        stream.problems.append(_syntax_problem(exc, text))
    except RecursionError:
        stream.problems.append(YamlProblem("yaml-syntax", _("The YAML is nested too deeply.")))
    finally:
        loader.dispose()
    return stream


def load_document(
    text: str,
    *,
    first_line: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> YamlDocument:
    """Exactly one document (or none: ``data`` is None). ``first_line`` offsets lines.

    Raises ``YamlProblem`` for anything that keeps it from loading.
    """
    offset = first_line - 1
    check_size(text, max_bytes)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        document = YamlDocument(index=0, data=None)
        if node is not None:
            _check_budget(node, max_nodes)
            document.start = _mark(node)
            document.data = _build(node, (), document.positions, [max_nodes], 0)
    except YamlProblem as problem:
        problem.line += offset
        raise
    except yaml.YAMLError as exc:
        syntax = _syntax_problem(exc, text)
        syntax.line += offset
        raise syntax from exc
    except RecursionError as exc:
        raise YamlProblem("yaml-syntax", _("The YAML is nested too deeply."), first_line) from exc
    finally:
        loader.dispose()
    if offset:
        document.positions = {p: (ln + offset, col) for p, (ln, col) in document.positions.items()}
        document.start = (document.start[0] + offset, document.start[1])
    return document


# --- course content ---------------------------------------------------------------------

# Content files may be larger than a manifest (a quiz bank of many questions) but
# get the same kind of budget: nothing an author writes may cost the server more.
CONTENT_MAX_BYTES = 512 * 1024
CONTENT_MAX_NODES = 200_000


class YamlSourceError(Exception):
    """A content file's YAML could not be loaded: a message for its author, and the line."""

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


def load_yaml(
    text: str,
    *,
    first_line: int = 1,
    max_bytes: int = CONTENT_MAX_BYTES,
    max_nodes: int = CONTENT_MAX_NODES,
) -> LoadedYaml:
    """One content document (front matter, a bank, a lab). ``first_line`` offsets lines."""
    try:
        document = load_document(
            text, first_line=first_line, max_bytes=max_bytes, max_nodes=max_nodes
        )
    except YamlProblem as problem:
        raise YamlSourceError(_content_message(problem), max(problem.line, first_line)) from problem
    loaded = LoadedYaml(data=document.data)
    if document.data is not None:
        loaded.lines = {path: line for path, (line, _c) in document.positions.items()}
        loaded.lines[()] = document.start[0]
    return loaded


def _content_message(problem: YamlProblem) -> str:
    """Authors read ``file:line: message``: short, and naming the key or tag."""
    if problem.code == "yaml-syntax":
        message = problem.message.removeprefix(_("YAML syntax: ")).removeprefix("YAML syntax: ")
        return "YAML syntax error: " + message
    if problem.code == "duplicate-key":
        return f"duplicate key {problem.subject!r}"
    if problem.code == "unsafe-tag" and problem.subject == _MERGE:
        return "merge keys (<<) are not supported in content"
    if problem.code == "unsafe-tag":
        return f"unsupported YAML tag {problem.subject!r}"
    return problem.message


# --- building plain data ----------------------------------------------------------------


def _mark(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _problem(code: str, message: str, node: yaml.Node, subject: str = "") -> YamlProblem:
    line, column = _mark(node)
    return YamlProblem(code, message, line, column, subject)


def _check_budget(node: yaml.Node, max_nodes: int) -> None:
    if _expanded_size(node, {}, max_nodes) > max_nodes:
        raise YamlProblem(
            "too-many-nodes",
            _(
                "The YAML expands to more than {limit} values (aliases repeating aliases?). "
                "Nothing was checked."
            ).format(limit=max_nodes),
        )


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


def _build(
    node: yaml.Node,
    path: Path,
    positions: Positions,
    budget: list[int],
    depth: int,
    duplicates: list[YamlProblem] | None = None,
) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlProblem("too-many-nodes", _("The YAML expands to too many values."))
    if depth > MAX_DEPTH:
        message = _("The YAML is nested more than {depth} levels.").format(depth=MAX_DEPTH)
        raise _problem("yaml-syntax", message, node)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _MAP:
            raise _unsafe(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _problem(
                    "yaml-syntax", _("A key must be plain text, not a list or mapping."), key_node
                )
            if key_node.tag == _MERGE:
                raise _problem(
                    "unsafe-tag", _("Merge keys (`<<`) are not allowed here."), key_node, _MERGE
                )
            key = key_node.value
            if "\x00" in key:
                raise _nul(key_node)
            child = (*path, key)
            if key in mapping:
                problem = _problem(
                    "duplicate-key",
                    _(
                        "`{key}` appears twice in the same mapping; the second one would "
                        "silently replace the first. Keep one."
                    ).format(key=key),
                    key_node,
                    key,
                )
                if duplicates is None:
                    raise problem
                first_line = positions[child][0]
                problem.message = _(
                    "`{key}` appears twice in the same mapping (first on line {line}): "
                    "kubectl keeps only this last one and silently drops the first. Keep one."
                ).format(key=key, line=first_line)
                duplicates.append(problem)
                for stale in [p for p in positions if p[: len(child)] == child]:
                    del positions[stale]
            positions[child] = _mark(key_node)
            mapping[key] = _build(value_node, child, positions, budget, depth + 1, duplicates)
        return mapping
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            raise _unsafe(node)
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            positions[child] = _mark(item)
            items.append(_build(item, child, positions, budget, depth + 1, duplicates))
        return items
    raise _unsafe(node)


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    if tag not in _SCALAR_TAGS:
        raise _unsafe(node)
    if "\x00" in node.value:
        raise _nul(node)
    if tag in (_STR, _TIMESTAMP):
        return node.value
    if tag == "tag:yaml.org,2002:int":
        return _integer(node)
    if tag == "tag:yaml.org,2002:float":
        return _constructor.construct_yaml_float(node)
    if tag == "tag:yaml.org,2002:bool":
        return _constructor.construct_yaml_bool(node)
    return None


# Python refuses to print an int of more than 4,300 digits (and converting one from
# text costs time that grows with its square): longer numbers are refused as text,
# and so are numbers that only become that long (0x..., 1:00:00... in base 60).
MAX_INT_DIGITS = 4300
_MAX_INT_BITS = int(MAX_INT_DIGITS * 3.32)  # log2(10) bits per decimal digit


def _integer(node: yaml.ScalarNode) -> int:
    too_long = _problem(
        "yaml-syntax",
        _("This number is too long: the tutor reads numbers of at most {limit} digits.").format(
            limit=f"{MAX_INT_DIGITS:,}"
        ),
        node,
    )
    if len(node.value) > MAX_INT_DIGITS + 2:  # a sign and a 0x/0o/0b prefix are not digits
        raise too_long
    try:
        value = int(_constructor.construct_yaml_int(node))
    except ValueError as exc:
        raise too_long from exc
    if value.bit_length() > _MAX_INT_BITS:
        raise too_long
    return value


def _nul(node: yaml.Node) -> YamlProblem:
    # Databases refuse it (PostgreSQL text and jsonb cannot hold it), and no
    # manifest, kubeconfig or course file needs it.
    return _problem(
        "yaml-syntax",
        _("A value or key contains a NUL character (\\0), which the tutor does not accept."),
        node,
    )


def _unsafe(node: yaml.Node) -> YamlProblem:
    # Shown as it was written: `!!python/object`, not its expanded `tag:yaml.org,2002:` form.
    written = (
        "!!" + node.tag.removeprefix(_STANDARD_TAGS)
        if node.tag.startswith(_STANDARD_TAGS)
        else node.tag
    )
    return _problem(
        "unsafe-tag",
        _(
            "The tag `{tag}` is not allowed: only plain values "
            "(text, numbers, true/false, lists and mappings) are."
        ).format(tag=written),
        node,
        node.tag,
    )


_STANDARD_TAGS = "tag:yaml.org,2002:"


def _syntax_problem(exc: yaml.YAMLError, text: str) -> YamlProblem:
    if not isinstance(exc, yaml.MarkedYAMLError):
        return YamlProblem("yaml-syntax", _("YAML syntax: ") + _(_GENERIC_ADVICE))
    mark = exc.problem_mark or exc.context_mark
    # A problem found at the end of the text is shown on its last line, not past it.
    last_line = max(1, len(text.splitlines()))
    line = min(mark.line + 1, last_line) if mark else 1
    column = mark.column + 1 if mark else 1
    problem = (exc.problem or exc.context or "").strip()
    character = text[mark.index] if mark and 0 <= mark.index < len(text) else ""
    return YamlProblem(
        "yaml-syntax", _("YAML syntax: ") + plain_advice(problem, character), line, column
    )


def plain_advice(problem: str, character: str = "") -> str:
    """What the YAML reader's complaint means for someone writing a manifest, in plain words.

    The reader (libyaml) speaks of scanners, tokens and block collections;
    the student needs to know what to change on the line it points at.
    """
    for start, advice in _SYNTAX_ADVICE:
        if problem.startswith(start):
            return _(advice).format(character=_shown(character), depth=MAX_DEPTH)
    return _(_GENERIC_ADVICE)


def _shown(character: str) -> str:
    if character == "\t":
        return _("a tab")
    if character == "`":
        return _("a backtick")
    return f"`{character}`" if character.strip() else _("this character")


_GENERIC_ADVICE = N_(
    "This line is not valid YAML. Check its indentation (spaces only, the same for keys of "
    "one mapping), its colons (`key: value`, with a space after the colon) and its quotes."
)

# The start of each complaint the reader makes, and what to do about it.
_SYNTAX_ADVICE = (
    ("exceeded maximum nesting depth", N_(
        "The YAML is nested too deeply: past the reader's nesting depth (lists or mappings "
        "inside each other more than {depth} levels), which no manifest or course file needs."
    )),
    ("mapping values are not allowed", N_(
        "A colon here starts a key where none can start. Usually a space is missing after an "
        "earlier colon, a key is indented under a plain value, or a value that holds `: ` "
        "needs quotes around it."
    )),
    ("could not find expected ':'", N_(
        "A key has no colon after it. Write `key: value`, with a space after the colon, or "
        "put a value that spans lines in quotes."
    )),
    ("found character that cannot start any token", N_(
        "A value cannot start with {character}. Put the value in quotes, or remove the "
        "character."
    )),
    ("found a tab character", N_(
        "This line is indented with a tab. YAML allows only spaces for indentation; use two "
        "spaces per level."
    )),
    ("did not find expected key", N_(
        "This line is indented more or less than the other keys of its mapping. Keys of the "
        "same mapping start in the same column."
    )),
    ("did not find expected '-' indicator", N_(
        "A list item is indented differently from the items before it, or a key stands "
        "among the items. Items of one list each start with `- ` in the same column."
    )),
    ("expected <block end>", N_(
        "A line is indented differently from the lines before it at the same level. Check "
        "that keys and list items line up."
    )),
    ("block sequence entries are not allowed", N_(
        "A list item (`- `) cannot start here. Put it on a line of its own, indented under "
        "its key."
    )),
    ("mapping keys are not allowed", N_("A `?` cannot start a key here. Remove it.")),
    ("did not find expected ',' or ']'", N_(
        "A list written in brackets is not closed. Add the missing `]`, or a comma between "
        "two items."
    )),
    ("did not find expected ',' or '}'", N_(
        "A mapping written in braces is not closed. Add the missing `}}`, or a comma between "
        "two entries."
    )),
    ("found unexpected end of stream", N_(
        "A quoted value is not closed. Add the closing quote (`'` or `\"`) at the end of the value."
    )),
    ("found unexpected document indicator", N_(
        "A quoted value runs into a `---` line. Add the closing quote before it."
    )),
    ("found unknown escape character", N_(
        "In double quotes, a backslash starts an escape such as `\\n`, and this one is "
        "unknown. Use single quotes, or write two backslashes."
    )),
    ("did not find expected node content", N_(
        "A value is missing here, or a symbol stands where a value should be. Write the "
        "value, or put it in quotes."
    )),
    ("found undefined alias", N_(
        "A `*name` refers to an anchor `&name` that is not defined before it. Define the "
        "anchor first, or put the value in quotes if it is text that starts with `*`."
    )),
    ("did not find expected alphabetic or numeric character", N_(
        "`&` and `*` must be followed by a name. Put the value in quotes if it is text that "
        "starts with one of them."
    )),
    ("second occurrence", N_(
        "The same anchor name (`&name`) is used twice. Give each anchor its own name."
    )),
    ("found duplicate anchor", N_(
        "The same anchor name (`&name`) is used twice. Give each anchor its own name."
    )),
    ("did not find expected comment or line break", N_(
        "After `|` or `>`, the line must end: the text starts on the next line, indented."
    )),
    ("control characters are not allowed", N_(
        "The text holds an invisible control character. Delete the line and type it again."
    )),
    ("found duplicate %YAML directive", N_(
        "A line starts with `%`, which YAML reads as a directive. Remove it, or put the text in "
        "quotes."
    )),
    ("found incompatible YAML document", N_(
        "A line starts with `%`, which YAML reads as a directive. Remove it, or put the text in "
        "quotes."
    )),
    ("did not find expected <document start>", N_(
        "A line starts with `%`, which YAML reads as a directive. Remove it, or put the text in "
        "quotes."
    )),
    ("found undefined tag handle", N_(
        "A value starts with `!`, which YAML reads as a tag. Put the value in quotes."
    )),
)  # fmt: skip

_TAB = re.compile(r"^( *)\t", re.MULTILINE)


def _refuse_tab_indentation(text: str) -> None:
    if "\t" not in text:
        return
    match = _TAB.search(text)
    if not match:
        return
    line = text.count("\n", 0, match.start()) + 1
    raise YamlProblem(
        "yaml-syntax",
        _(
            "This line is indented with a tab. YAML allows only spaces for indentation; "
            "use two spaces per level."
        ),
        line,
        len(match.group(1)) + 1,
    )
