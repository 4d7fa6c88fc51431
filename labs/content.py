"""Reading labs (``labs/<slug>/lab.yaml`` + ``instructions.md`` in a chapter folder).

Reading validates everything that can be known without a cluster: the
schema, the checks (compiled), that every manifest of the start state, the
solution, the alternatives and the mistakes is valid for the lab's newest
Kubernetes version, that every step can be played (a supported kubectl
command, known placeholders, none in a start state), that a start state
holds nothing the tutor cannot create for one student, and that each mistake
names checks that exist.
``verify_labs`` does the rest on a cluster.
"""

from __future__ import annotations

import difflib
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.content import SyncStats, sync_by_uuid
from engine.assertions import Rule
from engine.content.errors import ContentError, display_path
from engine.content.kind import KindRead, read_each, read_yaml_file
from engine.content.objectives import objective_errors
from engine.content.rules import compile_each
from engine.grading.steps import PLACEHOLDER, SAMPLE_FACTS, StepError, check_step, fill
from engine.manifests import SUPPORTED_VERSIONS, validate_text
from engine.markdown import render_markdown
from labs.footprint import CLUSTER_SCOPED_KINDS, documents, lab_footprint
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
    # Per check id: the rungs of its hint ladder as safe HTML (``labs.hints``).
    hints: dict[str, dict[str, str]]

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

    @property
    def manifests(self) -> str:
        return str(self.front["solution"].get("manifests") or "")


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
    checks, check_errors = compile_each(
        front["checks"], lambda i: loaded.line_for(("checks", i)), shown, lab=True
    )
    if check_errors:
        return None, check_errors
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
    anchors = {h.anchor for h in chapter.rendered.toc}
    for index, check in enumerate(front["checks"]):
        section = check.get("section")
        if section is not None and section not in anchors:
            close = difflib.get_close_matches(section, sorted(anchors), n=1)
            errors.append(
                ContentError(
                    shown,
                    loaded.line_for(("checks", index, "section")),
                    f"check {check['id']}: section {section!r} is not a heading anchor of the "
                    f"chapter" + (f" (did you mean {close[0]!r}?)" if close else ""),
                )
            )
    errors.extend(
        ContentError(shown, loaded.line_for(("objectives", index)), message)
        for index, message in objective_errors(
            front.get("objectives"), available=len(chapter.front["objectives"])
        )
    )
    check_ids = {c.id for c in checks}
    plays: list[tuple[str | int, ...]] = [("solution",)]
    start_state = front.get("start_state")
    if start_state is not None:
        plays.insert(0, ("start_state",))
        errors += _start_state_errors(
            start_state.get("manifests") or "", shown, loaded.line_for(("start_state",))
        )
    elif front.get("troubleshooting"):
        errors.append(
            ContentError(
                shown,
                loaded.line_for(("troubleshooting",)),
                "a troubleshooting lab needs a start_state: the broken objects the student fixes",
            )
        )
    plays += [("alternatives", i) for i in range(len(front["alternatives"]))]
    plays += [("mistakes", i) for i in range(len(front["mistakes"]))]
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
    names = [p["name"] for p in front["alternatives"] + front["mistakes"]]
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append(ContentError(shown, 1, f"two alternatives or mistakes are named {name!r}"))
    for where in plays:
        play = front[where[0]] if len(where) == 1 else front[where[0]][where[1]]
        errors += _check_play(shown, loaded, where, play, newest)
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
        hints={check["id"]: ladder_html(check) for check in front["checks"]},
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


def ladder_html(check: dict[str, Any]) -> dict[str, str]:
    """A check's ladder rungs written in the file, as safe HTML; the nudge falls back to ``hint``."""
    ladder = check.get("ladder") or {}
    texts = {
        "nudge": ladder.get("nudge") or check.get("hint") or "",
        "concept": ladder.get("concept") or "",
        "solution": ladder.get("solution") or "",
    }
    return {rung: render_markdown(text).html for rung, text in texts.items() if text.strip()}


# A start state is created by the tutor in a namespace of any student, before any grading.
_NO_PLACEHOLDER = (
    "a start state holds no {{ placeholders }}: it is created as written in every namespace"
)


def _check_play(
    shown: str, loaded: Any, where: tuple[str | int, ...], play: dict[str, Any], version: str
) -> list[ContentError]:
    """The manifests of a start state, solution, alternative or mistake are valid; its steps
    can be played."""
    errors: list[ContentError] = []
    label = ".".join(map(str, where))
    texts: list[tuple[tuple[str | int, ...], str]] = []
    if "manifests" in play:
        texts.append(((*where, "manifests"), play["manifests"]))
    for index, step in enumerate(play.get("steps") or []):
        line = loaded.line_for((*where, "steps", index))
        for problem in check_step(step):
            errors.append(ContentError(shown, line, f"{label}.steps[{index}]: {problem}"))
        if where[0] == "start_state" and PLACEHOLDER.search(str(step)):
            errors.append(ContentError(shown, line, f"{label}.steps[{index}]: {_NO_PLACEHOLDER}"))
        if isinstance(step, dict) and isinstance(step.get("apply"), str):
            texts.append(((*where, "steps", index, "apply"), step["apply"]))
    for path, text in texts:
        line = loaded.line_for(path)
        if where[0] == "start_state" and PLACEHOLDER.search(text):
            errors.append(
                ContentError(shown, line, f"{'.'.join(map(str, path))}: {_NO_PLACEHOLDER}")
            )
            continue
        try:
            text = fill(text, SAMPLE_FACTS)
        except StepError as exc:
            errors.append(ContentError(shown, line, f"{'.'.join(map(str, path))}: {exc}"))
            continue
        result = validate_text(text, kubernetes_version=version)
        for finding in result.all_findings:
            if finding.severity == "error":
                errors.append(
                    ContentError(
                        shown,
                        line,
                        f"{'.'.join(map(str, path))}: line {finding.line}: {finding.message} [{finding.code}]",
                    )
                )
        for document in result.documents:
            meta = (document.data or {}).get("metadata") or {}
            if meta.get("namespace"):
                errors.append(
                    ContentError(
                        shown,
                        line,
                        f"{'.'.join(map(str, path))}: {document.kind} sets metadata.namespace; the grader's namespace is used",
                    )
                )
    return errors


def sync_labs(labs: list[LabSource]) -> SyncStats:
    """Lab rows in line with the files; removed labs are unpublished (submissions stay)."""
    chapters = {str(c.uuid): c for c in Chapter.objects.all()}

    def apply(lab: Lab, source: LabSource, _: int) -> None:
        lab.chapter = chapters[str(uuid.UUID(source.chapter_uuid))]
        lab.slug = source.slug
        lab.title = source.front["title"]
        lab.objectives = list(source.front.get("objectives", []))
        lab.estimated_minutes = source.front["estimated_minutes"]
        lab.kubernetes_versions = source.front["kubernetes_versions"]
        lab.instructions_html = render_markdown(source.instructions).html
        lab.checks = source.front["checks"]
        lab.troubleshooting = bool(source.front.get("troubleshooting"))
        lab.start_state = source.start_state
        lab.start_steps = source.start_steps
        lab.footprint = source.footprint
        lab.hints = source.hints
        lab.content_hash = source.content_hash

    return sync_by_uuid(
        Lab,
        labs,
        uuid_of=lambda source: source.front["uuid"],
        unchanged=lambda lab, source: (
            lab.content_hash == source.content_hash and lab.hints == source.hints
        ),
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
