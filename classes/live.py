"""The live view of a class: who is done, who is working, who is stuck, and on what.

Built from the rows the tutor already keeps (lab submissions with their
check results, exercise attempts with their validator findings), a handful
of queries for the whole class, so the page can poll every few seconds.

- *done*: some submission of the lab passed every check;
- *working*: a check is running, or the last one is less than WORKING old;
- *stuck*: the last submissions all fail the same check, for at least STUCK
  (from the first of them to now), and the last is recent;
- *tried*: submissions, none of these.

"Right now" is the last NOW: per student, their latest result in it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext

from classes.models import Cohort, Membership
from exercises.models import Exercise, ExerciseAttempt
from labs.models import Lab, LabSubmission, SubmissionStatus
from lessons.models import Chapter, ChapterSection
from quizzes.models import QuizAttempt

WORKING = timedelta(minutes=15)
STUCK = timedelta(minutes=10)
NOW = timedelta(minutes=60)
RECENT = timedelta(hours=24)


@dataclass
class LabState:
    state: str  # done, working, stuck, tried, none
    score: int | None = None
    max_score: int | None = None
    failing: str = ""  # the check a stuck student keeps failing
    since: datetime | None = None
    submission_id: int | None = None


@dataclass
class Problem:
    """A check or a validator finding that many students meet right now."""

    title: str
    where: str  # the lab or exercise
    students: int
    url: str  # the chapter section that teaches it
    item_url: str
    example: str = ""


@dataclass
class Board:
    labs: list[Lab]
    rows: list[tuple[User, list[LabState]]]
    checks: list[Problem]
    findings: list[Problem]
    counts: dict[str, int] = field(default_factory=dict)
    generated_at: datetime = field(default_factory=timezone.now)


def _failed_ids(results: Any) -> set[str]:
    return {r["id"] for r in results or [] if isinstance(r, dict) and not r.get("passed")}


def _titles(results: Any) -> dict[str, str]:
    return {r["id"]: str(r.get("title", r["id"])) for r in results or [] if isinstance(r, dict)}


def lab_state(submissions: list[LabSubmission], passed: bool, now: datetime) -> LabState:
    """One student's state on one lab, from their recent submissions (newest first)."""
    if passed:
        best = next((s for s in submissions if s.passed), None)
        return LabState("done", best.score if best else None, best.max_score if best else None,
                        submission_id=best.pk if best else None)  # fmt: skip
    if not submissions:
        return LabState("none")
    latest = submissions[0]
    if latest.status in (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING):
        return LabState("working", since=latest.created_at, submission_id=latest.pk)
    finished = [s for s in submissions if s.status == SubmissionStatus.DONE]
    if finished and now - finished[0].created_at <= 2 * WORKING:
        common = _failed_ids(finished[0].results)
        streak = [finished[0]]
        for older in finished[1:]:
            still = common & _failed_ids(older.results)
            if not still:
                break
            common, streak = still, [*streak, older]
        started = streak[-1].created_at
        if common and len(streak) >= 2 and now - started >= STUCK:
            titles = _titles(finished[0].results)
            failing = sorted(titles.get(c, c) for c in common)[0]
            return LabState("stuck", latest.score, latest.max_score, failing, started, latest.pk)
    if now - latest.created_at <= WORKING:
        return LabState("working", latest.score, latest.max_score, since=latest.created_at,
                        submission_id=latest.pk)  # fmt: skip
    return LabState("tried", latest.score, latest.max_score, submission_id=latest.pk)


def section_for(chapter: Chapter, terms: list[str]) -> str:
    """The chapter section that best matches these words (a kind, a field): its URL."""
    words = [t.lower() for t in terms if t and len(t) > 2]
    sections = list(ChapterSection.objects.filter(chapter=chapter).order_by("position"))
    for look in ("title", "text"):
        for section in sections:
            haystack = getattr(section, look).lower()
            if any(re.search(rf"\b{re.escape(w)}\b", haystack) for w in words):
                return section.get_absolute_url()
    return chapter.get_absolute_url()


