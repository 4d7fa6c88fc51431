"""Hints as a ladder: a nudge, the idea (with its section), your namespace against the lab, the solution.

A student climbs one rung at a time, and each rung climbed is recorded
(``HintStep``), so the ladder stays where they left it across page loads
and live updates, and an instructor can see who needed what. The top rung
is the check's solution: revealing it is recorded with who and when, and
shows in the gradebook.

Whether a student may reveal solutions is the class's decision, and
``classes`` sits above ``labs``: it registers a gate here when the apps are
ready (``add_reveal_gate``). A gate answers None to allow, or a sentence
for the student saying why not. With no gate (no classes), reveals are
allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engine.grading.feedback import Explanation
from labs.models import HintRung, HintStep, Lab

RevealGate = Callable[[User], str | None]
_reveal_gates: list[RevealGate] = []

# What each rung is called on its button and as its heading.
RUNG_TITLES = {
    HintRung.NUDGE: gettext_lazy("A nudge"),
    HintRung.CONCEPT: gettext_lazy("The idea behind it"),
    HintRung.COMPARE: gettext_lazy("Your namespace against the lab"),
    HintRung.SOLUTION: gettext_lazy("The solution"),
}


RUNG_KINDS = {
    HintRung.NUDGE: "nudge",
    HintRung.CONCEPT: "concept",
    HintRung.COMPARE: "compare",
    HintRung.SOLUTION: "solution",
}


class HintError(ValueError):
    """A climb that cannot be made (no such check or rung, or a rung skipped); says why."""


class RevealRefused(HintError):
    """The student's class has turned solutions off."""


def add_reveal_gate(gate: RevealGate) -> None:
    if gate not in _reveal_gates:
        _reveal_gates.append(gate)


def reveal_refused(user: User | AnonymousUser) -> str | None:
    """Why this student may not reveal solutions, or None when they may."""
    if not user.is_authenticated:
        return _("Log in to see solutions.")
    for gate in _reveal_gates:
        reason = gate(user)
        if reason:
            return reason
    return None


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    url: str


@dataclass
class Ladder:
    """One check's ladder as the page shows it: the rungs it has, and how far the student is."""

    check_id: str
    rungs: list[HintRung]  # the rungs this check has, bottom first
    reached: int  # the highest rung climbed (0: none)
    html: dict[str, str]  # nudge, concept, solution as safe HTML
    section: Section | None
    explanation: Explanation | None
    message: str  # the check's latest words, when there is no explanation
    has_result: bool  # a result to compare with the namespace exists
    refused: str | None = None  # why the solution may not be revealed
    shown: list[HintRung] = field(default_factory=list)

    @property
    def steps(self) -> list[tuple[str, str]]:
        """The rungs climbed, as (kind, title): nudge, concept, compare, solution."""
        return [(RUNG_KINDS[r], str(RUNG_TITLES[r])) for r in self.shown]

    @property
    def next_rung(self) -> HintRung | None:
        return next((r for r in self.rungs if r > self.reached), None)

    @property
    def next_title(self) -> str:
        rung = self.next_rung
        return str(RUNG_TITLES[rung]) if rung is not None else ""

    @property
    def next_value(self) -> int:
        rung = self.next_rung
        return int(rung) if rung is not None else 0

    @property
    def next_is_solution(self) -> bool:
        return self.next_rung == HintRung.SOLUTION


def section_of(lab: Lab, check: dict[str, Any]) -> Section | None:
    """The chapter section a check links to (its ``section`` anchor), with its heading."""
    anchor = check.get("section")
    if not anchor:
        return None
    toc = lab.chapter.toc if isinstance(lab.chapter.toc, list) else []
    title = next((h.get("title") for h in toc if h.get("anchor") == anchor), None)
    url = f"{lab.chapter.get_absolute_url()}#{anchor}"
    return Section(anchor, str(title or anchor), url)


def rungs_of(lab: Lab, check_id: str) -> list[HintRung]:
    html = (lab.hints or {}).get(check_id) or {}
    check: dict[str, Any] = next((c for c in lab.checks if c.get("id") == check_id), {})
    rungs = []
    if html.get("nudge"):
        rungs.append(HintRung.NUDGE)
    if html.get("concept") or check.get("section"):
        rungs.append(HintRung.CONCEPT)
    rungs.append(HintRung.COMPARE)
    if html.get("solution"):
        rungs.append(HintRung.SOLUTION)
    return rungs


def ladder_for(
    lab: Lab,
    check: dict[str, Any],
    *,
    reached: int,
    explanation: Explanation | None,
    message: str,
    has_result: bool,
    refused: str | None,
) -> Ladder:
    check_id = str(check["id"])
    rungs = rungs_of(lab, check_id)
    return Ladder(
        check_id=check_id,
        rungs=rungs,
        reached=reached,
        html=dict((lab.hints or {}).get(check_id) or {}),
        section=section_of(lab, check),
        explanation=explanation,
        message=message,
        has_result=has_result,
        refused=refused,
        shown=[r for r in rungs if r <= reached],
    )


def rungs_reached(*, user: User | AnonymousUser, lab: Lab) -> dict[str, int]:
    """The highest rung the student climbed, per check of the lab."""
    if not user.is_authenticated:
        return {}
    rows = (
        HintStep.objects.filter(user=user, lab=lab)
        .values("check_id")
        .annotate(top=Max("rung"))
        .values_list("check_id", "top")
    )
    return {check_id: int(top) for check_id, top in rows}


def hint_climb(*, user: User, lab: Lab, check_id: str, rung: int) -> HintStep:
    """Climb to ``rung`` of a check's ladder (the next one, or one already climbed).

    Raises ``HintError`` for a check or rung that does not exist or a rung
    that skips one below it, and ``RevealRefused`` for the solution when the
    student's class turned solutions off. Climbing a rung twice records it once.
    """
    if not any(c.get("id") == check_id for c in lab.checks):
        raise HintError(_("This lab has no such check."))
    try:
        wanted = HintRung(rung)
    except ValueError:
        raise HintError(_("There is no such hint.")) from None
    rungs = rungs_of(lab, check_id)
    if wanted not in rungs:
        raise HintError(_("This check has no such hint."))
    if wanted == HintRung.SOLUTION:
        reason = reveal_refused(user)
        if reason:
            raise RevealRefused(reason)
    existing = HintStep.objects.filter(user=user, lab=lab, check_id=check_id, rung=wanted).first()
    if existing is not None:
        return existing
    reached = rungs_reached(user=user, lab=lab).get(check_id, 0)
    below = [r for r in rungs if r < wanted]
    if below and reached < below[-1]:
        raise HintError(_("Read “{title}” first.").format(title=RUNG_TITLES[HintRung(below[-1])]))
    try:
        with transaction.atomic():
            return HintStep.objects.create(user=user, lab=lab, check_id=check_id, rung=wanted)
    except IntegrityError:
        # The same click twice at once: the first one recorded it.
        return HintStep.objects.get(user=user, lab=lab, check_id=check_id, rung=wanted)
