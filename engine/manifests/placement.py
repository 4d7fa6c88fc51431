"""The notes' signature mistake: keys that lost their indentation and sit at the top level.

A manifest copied without its indentation has `name`, `labels`, `replicas`,
`selector`, `template`, `containers`, ... next to `apiVersion` and `kind`.
The schema alone would only say "not a field"; this says where each key
belongs, so the student can indent it.
"""

from __future__ import annotations

from collections import deque

from engine.i18n import _
from engine.manifests.findings import Document, Finding, shown
from engine.manifests.schemas import Shape

# How deep under the top level a misplaced key is looked for (spec.template.spec is 3).
MAX_DEPTH = 4


def home_of(key: str, root: Shape) -> tuple[str, ...] | None:
    """The shortest field path under ``root`` whose object has ``key`` as a field, or None.

    `metadata` is searched before `spec`, and both before anything else, so
    `name` belongs under `metadata` and `replicas` under `spec`.
    """
    order = sorted(root.properties.items(), key=lambda kv: (_rank(kv[0]), kv[0]))
    queue: deque[tuple[tuple[str, ...], Shape]] = deque(((name,), sub) for name, sub in order)
    seen: set[int] = set()
    while queue:
        path, shape = queue.popleft()
        if id(shape) in seen or len(path) > MAX_DEPTH:
            continue
        seen.add(id(shape))
        target = shape.items if shape.items is not None and not shape.properties else shape
        if key in target.properties:
            return path
        for name, sub in target.properties.items():
            queue.append(((*path, name), sub))
    return None


def _rank(name: str) -> int:
    return {"metadata": 0, "spec": 1}.get(name, 2)


def check(doc: Document, root: Shape) -> tuple[list[Finding], set[str]]:
    """One finding per top-level key that belongs deeper, at the key's line; and the
    top-level fields those keys belong under (`metadata`, `spec`)."""
    out: list[Finding] = []
    parents: set[str] = set()
    if root.additional is not False:
        return out, parents
    for key in doc.data:
        if not isinstance(key, str) or key in root.properties:
            continue
        home = home_of(key, root)
        if home is None:
            continue
        parents.add(home[0])
        out.append(
            doc.finding(
                "error",
                "misplaced-key",
                (key,),
                _("`{key}` is at the top level; it belongs under `{parent}:` — indent it.").format(
                    key=shown(key), parent=".".join(home)
                ),
                suggestion=".".join(home),
            )
        )
    return out, parents
