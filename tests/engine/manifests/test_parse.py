from __future__ import annotations

import time

from engine.manifests import validate_text
from engine.manifests.parse import parse_manifests


def codes(text: str, **kwargs) -> list[tuple[str, int, int]]:
    result = validate_text(text, **kwargs)
    return [(f.code, f.line, f.column) for f in result.all_findings]


def test_it_parses_several_documents_and_skips_empty_ones():
    parsed = parse_manifests("---\n---\na: 1\n---\n\n---\nb: [1, 2]\n")
    assert [d.data for d in parsed.documents] == [{"a": 1}, {"b": [1, 2]}]
    # The first "---" opens an empty document; documents are counted from 0.
    assert [d.index for d in parsed.documents] == [1, 3]
    assert parsed.documents[1].positions[("b", 1)] == (7, 8)


def test_python_tags_are_refused_at_their_line():
    assert codes("apiVersion: v1\nkind: !!python/object/apply:os.system ['id']\n") == [
        ("unsafe-tag", 2, 7)
    ]
    assert codes("a: !!binary aGVsbG8=\n") == [("unsafe-tag", 1, 4)]
    assert codes("a: !custom {b: 1}\n") == [("unsafe-tag", 1, 4)]


def test_duplicate_keys_point_at_the_second_key():
    assert codes("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  name: b\n") == [
        ("duplicate-key", 5, 3)
    ]


def test_tabs_in_indentation_are_named():
    result = validate_text("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: a\n")
    [finding] = result.all_findings
    assert (finding.code, finding.line, finding.column) == ("yaml-syntax", 4, 1)
    assert "tab" in finding.message


def test_syntax_errors_have_a_line_and_plain_advice():
    [finding] = validate_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n   labels: x: y\n"
    ).all_findings
    assert finding.code == "yaml-syntax"
    assert finding.line == 5
    assert "YAML syntax" in finding.message


def test_a_document_that_is_not_a_mapping_is_an_error():
    assert codes("- apiVersion: v1\n  kind: Pod\n") == [("not-a-mapping", 1, 1)]
    assert codes("just text\n") == [("not-a-mapping", 1, 1)]


def test_timestamps_and_odd_keys_stay_text():
    parsed = parse_manifests("a: 2024-01-01\n80: x\non: y\n")
    assert parsed.documents[0].data == {"a": "2024-01-01", "80": "x", "on": "y"}


def test_merge_keys_are_refused():
    assert codes("base: &b {x: 1}\nother:\n  <<: *b\n")[0][0] == "unsafe-tag"


def test_a_yaml_bomb_is_rejected_fast_with_bounded_work():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 12):
        refs = ", ".join([f"*{chr(96 + i)}"] * 9)
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [{refs}]\n"
    started = time.perf_counter()
    assert codes(bomb) == [("too-many-nodes", 1, 1)]
    assert time.perf_counter() - started < 1.0


def test_the_size_limit():
    text = "a: " + "x" * 300_000 + "\n"
    assert codes(text) == [("too-large", 1, 1)]
    assert codes("a: b\n", max_bytes=2) == [("too-large", 1, 1)]


def test_deep_nesting_is_an_error_not_a_crash():
    text = "a: " + "[" * 5000 + "]" * 5000 + "\n"
    found = codes(text)
    assert found and found[0][0] == "yaml-syntax"
