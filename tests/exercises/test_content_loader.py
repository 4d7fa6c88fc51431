from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from exercises.content import read_exercises
from lessons.content import read_chapters
from tests.lessons.factories import write_chapter

SOLUTION = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  color: blue
"""


def exercise(**changes):
    data = {
        "uuid": str(uuid.uuid4()),
        "title": "A ConfigMap",
        "difficulty": "easy",
        "kubernetes_version": "1.35",
        "prompt": "Write a ConfigMap named app.",
        "starter": "apiVersion: v1\n",
        "hints": ["Use kind ConfigMap."],
        "rules": [
            {"id": "exists", "title": "ConfigMap app", "select": {"kind": "ConfigMap", "name": "app"}, "count": {"equals": 1}},
            {"id": "blue", "title": "color is blue", "select": {"kind": "ConfigMap"}, "match": {"data": {"color": "blue"}}},
        ],
        "solution": SOLUTION,
        "alternatives": [
            {"name": "flow style", "manifest": "{apiVersion: v1, kind: ConfigMap, metadata: {name: app}, data: {color: blue}}"},
            {"name": "another key too", "manifest": SOLUTION + "  size: big\n"},
        ],
        "mistakes": [
            {"name": "red", "manifest": SOLUTION.replace("blue", "red"), "findings": [], "failed_rules": ["blue"]},
            {"name": "bad name", "manifest": SOLUTION.replace("name: app", "name: App"), "findings": ["invalid-name"], "failed_rules": ["exists"]},
        ],
    }  # fmt: skip
    data.update(changes)
    return data


def errors_for(tmp_path: Path, data: dict) -> list[str]:
    chapter = write_chapter(tmp_path, "01-config", number=1)
    folder = chapter.parent / "exercises"
    folder.mkdir()
    (folder / "configmap.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    chapters = read_chapters(tmp_path).chapters
    result = read_exercises(tmp_path, chapters)
    return [str(e).removeprefix(f"{tmp_path.name}/") for e in result.errors]


def test_a_good_exercise_reads_cleanly(tmp_path):
    assert errors_for(tmp_path, exercise()) == []


def test_schema_errors_have_lines(tmp_path):
    [error] = errors_for(tmp_path, exercise(difficulty="trivial"))
    assert error.startswith("chapters/01-config/exercises/configmap.yaml:3: difficulty:")


def test_a_failing_solution_is_reported(tmp_path):
    errors = errors_for(tmp_path, exercise(solution=SOLUTION.replace("blue", "green")))
    assert any("solution fails rule blue" in e for e in errors)


def test_a_mistake_that_does_not_behave_as_recorded_is_reported(tmp_path):
    data = exercise()
    data["mistakes"][0]["failed_rules"] = ["exists"]
    data["mistakes"][1]["findings"] = ["selector-mismatch", "no-such-code"]
    errors = errors_for(tmp_path, data)
    assert any("rules that fail are ['blue'], recorded ['exists']" in e for e in errors)
    assert any("unknown finding codes ['no-such-code']" in e for e in errors)
    assert any(
        "expected findings ['selector-mismatch', 'no-such-code'] were not reported" in e
        for e in errors
    )


def test_a_broken_rule_is_reported_at_the_rules(tmp_path):
    data = exercise()
    data["rules"][1] = {
        "id": "blue",
        "title": "xyz",
        "select": {"kind": "ConfigMap"},
        "expr": "data.[",
        "equals": 1,
    }
    [error] = errors_for(tmp_path, data)
    assert ": rule blue: `expr` is not valid JMESPath" in error
