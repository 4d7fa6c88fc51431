"""The assertion language, judged from YAML fixtures (tests/engine/assertions/cases/*.yaml).

Each file holds rules and cases: a manifest (or a snapshot's objects), the
rules that must pass and the rules that must fail on it, and words a
failing message must contain. The cases are the situations the course
review found graded by shape instead of meaning, and their neighbours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.assertions import compile_rules, evaluate

CASES_DIR = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    found = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        for case in data["cases"]:
            found.append(pytest.param(data, case, id=f"{path.stem}: {case['name']}"))
    return found


@pytest.mark.parametrize(("data", "case"), _cases())
def test_it_judges_the_case(data: dict[str, Any], case: dict[str, Any]) -> None:
    rules = compile_rules(data["rules"], lab=bool(data.get("lab")))
    text = (data.get("common") or "") + ("---\n" if data.get("common") else "") + case["manifest"]
    objects = [d for d in yaml.safe_load_all(text) if d]
    results = {r.id: r for r in evaluate(rules, objects, facts=data.get("facts"))}
    for rule_id in case.get("passes", []):
        assert results[rule_id].passed, f"{rule_id} should pass: {results[rule_id].message}"
    for rule_id in case.get("fails", []):
        assert not results[rule_id].passed, f"{rule_id} should fail: {results[rule_id].message}"
    for rule_id, words in (case.get("says") or {}).items():
        assert words in results[rule_id].message, results[rule_id].message
    named = set(case.get("passes", [])) | set(case.get("fails", []))
    assert named, "a case names the rules it expects to pass or fail"


def test_every_case_file_names_only_rules_it_has() -> None:
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        ids = {r["id"] for r in data["rules"]}
        for case in data["cases"]:
            named = (
                set(case.get("passes", []))
                | set(case.get("fails", []))
                | set(case.get("says") or {})
            )
            assert named <= ids, f"{path.name}: {case['name']} names {sorted(named - ids)}"
