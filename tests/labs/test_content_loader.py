"""Lab files are checked without a cluster, with file:line errors."""

from __future__ import annotations

from pathlib import Path

import yaml

from labs.content import read_labs
from lessons.content import read_chapters
from tests.labs.lab_fixtures import lab_root


def errors(root: Path) -> list[str]:
    chapters = read_chapters(root).chapters
    return [str(e).removeprefix(f"{root.name}/") for e in read_labs(root, chapters).errors]


def edit(root: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = root / "chapters" / "01-demo" / "labs" / "demo" / "lab.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_the_fixture_labs_read_cleanly(tmp_path):
    assert errors(lab_root(tmp_path)) == []


def test_a_broken_check_is_reported_at_its_file_and_line(tmp_path):
    root = lab_root(tmp_path)
    edit(root, lambda d: d["checks"][1].update({"expr": "status.[", "min": 2}))
    [error] = errors(root)
    assert error.startswith("chapters/01-demo/labs/demo/lab.yaml:")
    assert "rule ready: `expr` is not valid JMESPath" in error


def test_unknown_keys_invalid_manifests_and_namespaces_are_refused(tmp_path):
    root = lab_root(tmp_path)
    edit(root, lambda d: d["checks"][0].update({"colour": "red"}))
    [unknown] = errors(root)
    assert "unknown key 'colour'" in unknown
    root = lab_root(tmp_path / "second")

    def bad_solution(d):  # type: ignore[no-untyped-def]
        d["solution"]["manifests"] = d["solution"]["manifests"].replace(
            "name: web\nspec:\n  replicas",
            "name: web\n  namespace: prod\nspec:\n  replicas: 2\n  replica",
        )

    edit(root, bad_solution)
    found = errors(root)
    assert any("[unknown-field]" in e for e in found)
    assert any("sets metadata.namespace" in e for e in found)


def test_mistakes_must_name_existing_checks(tmp_path):
    root = lab_root(tmp_path)
    edit(root, lambda d: d["mistakes"][0].update({"failed_checks": ["no-such-check"]}))
    [error] = errors(root)
    assert "no checks named ['no-such-check']" in error


def test_a_lab_folder_needs_its_instructions(tmp_path):
    root = lab_root(tmp_path)
    (root / "chapters" / "01-demo" / "labs" / "demo" / "instructions.md").unlink()
    assert errors(root) == ["chapters/01-demo/labs/demo:1: lab folder has no instructions.md"]
