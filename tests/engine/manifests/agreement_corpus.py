"""The agreement corpus: every manifest the course ships, the mistakes it records, and
mutations of them, each with a name that says where it came from.

Used by test_agreement_corpus.py (validator vs the API server) and the bench.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
CONTENT = REPO / "content" / "chapters"
_FENCE = re.compile(r"^```ya?ml\n(.*?)^```", re.S | re.M)


def _is_manifest(text: str) -> bool:
    return bool(re.search(r"^apiVersion:", text, re.M) and re.search(r"^kind:", text, re.M))


def shipped() -> Iterator[tuple[str, str]]:
    """(name, text) for each manifest in the chapters, exercises and labs."""
    for chapter in sorted(CONTENT.iterdir()):
        md = chapter / "chapter.md"
        if md.exists():
            for n, match in enumerate(_FENCE.finditer(md.read_text()), 1):
                if _is_manifest(match.group(1)):
                    yield f"{chapter.name}/chapter.md#{n}", match.group(1)
        for path in sorted((chapter / "exercises").glob("*.yaml")):
            data = yaml.safe_load(path.read_text())
            where = f"{chapter.name}/exercises/{path.stem}"
            for key in ("starter", "solution"):
                if isinstance(data.get(key), str) and _is_manifest(data[key]):
                    yield f"{where}:{key}", data[key]
            for n, mistake in enumerate(data.get("mistakes") or [], 1):
                if _is_manifest(mistake.get("manifest", "")):
                    yield f"{where}:mistake{n}", mistake["manifest"]
        for path in sorted(chapter.glob("labs/*/lab.yaml")):
            data = yaml.safe_load(path.read_text())
            where = f"{chapter.name}/labs/{path.parent.name}"
            solution = (data.get("solution") or {}).get("manifests", "")
            if _is_manifest(solution):
                yield f"{where}:solution", solution
            for n, mistake in enumerate(data.get("mistakes") or [], 1):
                if _is_manifest(mistake.get("manifests", "")):
                    yield f"{where}:mistake{n}", mistake["manifests"]


def mutations(name: str, text: str) -> Iterator[tuple[str, str]]:
    """Typical beginner mistakes made to one manifest (each mutation changes one thing)."""
    lines = text.splitlines(keepends=True)
    keys = [
        (i, m)
        for i, line in enumerate(lines)
        if (m := re.match(r"^(\s+)(-\s+)?([A-Za-z][A-Za-z]+):(\s|$)", line))
    ]
    # A typo in a key: its last letter dropped (replicas -> replica).
    for i, m in keys[:3]:
        key = m.group(3)
        if len(key) > 3:
            typo = [*lines[:i], line_replace(lines[i], key + ":", key[:-1] + ":"), *lines[i + 1 :]]
            yield f"{name}~typo:{key}", "".join(typo)
            break
    # A number written as a word (wrong type).
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*(?:-\s+)?)(replicas|containerPort|port): (\d+)\s*$", line)
        if m:
            wrong = [*lines[:i], f"{m.group(1)}{m.group(2)}: many\n", *lines[i + 1 :]]
            yield f"{name}~type:{m.group(2)}", "".join(wrong)
            break
    # A required field left out: a container's image.
    for i, line in enumerate(lines):
        if re.match(r"^\s*image:", line):
            yield f"{name}~missing:image", "".join(lines[:i] + lines[i + 1 :])
            break
    # Lost indentation: metadata's first field at the top level.
    for i, line in enumerate(lines):
        if line.startswith("metadata:") and i + 1 < len(lines) and lines[i + 1].startswith("  "):
            flat = [*lines[: i + 1], lines[i + 1].lstrip(" "), *lines[i + 2 :]]
            yield f"{name}~indent:metadata", "".join(flat)
            break


def line_replace(line: str, old: str, new: str) -> str:
    return line.replace(old, new, 1)


_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx:1.27
      resources:
        limits:
          memory: 64Mi
"""
_RC = """\
apiVersion: v1
kind: ReplicationController
metadata:
  name: rc
spec:
  template:
    metadata:
      labels:
        app: rc
    spec:
      containers:
        - name: c
          image: nginx:1.27
"""
_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  selector:
    app: web
  ports:
    - port: 80
      nodePort: 0
"""


def gaps() -> list[tuple[str, str]]:
    """The gaps issue 14 found on real-world manifests, each of which the server decides."""
    listed = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        ("- " if i == 0 else "  ") + line + "\n" for i, line in enumerate(_POD.splitlines())
    )
    return [
        ("gap:list", listed),
        ("gap:list-with-typo", listed.replace("memory:", "memry:")),
        ("gap:node-port-zero", _SERVICE),
        ("gap:resource-name-typo", _POD.replace("memory:", "memry:")),
        ("gap:resource-extended", _POD.replace("memory: 64Mi", "example.com/dongle: 1")),
        ("gap:rc-labelled", _RC),
        ("gap:rc-without-selector-or-labels", _RC.replace("    metadata:\n      labels:\n        app: rc\n", "")),
        ("gap:duplicate-key", _POD.replace("  name: web\nspec", "  name: old\n  name: web\nspec")),
        ("gap:generate-name", _POD.replace("  name: web\nspec", "  generateName: web-\nspec")),
        ("gap:lost-indentation", _POD.replace("  name: web\nspec", "name: web\nspec")),
    ]  # fmt: skip


def corpus() -> list[tuple[str, str]]:
    cases = gaps()
    for name, text in shipped():
        cases.append((name, text))
        if ":mistake" not in name and ":starter" not in name:
            cases.extend(mutations(name, text))
    return cases
