"""Reading labs (``labs/<slug>/lab.yaml`` + ``instructions.md`` in a chapter folder).

Reading validates everything that can be known without a cluster: the
schema, the checks (compiled), that every manifest of the start state, the
solution, the alternatives and the mistakes (and of their ``apply`` steps) is
valid for the lab's newest Kubernetes version, and that each mistake names
checks that exist. ``verify_labs`` does the rest on a cluster.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.content import SyncStats, sync_by_uuid
from engine.assertions import Rule, RuleError, compile_rules
from engine.content.errors import ContentError, display_path
from engine.content.kind import KindRead, read_each, read_yaml_file
from engine.manifests import SUPPORTED_VERSIONS, validate_text
from engine.markdown import render_markdown
from labs.footprint import CLUSTER_SCOPED_KINDS, documents, lab_footprint
from labs.grader import PLACEHOLDER, PLACEHOLDER_NAMES
from labs.models import Lab
from lessons.content import ChapterSource
from lessons.models import Chapter

SCHEMA = Path(__file__).parent / "schemas" / "lab.schema.json"
MAX_BYTES = 256 * 1024


@dataclass
class LabSource:
    path: Path
    chapter_uuid: str
    chapter_number: int
    slug: str
    front: dict[str, Any]
    checks: list[Rule]
    instructions: str
    content_hash: str

    @property
    def steps(self) -> list[dict[str, Any]]:
        return list(self.front["solution"].get("steps") or [])

    @property
    def start_state(self) -> str:
        """The manifests the tutor creates when the lab starts ("" when it starts empty)."""
        return str((self.front.get("start_state") or {}).get("manifests") or "")

    @property
    def start_steps(self) -> list[dict[str, Any]]:
        return list((self.front.get("start_state") or {}).get("steps") or [])

    @property
    def footprint(self) -> list[dict[str, Any]]:
        return lab_footprint(self.front)


def read_labs(root: Path, chapters: list[ChapterSource]) -> KindRead:
    return read_each(
        chapters,
        root,
        files=lambda chapter: sorted(
            p for p in (chapter.path.parent / "labs").glob("*") if p.is_dir()
        ),
        read_one=lambda folder, chapter: read_lab(folder, root, chapter),
        identity=lambda source: (source.front["uuid"].lower(), f"lab:{source.slug}"),
    )


def read_lab(
    folder: Path, root: Path, chapter: ChapterSource
) -> tuple[LabSource | None, list[ContentError]]:
    path = folder / "lab.yaml"
    shown = display_path(path, root)
    if not path.is_file():
        return None, [ContentError(display_path(folder, root), 1, "lab folder has no lab.yaml")]
    instructions_path = folder / "instructions.md"
    if not instructions_path.is_file():
        return None, [
            ContentError(display_path(folder, root), 1, "lab folder has no instructions.md")
        ]
    loaded, raw, errors = read_yaml_file(path, root, schema=SCHEMA, max_bytes=MAX_BYTES)
    if loaded is None:
        return None, errors
    front = loaded.data
    try:
        checks = compile_rules(front["checks"], lab=True)
    except RuleError as exc:
        return None, [ContentError(shown, loaded.line_for(("checks",)), str(exc))]
    versions = [v for v in front["kubernetes_versions"] if v in SUPPORTED_VERSIONS]
    if not versions:
        return None, [
            ContentError(
                shown,
                loaded.line_for(("kubernetes_versions",)),
                "no supported Kubernetes version listed",
            )
        ]
    newest = max(versions, key=lambda v: int(v.split(".")[1]))
    check_ids = {c.id for c in checks}
    manifests: list[tuple[tuple[str | int, ...], str]] = [
        (("solution", "manifests"), front["solution"]["manifests"])
    ]
    start_state = front.get("start_state")
    if start_state is not None:
        manifests.append((("start_state", "manifests"), start_state["manifests"]))
        errors += _start_state_errors(
            start_state["manifests"], shown, loaded.line_for(("start_state",))
        )
    elif front.get("troubleshooting"):
        errors.append(
            ContentError(
                shown,
                loaded.line_for(("troubleshooting",)),
                "a troubleshooting lab needs a start_state: the broken objects the student fixes",
            )
        )
    for group in ("start_state", "solution", "alternatives", "mistakes"):
        single = group in ("start_state", "solution")
        plays = [front.get(group) or {}] if single else front.get(group) or []
        for index, play in enumerate(plays):
            where: tuple[str | int, ...] = (group,) if single else (group, index)
            if not single and "manifests" in play:
                manifests.append(((*where, "manifests"), play["manifests"]))
            for number, step in enumerate(play.get("steps") or []):
                if "apply" in step:
                    manifests.append(((*where, "steps", number, "apply"), step["apply"]))
    for index, mistake in enumerate(front["mistakes"]):
        stray = [c for c in mistake["failed_checks"] if c not in check_ids]
        if stray:
            errors.append(
                ContentError(
                    shown,
                    loaded.line_for(("mistakes", index)),
                    f"mistake {mistake['name']!r}: no checks named {stray}",
                )
            )
    names = [p["name"] for p in front.get("alternatives") or []] + [
        m["name"] for m in front["mistakes"]
    ]
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(
            ContentError(
                shown, 1, f"two alternatives or mistakes are named {name!r}: names must differ"
            )
        )
    for where, text in manifests:
        line = loaded.line_for(where)
        for name in PLACEHOLDER.findall(text):
            if where[0] == "start_state" or not PLACEHOLDER_NAMES.match(name):
                errors.append(
                    ContentError(
                        shown,
                        line,
                        f"{'.'.join(map(str, where))}: {{{{ {name} }}}} is not a placeholder "
                        "verify_labs fills in (namespace, serverVersion, nodeCount, uid:Kind/name; "
                        "never in a start state)",
                    )
                )
        result = validate_text(text, kubernetes_version=newest)
        for finding in result.all_findings:
            if finding.severity == "error":
                errors.append(
                    ContentError(
                        shown,
                        line,
                        f"{'.'.join(map(str, where))}: line {finding.line}: {finding.message} [{finding.code}]",
                    )
                )
        for document in result.documents:
            meta = (document.data or {}).get("metadata") or {}
            if meta.get("namespace"):
                errors.append(
                    ContentError(
                        shown,
                        line,
                        f"{'.'.join(map(str, where))}: {document.kind} sets metadata.namespace; the grader's namespace is used",
                    )
                )
    instructions = instructions_path.read_text()
    digest = hashlib.sha256(raw + instructions.encode()).hexdigest()
    source = LabSource(
        path=path,
        chapter_uuid=chapter.front["uuid"],
        chapter_number=chapter.front["number"],
        slug=folder.name,
        front=front,
        checks=checks,
        instructions=instructions,
        content_hash=digest,
    )
    return (None if errors else source), errors


def _start_state_errors(text: str, shown: str, line: int) -> list[ContentError]:
    """What the tutor cannot create for a student: cluster-wide kinds but volumes, repeats."""
    errors = []
    seen: set[tuple[str, str]] = set()
    for doc in documents(text):
        kind, name = str(doc.get("kind")), str((doc.get("metadata") or {}).get("name"))
        if kind in CLUSTER_SCOPED_KINDS and kind != "PersistentVolume":
            errors.append(
                ContentError(
                    shown,
                    line,
                    f"start_state: a {kind} is cluster-wide and shared by every student; only "
                    "PersistentVolumes can be part of a start state (the tutor makes one per namespace)",
                )
            )
        claim_ref = (doc.get("spec") or {}).get("claimRef") if kind == "PersistentVolume" else None
        if isinstance(claim_ref, dict) and claim_ref.get("namespace"):
            errors.append(
                ContentError(
                    shown,
                    line,
                    f"start_state: PersistentVolume {name} sets claimRef.namespace; the tutor "
                    "reserves the volume for the student's namespace itself",
                )
            )
        if (kind, name) in seen:
            errors.append(ContentError(shown, line, f"start_state: {kind} {name} is there twice"))
        seen.add((kind, name))
    return errors


def sync_labs(labs: list[LabSource]) -> SyncStats:
    """Lab rows in line with the files; removed labs are unpublished (submissions stay)."""
    chapters = {str(c.uuid): c for c in Chapter.objects.all()}

    def apply(lab: Lab, source: LabSource, _: int) -> None:
        lab.chapter = chapters[str(uuid.UUID(source.chapter_uuid))]
        lab.slug = source.slug
        lab.title = source.front["title"]
        lab.estimated_minutes = source.front["estimated_minutes"]
        lab.kubernetes_versions = source.front["kubernetes_versions"]
        lab.instructions_html = render_markdown(source.instructions).html
        lab.checks = source.front["checks"]
        lab.objectives = list(source.front.get("objectives") or [])
        lab.troubleshooting = bool(source.front.get("troubleshooting"))
        lab.start_state = source.start_state
        lab.start_steps = source.start_steps
        lab.footprint = source.footprint
        lab.content_hash = source.content_hash

    return sync_by_uuid(
        Lab,
        labs,
        uuid_of=lambda source: source.front["uuid"],
        unchanged=lambda lab, source: lab.content_hash == source.content_hash,
        apply=apply,
    )


class LabKind:
    name = count_key = "labs"
    # check_content's other counts (a stable interface: INTERFACES.md).
    extra_count_keys = ("labs_with_start_state",)

    def read(self, root: Path, earlier: Mapping[str, list[Any]]) -> KindRead:
        read = read_labs(root, earlier["chapters"])
        read.counts["labs_with_start_state"] = sum(1 for lab in read.sources if lab.start_state)
        return read

    def sync(self, sources: list[LabSource]) -> SyncStats:
        return sync_labs(sources)


LABS = LabKind()
