"""What a student reads when their YAML does not parse: what to change, not the parser's words."""

from __future__ import annotations

import re

import pytest

from engine.manifests import validate_text
from engine.yaml import YamlSourceError, load_yaml, plain_advice

# Words of the YAML reader's own vocabulary, which mean nothing to a beginner.
JARGON = re.compile(
    r"scanning|token|block (collection|mapping|node|end)|flow (sequence|mapping|node)|"
    r"node content|indicator|stream|<block|while parsing|simple key|tag:yaml\.org",
    re.IGNORECASE,
)

BROKEN = {
    "a colon inside a value": ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web: x\n", 4),
    "key without colon": ("apiVersion: v1\nkind Pod\n", 2),
    "stray character": ("apiVersion: v1\nkind: @Pod\n", 2),
    "backtick": ("apiVersion: v1\nkind: `Pod`\n", 2),
    "bad indentation": ("apiVersion: v1\nmetadata:\n  name: a\n labels: {}\n", 4),
    "list item out of line": ("spec:\n  containers:\n  - name: a\n  image: b\n   - name: c\n", 5),
    "unclosed bracket": ("apiVersion: v1\nargs: [a, b\n", 3),
    "unclosed brace": ("apiVersion: v1\nlabels: {a: b\n", 3),
    "unclosed quote": ("apiVersion: v1\nkind: 'Pod\n", 2),
    "unknown escape": ('apiVersion: v1\nkind: "P\\q"\n', 2),
    "missing value": ("apiVersion: v1\nkind: ]\n", 2),
    "undefined alias": ("apiVersion: v1\nkind: *pod\n", 2),
    "empty anchor": ("apiVersion: v1\nkind: &\n", 2),
    "duplicate anchor": ("a: &x 1\nb: &x 2\n", 2),
    "python tag": ("apiVersion: !!python/object:os.system v1\n", 1),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_syntax_findings_say_what_to_change_in_plain_words(name):
    text, line = BROKEN[name]
    findings = validate_text(text).all_findings
    assert findings, name
    finding = findings[0]
    assert finding.code in ("yaml-syntax", "unsafe-tag")
    assert abs(finding.line - line) <= 1, (name, finding.line)
    message = finding.message.removeprefix("YAML syntax: ")
    assert not JARGON.search(message), (name, message)
    assert "(" not in message or "`" in message, message  # no "(while ...)" context
    assert (message[0].isupper() or message[0] == "`") and message.endswith("."), message


def test_the_character_that_cannot_start_a_value_is_named():
    [finding] = validate_text("kind: @Pod\n").all_findings
    assert "A value cannot start with `@`." in finding.message
    [finding] = validate_text("kind: `Pod`\n").all_findings
    assert "A value cannot start with a backtick." in finding.message


def test_tags_are_shown_as_written():
    [finding] = validate_text("kind: !!binary eA==\n").all_findings
    assert "`!!binary`" in finding.message and "tag:yaml.org" not in finding.message


def test_an_unknown_complaint_gets_general_advice():
    advice = plain_advice("something the reader never said before")
    assert "indentation" in advice and "colons" in advice and "quotes" in advice


def test_authors_read_the_same_advice_with_file_and_line():
    with pytest.raises(YamlSourceError) as caught:
        load_yaml("title: x\nquestions:\n  - uuid: a\n   type: single\n")
    assert caught.value.message.startswith("YAML syntax error: ")
    assert not JARGON.search(caught.value.message)
