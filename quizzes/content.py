"""Reading quiz banks (``quiz.yaml``) and syncing them into the database.

Like chapters and exercises, reading never touches the database and
collects every error as ``file:line: message``; syncing keys on uuids and
never deletes: a question that left its file is unpublished, so the
attempts that answered it keep their history. The same reading code checks
a bank or a single question that an instructor imports or edits in the
browser.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.content import SyncStats, unpublish_missing
from engine import commands
from engine.assertions import RuleError, compile_rules
from engine.content.errors import ContentError, display_path
from engine.content.kind import KindRead
from engine.content.objectives import objective_errors
from engine.content.schema import schema_errors
from engine.grading.exercise import grade_manifest
from engine.manifests import DEFAULT_VERSION, SUPPORTED_VERSIONS
from engine.markdown import render_markdown
from engine.yaml import LoadedYaml, YamlSourceError, load_yaml
from lessons.content import ChapterSource
from lessons.models import Chapter
from quizzes.models import Origin, Question, Quiz
from quizzes.patterns import pattern_problem

SCHEMA = Path(__file__).parent / "schemas" / "quiz.schema.json"
QUIZ_FILE = "quiz.yaml"
MAX_BYTES = 512 * 1024
QUIZ_KEYS = ("uuid", "title", "pass_mark", "questions_per_attempt", "layout")
# The order keys are written in on export (a question uses only some of them).
QUESTION_KEYS = (
    "uuid", "type", "difficulty", "tags", "section", "objectives", "points", "scoring", "prompt", "options",
    "answer", "explanation_true", "explanation_false", "accept", "case_sensitive", "pattern",
    "items", "kubernetes_version", "starter", "rules", "explanation",
)  # fmt: skip
OPTION_KEYS = ("text", "correct", "explanation")


@dataclass
class QuizSource:
    """A bank that read without errors: the file's mapping and where it came from."""

    shown: str
    chapter_uuid: str
    data: dict[str, Any]
    content_hash: str
    # The line of each uuid in the file (lower case), for errors across files.
    uuid_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class QuizReadResult:
    quizzes: list[QuizSource] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)

    @property
    def question_count(self) -> int:
        return sum(len(q.data["questions"]) for q in self.quizzes)


def read_quizzes(root: Path, chapters: list[ChapterSource]) -> QuizReadResult:
    result = QuizReadResult()
    for chapter in chapters:
        path = chapter.path.parent / QUIZ_FILE
        if not path.is_file():
            continue
        shown = display_path(path, root)
        raw = path.read_bytes()
        anchors = {h.anchor for h in chapter.rendered.toc}
        source, errors = read_bank(
            raw,
            shown=shown,
            chapter_uuid=chapter.front["uuid"],
            anchors=anchors,
            objectives=len(chapter.front["objectives"]),
        )
        result.errors.extend(errors)
        if source is not None:
            result.quizzes.append(source)
    result.errors.extend(_duplicate_uuids(result.quizzes))
    result.errors.sort()
    return result


def read_bank(
    raw: bytes,
    *,
    shown: str,
    chapter_uuid: str,
    anchors: set[str],
    objectives: int | None = None,
) -> tuple[QuizSource | None, list[ContentError]]:
    """Check one bank's bytes; a source only when there is no error at all.

    ``objectives``: how many objectives the chapter has, which the questions'
    ``objectives`` numbers must stay within (None: not checked).
    """
    if len(raw) > MAX_BYTES:
        message = _("file is larger than {limit} bytes").format(limit=MAX_BYTES)
        return None, [ContentError(shown, 1, message)]
    try:
        loaded = load_yaml(raw.decode("utf-8").replace("\r\n", "\n"))
    except UnicodeDecodeError:
        return None, [ContentError(shown, 1, _("file is not valid UTF-8"))]
    except YamlSourceError as exc:
        return None, [ContentError(shown, exc.line, exc.message)]
    if not isinstance(loaded.data, dict):
        message = _("a quiz bank must be a mapping of keys to values")
        return None, [ContentError(shown, 1, message)]
    errors = check_bank(loaded, shown=shown, anchors=anchors, objectives=objectives)
    if errors:
        return None, errors
    digest = hashlib.sha256(raw + chapter_uuid.encode()).hexdigest()
    data = loaded.data
    uuid_lines = {data["uuid"].lower(): loaded.line_for(("uuid",))}
    for index, question in enumerate(data["questions"]):
        uuid_lines.setdefault(
            question["uuid"].lower(), loaded.line_for(("questions", index, "uuid"))
        )
    source = QuizSource(
        shown=shown,
        chapter_uuid=chapter_uuid,
        data=data,
        content_hash=digest,
        uuid_lines=uuid_lines,
    )
    return source, []


