from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.lessons.factories import write_chapter

REPO = Path(__file__).resolve().parents[2]


def manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_content_reports_file_and_line(tmp_path):
    write_chapter(tmp_path, "01-a", number=1, colour="red")
    text = manage("check_content", "--root", str(tmp_path))
    assert text.returncode == 1
    assert text.stdout.strip() == (
        f"{tmp_path.name}/chapters/01-a/chapter.md:10: unknown key 'colour' (allowed: "
        "estimated_minutes, number, objectives, slug, summary, title, uuid)"
    )
    as_json = json.loads(
        manage("check_content", "--root", str(tmp_path), "--format", "json").stdout
    )
    assert as_json["ok"] is False
    assert as_json["errors"][0]["line"] == 10
    assert as_json["errors"][0]["file"] == f"{tmp_path.name}/chapters/01-a/chapter.md"


def test_check_content_on_a_missing_root_fails_cleanly(tmp_path):
    result = manage("check_content", "--root", str(tmp_path / "nope"), "--format", "json")
    assert result.returncode == 1
    assert "content root does not exist" in result.stdout


def test_the_system_check_fails_on_invalid_content(tmp_path):
    write_chapter(tmp_path, "01-a", number=1, colour="red")
    result = manage("check", env={"TUTOR_CONTENT_ROOT": str(tmp_path)})
    assert result.returncode == 1
    assert "tutor.E001" in result.stderr
    assert "chapter.md:10: unknown key 'colour'" in result.stderr


@pytest.mark.django_db
def test_load_content_prints_what_changed(capsys):
    call_command("load_content")
    assert "chapters: 0 created, 0 updated, 7 unchanged, 0 unpublished" in capsys.readouterr().out


@pytest.mark.django_db
def test_load_content_refuses_invalid_content(tmp_path, capsys):
    write_chapter(tmp_path, "01-a", number=1, number_two=2)
    with pytest.raises(SystemExit) as exit_info:
        call_command("load_content", "--root", str(tmp_path))
    assert exit_info.value.code == 1
    assert "Nothing loaded: 1 content error(s)." in capsys.readouterr().err
