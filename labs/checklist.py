"""A lab's checks as a page lists them: each one's state, what it saw, its section and its hints.

The same rows serve a graded submission and the live checks. A check is
green only when its result passed; one that has no result yet is pending,
and one the grader is still waiting for (``eventually``) says so with what
it sees now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User

from engine.assertions import Rule, RuleError, compile_rule
from engine.grading.feedback import Explanation, explain
from labs import hints
from labs.models import Lab


@dataclass
class CheckRow:
    id: str
    title: str
    state: str  # passed, failed, waiting or pending
    message: str  # observed against expected where it can be told, else the grader's words
    explanation: Explanation | None
    section: hints.Section | None
    ladder: hints.Ladder | None
    waits_seconds: int  # how long the grader gives this check (``eventually``), 0: none

    @property
    def passed(self) -> bool:
        return self.state == "passed"


@dataclass
class Tally:
    passed: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.passed / self.total) if self.total else 0

    @property
    def all_passed(self) -> bool:
        return self.total > 0 and self.passed == self.total


def check_rows(
    lab: Lab,
    results: list[Any],
    *,
    user: User | AnonymousUser | None = None,
    with_ladders: bool = False,
) -> list[CheckRow]:
    """Every check of the lab, in the lab's order, with its result among ``results``.

    ``with_ladders``: each check that did not pass gets its hint ladder, as
    far as ``user`` climbed it.
    """
    by_id = {r["id"]: r for r in results if isinstance(r, dict) and "id" in r}
    reached: dict[str, int] = {}
    refused: str | None = None
    if with_ladders and user is not None:
        reached = hints.rungs_reached(user=user, lab=lab)
        refused = hints.reveal_refused(user)
    rows = []
    for check in lab.checks:
        result = by_id.get(check["id"])
        rule = _rule(check)
        state = _state(result)
        explanation = explain(rule, result) if result and rule and state != "passed" else None
        message = explanation.summary if explanation else str((result or {}).get("message") or "")
        ladder = None
        if with_ladders and state != "passed":
            ladder = hints.ladder_for(
                lab,
                check,
                reached=reached.get(check["id"], 0),
                explanation=explanation,
                message=message,
                has_result=result is not None,
                refused=refused,
            )
        rows.append(
            CheckRow(
                id=check["id"],
                title=str(check.get("title") or check["id"]),
                state=state,
                message=message,
                explanation=explanation,
                section=hints.section_of(lab, check),
                ladder=ladder,
                waits_seconds=int(check.get("eventually") or 0),
            )
        )
    return rows


def tally(rows: list[CheckRow]) -> Tally:
    return Tally(passed=sum(1 for r in rows if r.passed), total=len(rows))


def _state(result: dict[str, Any] | None) -> str:
    if result is None:
        return "pending"
    if result.get("passed"):
        return "passed"
    return "waiting" if result.get("waiting") else "failed"


def _rule(check: dict[str, Any]) -> Rule | None:
    try:
        return compile_rule(check, lab=True)
    except RuleError:
        return None
