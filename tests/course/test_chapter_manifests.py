"""Every complete manifest a chapter shows is accepted by a real API server.

The course claims to teach Kubernetes 1.35: each ``yaml`` block that holds
whole objects (``apiVersion`` and ``kind``) goes through
``kubectl apply --dry-run=server`` — schema, defaulting, validation and
admission — unless its author marked it ``no-check`` (a deliberately dated
or partial example).
"""

from __future__ import annotations

import pytest
import yaml

from lessons.content import read_chapters
from tests.cluster.fixtures import Cluster
from tests.conftest import REAL_COURSE

pytestmark = pytest.mark.cluster


def chapter_manifests() -> list[pytest.param]:
    result = read_chapters(REAL_COURSE)
    params = []
    for chapter in result.chapters:
        for block in chapter.rendered.code_blocks:
            if block.language not in ("yaml", "yml") or "no-check" in block.flags:
                continue
            docs = [d for d in yaml.safe_load_all(block.text) if d]
            if not docs or not all(isinstance(d, dict) and "kind" in d for d in docs):
                continue
            line = chapter.body_first_line + block.line - 1
            where = f"{chapter.folder}/chapter.md:{line}"
            params.append(pytest.param(docs, id=where))
    return params


def test_the_chapters_show_manifests():
    assert len(chapter_manifests()) >= 40


@pytest.mark.parametrize("docs", chapter_manifests())
def test_chapter_manifest_is_accepted(docs, cluster: Cluster, namespace):
    # Objects that name a namespace of the course (lfs158, ...) are checked in
    # the test's own namespace so that runs never collide.
    for doc in docs:
        meta = doc.setdefault("metadata", {})
        if "namespace" in meta:
            meta["namespace"] = namespace
    text = yaml.safe_dump_all(docs, sort_keys=False)
    result = cluster.run_kubectl(
        "apply", "--dry-run=server", "--validate=strict", "-n", namespace, "-f", "-", stdin=text
    )
    assert result.returncode == 0, f"{result.stderr}\n---\n{text}"
    assert "Warning" not in result.stderr, result.stderr
