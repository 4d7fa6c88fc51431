"""The lock files: every dependency pyproject.toml names is pinned there, with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pins(path: Path) -> dict[str, str]:
    text = path.read_text()
    found = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", text, re.M)
    return {name.lower().replace("_", "-"): version for name, version in found}


@pytest.mark.parametrize(
    ("lock", "extras"), [("base.txt", ["postgres"]), ("dev.txt", ["postgres", "dev"])]
)
def test_every_dependency_is_pinned_with_hashes(lock: str, extras: list[str]):
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    path = REPO / "requirements" / lock
    pins = _pins(path)
    missing = [r for r in wanted if _name(r) not in pins]
    assert not missing, f"{lock} lacks {missing}: run `make lock`"
    # pip --require-hashes refuses a pin without one; count that every pin has some.
    blocks = re.split(r"^(?=[A-Za-z0-9_.\-]+==)", path.read_text(), flags=re.M)[1:]
    assert all("--hash=sha256:" in block for block in blocks)


def test_the_image_and_make_install_from_the_lock():
    assert "--require-hashes -r requirements/base.txt" in (REPO / "Makefile").read_text()
    assert "--require-hashes -r requirements/dev.txt" in (REPO / "Makefile").read_text()
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "COPY requirements/base.txt" in dockerfile and "--require-hashes" in dockerfile