def check_bank(
    loaded: LoadedYaml, *, shown: str, anchors: set[str], objectives: int | None = None
) -> list[ContentError]:
    """Every problem of a parsed bank: the schema first, then what a schema cannot say."""
    errors = [ContentError(shown, line, message) for line, message in schema_errors(loaded, SCHEMA)]
    if errors:
        return sorted(errors)
    data = loaded.data
    per_attempt = data.get("questions_per_attempt")
    if per_attempt is not None and per_attempt > len(data["questions"]):
        errors.append(
            ContentError(
                shown, loaded.line_for(("questions_per_attempt",)),
                _("questions_per_attempt is {wanted}, but the bank has only {count} questions").format(
                    wanted=per_attempt, count=len(data["questions"])
                ),
            )
        )  # fmt: skip
    seen: dict[str, int] = {}
    key = data["uuid"].lower()
    seen[key] = loaded.line_for(("uuid",))
    for index, question in enumerate(data["questions"]):
        line = loaded.line_for(("questions", index, "uuid"))
        key = question["uuid"].lower()
        if key in seen:
            errors.append(
                ContentError(
                    shown,
                    line,
                    _("uuid {uuid} is already used on line {line}").format(
                        uuid=question["uuid"], line=seen[key]
                    ),
                )
            )
        else:
            seen[key] = line
        errors.extend(
            ContentError(shown, loaded.line_for(("questions", index, *where)), message)
            for where, message in check_question(question, anchors=anchors, objectives=objectives)
        )
    return sorted(errors)


def check_question(
    question: dict[str, Any], *, anchors: set[str], objectives: int | None = None
) -> Iterable[tuple[tuple[str | int, ...], str]]:
    """Yield ``(path inside the question, message)`` for what the schema cannot check."""
    kind = question["type"]
    if objectives is not None:
        for index, message in objective_errors(question.get("objectives"), available=objectives):
            yield ("objectives", index), message
    section = question.get("section")
    if section is not None and section not in anchors:
        close = difflib.get_close_matches(section, sorted(anchors), n=1)
        if close:
            message = _(
                "section {section!r} is not a heading anchor of the chapter "
                "(did you mean {close!r}?)"
            ).format(section=section, close=close[0])
        else:
            message = _("section {section!r} is not a heading anchor of the chapter").format(
                section=section
            )
        yield ("section",), message
    options = question.get("options", [])
    texts = [o["text"].strip() for o in options]
    for i, text in enumerate(texts):
        if text in texts[:i]:
            yield ("options", i, "text"), _("option {text!r} appears twice").format(text=text)
    correct = sum(1 for o in options if o.get("correct"))
    if kind == "single" and correct != 1:
        yield (
            ("options",),
            _("a single-choice question needs exactly one correct option, not {count}").format(
                count=correct
            ),
        )
    if kind == "multiple" and correct < 1:
        yield ("options",), _("a multiple-choice question needs at least one correct option")
    if kind == "short_answer" and question.get("pattern") is not None:
        problem = pattern_problem(question["pattern"])
        if problem:
            yield ("pattern",), problem
    if kind == "manifest":
        yield from _check_manifest(question)
    if kind == "command":
        for index, accepted in enumerate(question["accept"]):
            try:
                commands.parse(accepted)
            except commands.CommandError as exc:
                message = _("accepted command {command!r} cannot be read: {reason}").format(
                    command=accepted, reason=exc
                )
                yield ("accept", index), message


def _check_manifest(question: dict[str, Any]) -> Iterable[tuple[tuple[str | int, ...], str]]:
    version = question.get("kubernetes_version", DEFAULT_VERSION)
    if version not in SUPPORTED_VERSIONS:
        yield (
            ("kubernetes_version",),
            _("kubernetes_version {version} is not supported").format(version=version),
        )
        return
    try:
        rules = compile_rules(question["rules"])
    except RuleError as exc:
        yield ("rules",), f"rules: {exc}"
        return
    outcome = grade_manifest(question["starter"], rules=rules, kubernetes_version=version)
    if outcome.passed:
        yield (
            ("starter",),
            _("the starter already passes every rule: there is nothing for the student to do"),
        )


def _duplicate_uuids(quizzes: list[QuizSource]) -> list[ContentError]:
    """A uuid names one quiz or one question in the whole course."""
    errors = []
    owner: dict[str, str] = {}
    for source in quizzes:
        for value in [source.data["uuid"], *(q["uuid"] for q in source.data["questions"])]:
            key = value.lower()
            if key in owner and owner[key] != source.shown:
                line = source.uuid_lines.get(key, 1)
                message = _("uuid {uuid} is already used in {file}").format(
                    uuid=value, file=owner[key]
                )
                errors.append(ContentError(source.shown, line, message))
            owner.setdefault(key, source.shown)
    return errors