def live_board(*, cohort: Cohort, now: datetime | None = None) -> Board:
    now = now or timezone.now()
    members = list(
        Membership.objects.filter(cohort=cohort).select_related("user").order_by("user__username")
    )
    users = [m.user for m in members]
    labs = list(
        Lab.objects.filter(is_published=True, chapter__is_published=True)
        .select_related("chapter")
        .order_by("chapter__number", "slug")
    )
    passed = set(
        LabSubmission.objects.filter(user__in=users, passed=True, status=SubmissionStatus.DONE)
        .values_list("user_id", "lab_id")
        .distinct()
    )
    recent: dict[tuple[int, int], list[LabSubmission]] = defaultdict(list)
    for s in (
        LabSubmission.objects.filter(user__in=users, created_at__gte=now - RECENT)
        .only("user_id", "lab_id", "status", "results", "score", "max_score", "passed",
              "created_at")
        .order_by("-created_at", "-id")
    ):  # fmt: skip
        recent[(s.user_id, s.lab_id)].append(s)
    rows = []
    counts: Counter[str] = Counter()
    for user in users:
        cells = []
        for lab in labs:
            state = lab_state(recent.get((user.pk, lab.pk), []), (user.pk, lab.pk) in passed, now)
            counts[state.state] += 1
            cells.append(state)
        rows.append((user, cells))
    return Board(
        labs=labs,
        rows=rows,
        checks=_common_checks(recent, labs, now),
        findings=_common_findings(users, now),
        counts=dict(counts),
        generated_at=now,
    )


def _common_checks(
    recent: dict[tuple[int, int], list[LabSubmission]], labs: list[Lab], now: datetime
) -> list[Problem]:
    by_id = {lab.pk: lab for lab in labs}
    failing: Counter[tuple[int, str]] = Counter()
    titles: dict[tuple[int, str], str] = {}
    for (_, lab_id), submissions in recent.items():
        latest = next(
            (s for s in submissions if s.status == SubmissionStatus.DONE
             and now - s.created_at <= NOW), None,
        )  # fmt: skip
        if latest is None or lab_id not in by_id:
            continue
        names = _titles(latest.results)
        for check_id in _failed_ids(latest.results):
            failing[(lab_id, check_id)] += 1
            titles[(lab_id, check_id)] = names.get(check_id, check_id)
    problems = []
    for (lab_id, check_id), students in failing.most_common(8):
        lab = by_id[lab_id]
        check: dict[str, Any] = next((c for c in lab.checks if c.get("id") == check_id), {})
        terms = [
            str((check.get("select") or {}).get("kind", "")),
            *re.findall(r"\w+", titles[(lab_id, check_id)]),
        ]
        # A check names the section that teaches it (lab.yaml ``section``); else the best match.
        url = (
            f"{lab.chapter.get_absolute_url()}#{check['section']}"
            if check.get("section")
            else section_for(lab.chapter, terms)
        )
        problems.append(
            Problem(
                titles[(lab_id, check_id)],
                lab.title,
                students,
                url,
                lab.get_absolute_url(),
            )
        )
    return problems


def _common_findings(users: list[User], now: datetime) -> list[Problem]:
    latest: dict[tuple[int, int], ExerciseAttempt] = {}
    for attempt in (
        ExerciseAttempt.objects.filter(user__in=users, created_at__gte=now - NOW)
        .only("user_id", "exercise_id", "findings", "created_at")
        .order_by("created_at", "id")
    ):
        latest[(attempt.user_id, attempt.exercise_id)] = attempt
    students: dict[str, set[int]] = defaultdict(set)
    example: dict[str, tuple[int, dict[str, Any]]] = {}
    for (user_id, exercise_id), attempt in latest.items():
        for finding in attempt.findings or []:
            if not isinstance(finding, dict) or finding.get("severity") != "error":
                continue
            code = str(finding.get("code", "?"))
            students[code].add(user_id)
            example.setdefault(code, (exercise_id, finding))
    exercises = {
        e.pk: e
        for e in Exercise.objects.filter(pk__in=[x for x, _ in example.values()]).select_related(
            "chapter"
        )
    }
    problems = []
    for code, who in sorted(students.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:8]:
        exercise_id, finding = example[code]
        exercise = exercises[exercise_id]
        path = str(finding.get("path", ""))
        terms = [*[p for p in re.split(r"[.\[\]0-9]+", path) if p][-1:], code.replace("-", " ")]
        problems.append(
            Problem(
                code,
                exercise.title,
                len(who),
                section_for(exercise.chapter, terms),
                exercise.get_absolute_url(),
                example=str(finding.get("message", ""))[:200],
            )
        )
    return problems


