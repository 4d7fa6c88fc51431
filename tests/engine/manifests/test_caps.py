"""What one file may cost: documents checked, findings reported, quoted values, suggestions."""

from __future__ import annotations

import time

import pytest

from engine.manifests import validate_text
from engine.manifests.suggest import closest
from engine.manifests.validate import MAX_DOCUMENTS, MAX_FINDINGS

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120)]

EMPTY_OBJECTS = "{}\n---\n" * (256 * 1024 // 7 - 10)  # just under the size limit: ~37,000 objects


def test_a_file_of_many_objects_is_checked_up_to_the_limit_and_says_so():
    started = time.process_time()
    result = validate_text(EMPTY_OBJECTS)
    cpu = time.process_time() - started
    codes = [f.code for f in result.all_findings]
    assert len(result.documents) == MAX_DOCUMENTS
    assert "too-many-documents" in codes
    assert len(codes) == MAX_FINDINGS + 1
    assert not result.valid
    assert cpu < 0.5, f"{cpu:.2f} s of CPU for one request"


def test_more_findings_than_the_limit_end_with_how_many_more():
    fields = "".join(f"bogus{i}: 1\n" for i in range(MAX_FINDINGS + 30))
    result = validate_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\n{fields}")
    listed = result.all_findings
    assert len(listed) == MAX_FINDINGS + 1
    last = listed[-1]
    assert last.code == "too-many-findings" and last.severity == "error"
    assert last.message.startswith("…and 30 more problems (30 errors)"), last.message
    # It points at the first problem left out.
    assert last.line == 3 + MAX_FINDINGS + 1


def test_left_out_warnings_keep_the_file_valid():
    ports = "".join(
        f"  - {{name: p{i}, port: {1000 + i}, targetPort: t{i}}}\n" for i in range(MAX_FINDINGS + 5)
    )
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: x}}\n"
        "spec: {containers: [{name: c, image: i}]}\n---\n"
        f"apiVersion: v1\nkind: Service\nmetadata: {{name: s}}\nspec:\n  selector: {{app: x}}\n  ports:\n{ports}"
    )
    result = validate_text(text)
    assert result.all_findings[-1].code == "too-many-findings"
    assert result.all_findings[-1].severity == "warning"
    assert result.valid  # only warnings, listed or not


def test_a_long_key_is_quoted_briefly():
    key = "replica" + "s" * 200_000
    result = validate_text(
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: x}}\nspec:\n  ? {key}\n  : 1\n"
    )
    unknown = next(f for f in result.all_findings if f.code == "unknown-field")
    assert len(unknown.message) < 400 and len(unknown.path) < 100


def test_did_you_mean_is_cheap_for_thousands_of_unknown_fields():
    fields = "".join(f"  replicaz{i}: 1\n" for i in range(5000))
    started = time.process_time()
    validate_text(f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: x}}\nspec:\n{fields}")
    assert time.process_time() - started < 1.0


@pytest.mark.parametrize(
    "word, names, expected",
    [
        ("replica", ("replicas", "selector"), "replicas"),
        ("Replicas", ("replicas",), "replicas"),
        ("deployment", ("Deployment", "DaemonSet"), "Deployment"),
        ("x" * 65, ("x" * 64,), None),
        ("", ("a",), None),
        ("zzzz", ("replicas",), None),
    ],
)
def test_closest_names(word, names, expected):
    assert closest(word, names) == expected