def question_hash(question: dict[str, Any]) -> str:
    return hashlib.sha256(
        json.dumps(canonical_question(question), sort_keys=True).encode()
    ).hexdigest()


def quiz_settings(data: dict[str, Any]) -> dict[str, Any]:
    settings = {k: data[k] for k in QUIZ_KEYS if k in data}
    settings["uuid"] = str(uuid.UUID(settings["uuid"]))
    return settings


def settings_hash(settings: dict[str, Any], chapter_uuid: str) -> str:
    payload = json.dumps({**settings, "chapter": chapter_uuid.lower()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def canonical_question(question: dict[str, Any]) -> dict[str, Any]:
    """The question as the file format has it: known keys in a fixed order, no ids."""
    out: dict[str, Any] = {}
    for key in QUESTION_KEYS:
        if key not in question:
            continue
        value = question[key]
        if key == "options":
            value = [{k: o[k] for k in OPTION_KEYS if k in o} for o in value]
        out[key] = value
    return out


def _inline(text: str) -> str:
    """Markdown for one line (an option, an item): no surrounding paragraph."""
    html = render_markdown(text).html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


def question_fields(
    question: dict[str, Any], old_data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Model field values for a checked question mapping.

    Options and ordering items get random ids, which forms send back. An
    option or item whose text did not change keeps its id, so statistics and
    recorded answers keep pointing at the same choice.
    """
    data = canonical_question(question)
    old_data = old_data or {}
    old_options = {o["text"]: o["id"] for o in old_data.get("options", [])}
    used: set[str] = set()

    def new_id(previous: str | None) -> str:
        value = previous if previous and previous not in used else secrets.token_hex(4)
        used.add(value)
        return value

    rendered: dict[str, Any] = {}
    if "options" in data:
        data["options"] = [{"id": new_id(old_options.get(o["text"])), **o} for o in data["options"]]
        rendered["options"] = {
            o["id"]: {
                "text": _inline(o["text"]),
                "explanation": render_markdown(o["explanation"]).html,
            }
            for o in data["options"]
        }
    if "items" in data:
        old_items = dict(zip(old_data.get("items", []), old_data.get("item_ids", []), strict=False))
        data["item_ids"] = [new_id(old_items.get(item)) for item in data["items"]]
        rendered["items"] = {
            i: _inline(t) for i, t in zip(data["item_ids"], data["items"], strict=True)
        }
    for key in ("explanation_true", "explanation_false"):
        if key in data:
            rendered[key] = render_markdown(data[key]).html
    return {
        "type": data["type"],
        "data": data,
        "rendered": rendered,
        "prompt_html": render_markdown(data["prompt"]).html,
        "explanation_html": render_markdown(data["explanation"]).html,
        "difficulty": data["difficulty"],
        "tags": list(data.get("tags", [])),
        "section": data.get("section", ""),
        "objectives": list(data.get("objectives", [])),
        "points": data.get("points", 1),
        "source_hash": question_hash(question),
    }


def apply_question(question: Question, source: dict[str, Any]) -> None:
    for name, value in question_fields(source, question.data if question.pk else None).items():
        setattr(question, name, value)


@dataclass
class QuizSyncStats(SyncStats):
    kept: int = 0  # edited in the browser since: left as the instructor made them
    questions_created: int = 0
    questions_updated: int = 0
    questions_unpublished: int = 0


@transaction.atomic
def sync_quizzes(quizzes: list[QuizSource]) -> QuizSyncStats:
    """Bring the quizzes from the files into the database; quizzes that left are unpublished."""
    stats = QuizSyncStats()
    chapters = {str(c.uuid): c for c in Chapter.objects.all()}
    existing = {str(q.uuid): q for q in Quiz.objects.select_for_update()}
    present = set()
    for source in quizzes:
        key = str(uuid.UUID(source.data["uuid"]))
        present.add(key)
        quiz = existing.get(key)
        if (
            quiz is not None
            and quiz.content_hash == source.content_hash
            and quiz.is_published
            and quiz.origin == Origin.FILE
        ):
            stats.unchanged += 1
            continue
        chapter = chapters[str(uuid.UUID(source.chapter_uuid))]
        created = quiz is None
        sync_bank(
            source.data, chapter=chapter, origin=Origin.FILE, content_hash=source.content_hash,
            stats=stats, quiz=quiz,
        )  # fmt: skip
        stats.created += created
        stats.updated += not created
    # Only banks the files manage: one made in the browser has no file to be missing from.
    stats.unpublished = unpublish_missing(
        existing, present, owned=lambda quiz: quiz.origin == Origin.FILE
    )
    return stats


def sync_bank(
    data: dict[str, Any],
    *,
    chapter: Chapter,
    origin: str,
    content_hash: str,
    stats: QuizSyncStats | None = None,
    quiz: Quiz | None = None,
) -> Quiz:
    """Write one checked bank. From a file, rows edited in the browser are kept
    unless the file now holds exactly the same; an import (``origin`` browser)
    replaces everything and marks it as the instructor's."""
    stats = stats or QuizSyncStats()
    quiz = quiz or Quiz.objects.filter(uuid=data["uuid"]).first() or Quiz(uuid=data["uuid"])
    settings = quiz_settings(data)
    new_hash = settings_hash(settings, str(chapter.uuid))
    from_file = origin == Origin.FILE
    if quiz.pk and from_file and quiz.origin == Origin.BROWSER and quiz_hash(quiz) != new_hash:
        stats.kept += 1
    else:
        quiz.chapter = chapter
        quiz.title = data["title"]
        quiz.pass_mark = data["pass_mark"]
        quiz.questions_per_attempt = data.get("questions_per_attempt")
        quiz.layout = data["layout"]
        quiz.origin = origin
    quiz.is_published = True
    # From a file, the hash lets the next load skip an unchanged bank as a whole.
    quiz.content_hash = content_hash
    quiz.save()
    uuids = [q["uuid"] for q in data["questions"]]
    existing = {str(q.uuid): q for q in Question.objects.select_for_update().filter(uuid__in=uuids)}
    present = set()
    for position, source in enumerate(data["questions"]):
        key = str(uuid.UUID(source["uuid"]))
        present.add(key)
        question = existing.get(key)
        digest = question_hash(source)
        theirs = question is not None and question.origin == Origin.BROWSER
        if from_file and theirs and question.source_hash != digest:  # type: ignore[union-attr]
            stats.kept += 1
            continue
        if (
            question is not None
            and question.source_hash == digest
            and question.quiz_id == quiz.pk
            and question.position == position
            and question.is_published
            and question.origin == origin
        ):
            continue
        created = question is None
        question = question or Question(uuid=key)
        apply_question(question, source)
        question.quiz = quiz
        question.position = position
        question.is_published = True
        question.origin = origin
        question.save()
        stats.questions_created += created
        stats.questions_updated += not created
    for question in quiz.questions.filter(is_published=True):
        gone = str(question.uuid) not in present
        # A question the instructor made in the browser is not the file's to remove.
        if gone and (not from_file or question.origin == Origin.FILE):
            question.is_published = False
            question.save(update_fields=["is_published", "updated_at"])
            stats.questions_unpublished += 1
    return quiz


def quiz_hash(quiz: Quiz) -> str:
    return settings_hash(quiz_export_settings(quiz), str(quiz.chapter.uuid))


def quiz_export_settings(quiz: Quiz) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "uuid": str(quiz.uuid),
        "title": quiz.title,
        "pass_mark": quiz.pass_mark,
    }
    if quiz.questions_per_attempt is not None:
        settings["questions_per_attempt"] = quiz.questions_per_attempt
    settings["layout"] = quiz.layout
    return settings


def read_question(
    text: str,
    *,
    shown: str,
    settings: dict[str, Any],
    anchors: set[str],
    objectives: int | None = None,
) -> tuple[dict[str, Any] | None, list[ContentError]]:
    """Check one question written in the browser, with the code that checks files."""
    try:
        loaded = load_yaml(text.replace("\r\n", "\n"))
    except YamlSourceError as exc:
        return None, [ContentError(shown, exc.line, exc.message)]
    if not isinstance(loaded.data, dict):
        message = _("a question must be a mapping of keys to values")
        return None, [ContentError(shown, 1, message)]
    bank_settings = {k: v for k, v in settings.items() if k != "questions_per_attempt"}
    bank = LoadedYaml(
        data={**bank_settings, "questions": [loaded.data]},
        lines={("questions", 0, *path): line for path, line in loaded.lines.items()},
    )
    errors = [
        ContentError(
            e.file, e.line, e.message.replace("questions[0].", "", 1).replace("questions[0]: ", "")
        )
        for e in check_bank(bank, shown=shown, anchors=anchors, objectives=objectives)
    ]
    return (None if errors else loaded.data), errors


class QuizKind:
    name = "quizzes"
    count_key = "questions"  # check_content counts the questions, not the banks

    def read(self, root: Path, earlier: Mapping[str, list[Any]]) -> KindRead:
        result = read_quizzes(root, earlier["chapters"])
        return KindRead(sources=result.quizzes, errors=result.errors, count=result.question_count)

    def sync(self, sources: list[QuizSource]) -> QuizSyncStats:
        return sync_quizzes(sources)


QUIZZES = QuizKind()
