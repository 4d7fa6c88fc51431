"""Any value anywhere in a valid manifest: findings, never an exception, never a 500.

Hypothesis takes valid manifests (``seeds.SEEDS``, which reach every rule) and
replaces values anywhere in them (a whole document, a mapping, a list item, a
scalar) with lists, mappings, huge numbers, nulls, booleans, control
characters and long text, or renames keys. The result goes through the
validator, the ``validate_manifest`` command and the anonymous HTTP endpoint:
each must answer with findings. Messages quote values briefly: a finding
never echoes a long value back.
"""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.manifests import validate_text
from tests.engine.manifests.seeds import SEEDS

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120)]

MAX_MESSAGE = 700  # the longest message the validator writes, with quoted values cut short

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([10**4000, -(10**4000), 2**64, -1, 0, 65536, 1e308, float("inf"), -0.5]),
    st.integers(),
    st.text(max_size=30),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Cs"]), max_size=8),
    st.sampled_from(["x" * 5000, "In", "Exists", "ClusterIP", "http", "80", "a/b", "-", ""]),
)
hostile = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=6,
)


def value_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += value_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += value_paths(child, (*prefix, index))
    return found


@st.composite
def hostile_files(draw: st.DrawFn) -> str:
    documents = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        paths = value_paths(documents)[1:]  # not the file itself: one of its documents or below
        path = draw(st.sampled_from(paths))
        parent: Any = documents
        for part in path[:-1]:
            parent = parent[part]
        if isinstance(parent, dict) and draw(st.booleans()) and draw(st.booleans()):
            # Rename the key instead: a misspelt or hostile field name.
            parent[draw(st.text(min_size=1, max_size=80))] = parent.pop(path[-1])
        else:
            parent[path[-1]] = draw(hostile)
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True)


def check_findings(findings: list[dict[str, Any]]) -> None:
    for finding in findings:
        assert finding["severity"] in ("error", "warning")
        assert finding["line"] >= 1 and finding["column"] >= 1
        assert 0 < len(finding["message"]) <= MAX_MESSAGE, finding["message"][:300]
        assert len(finding["path"]) <= MAX_MESSAGE


@settings(max_examples=2500, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(hostile_files())
def test_the_validator_answers_with_findings(text: str) -> None:
    result = validate_text(text)
    check_findings([f.as_dict() for f in result.all_findings])


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])  # fmt: skip
@given(text=hostile_files())
def test_the_command_answers_with_findings(tmp_path: Path, text: str) -> None:
    manifest = tmp_path / "hostile.yaml"
    manifest.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_status:
        call_command("validate_manifest", str(manifest), "--format", "json", stdout=out, stderr=err)
    assert exit_status.value.code in (0, 1), err.getvalue()
    answer = json.loads(out.getvalue())
    for document in answer["documents"]:
        check_findings(document["findings"])


@pytest.fixture
def validate_url(db) -> str:  # type: ignore[no-untyped-def]
    from exercises.models import Exercise

    exercise = Exercise.objects.filter(is_published=True).order_by("pk").first()
    assert exercise is not None, "the course has no published exercise"
    return exercise.get_absolute_url() + "validate"


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])  # fmt: skip
@given(text=hostile_files())
def test_the_endpoint_answers_with_findings(client, validate_url: str, text: str) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import caches

    caches["shared"].clear()  # this test is one client sending fast: not what it is about
    response = client.post(validate_url, {"manifest": text})
    assert response.status_code == 200, response.content[:500]
    check_findings(response.json()["findings"])


@pytest.mark.parametrize(
    "text",
    [
        "kind: [a]\napiVersion: v1\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n"
        "  - {name: c, image: i, ports: [{containerPort: 0x" + "f" * 5000 + "}]}\n",
        "replicas: 1" + ":00" * 3000 + "\n",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  selector:\n"
        "    matchExpressions: [{key: a, operator: In, values: 5}]\n",
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "a\\0b"}\n',
    ],
    ids=["kind-list", "hex-number", "base-60-number", "values-not-a-list", "nul"],
)
def test_the_reported_crashes_are_findings(text: str) -> None:
    result = validate_text(text)
    assert not result.valid
    check_findings([f.as_dict() for f in result.all_findings])