def checks_grid(*, cohort: Cohort, lab: Lab) -> list[tuple[User, list[str]]]:
    """Each student's latest checked result on the lab, check by check: passed, failed or —."""
    users = [
        m.user
        for m in Membership.objects.filter(cohort=cohort)
        .select_related("user")
        .order_by("user__username")
    ]
    latest: dict[int, LabSubmission] = {}
    for s in (
        LabSubmission.objects.filter(user__in=users, lab=lab, status=SubmissionStatus.DONE)
        .only("user_id", "results", "created_at")
        .order_by("created_at", "id")
    ):
        latest[s.user_id] = s
    rows = []
    for user in users:
        found = latest.get(user.pk)
        results = {r["id"]: r for r in (found.results if found else []) if isinstance(r, dict)}
        rows.append(
            (
                user,
                [
                    ("passed" if results[c["id"]].get("passed") else "failed")
                    if c["id"] in results
                    else "none"
                    for c in lab.checks
                ],
            )
        )
    return rows


@dataclass
class TimelineEntry:
    when: datetime
    kind: str
    title: str
    outcome: str
    url: str = ""


def student_timeline(*, cohort: Cohort, user: User, limit: int = 200) -> list[TimelineEntry]:
    """Everything the student did, newest first: quiz attempts, exercise attempts, lab checks."""
    entries = []
    for q in QuizAttempt.objects.filter(user=user).select_related("quiz")[:limit]:
        outcome = (
            (
                gettext("{percent}%, passed") if q.passed else gettext("{percent}%, not passed")
            ).format(percent=q.percent)
            if q.is_finished
            else gettext("in progress")
        )
        entries.append(
            TimelineEntry(
                q.finished_at or q.started_at, pgettext("timeline", "Quiz"), q.quiz.title, outcome
            )
        )
    for e in (
        ExerciseAttempt.objects.filter(user=user)
        .select_related("exercise")
        .defer("manifest")[:limit]
    ):
        errors = sum(
            1 for f in e.findings or [] if isinstance(f, dict) and f.get("severity") == "error"
        )
        outcome = (
            gettext("passed")
            if e.passed
            else ngettext(
                "{score}/{max}, {count} validator error",
                "{score}/{max}, {count} validator errors",
                errors,
            ).format(score=e.score, max=e.max_score, count=errors)
        )
        entries.append(
            TimelineEntry(e.created_at, pgettext("timeline", "Exercise"), e.exercise.title, outcome)
        )
    for s in (
        LabSubmission.objects.filter(user=user)
        .select_related("lab")
        .order_by("-created_at")[:limit]
    ):
        failed = sorted(_titles(s.results).get(c, c) for c in _failed_ids(s.results))
        if s.status != SubmissionStatus.DONE:
            outcome = s.get_status_display().lower()
        elif failed:
            outcome = gettext("{score}/{max}, failing: {checks}").format(
                score=s.score, max=s.max_score, checks="; ".join(failed[:3])
            )
        else:
            outcome = gettext("{score}/{max}, all checks pass").format(
                score=s.score, max=s.max_score
            )
        url = f"/instructor/classes/{cohort.pk}/submissions/{s.pk}/"
        entries.append(
            TimelineEntry(s.created_at, pgettext("timeline", "Lab"), s.lab.title, outcome, url)
        )
    return sorted(entries, key=lambda e: e.when, reverse=True)[:limit]
