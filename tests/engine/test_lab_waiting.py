"""The grader tells what an ``eventually`` check is waiting for, at every look (no cluster)."""

from __future__ import annotations

from typing import Any

from engine.assertions import RuleResult, compile_rules
from engine.grading import lab as lab_grading


class Converging:
    """A Deployment whose ready replicas grow by one at each LIST."""

    def __init__(self) -> None:
        self.looks = 0

    def list_objects(self, api_version: str, kind: str, namespace: str) -> list[dict[str, Any]]:
        self.looks += 1
        return [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                 "status": {"readyReplicas": self.looks - 1}}]  # fmt: skip

    def can_i(self, **_: Any) -> bool | None:
        return None

    def events(self, namespace: str) -> list[dict[str, Any]]:
        return []


def test_a_waiting_check_reports_each_look_then_its_result():
    checks = compile_rules(
        [{"id": "ready", "title": "t", "select": {"kind": "Deployment", "name": "web"},
          "expr": "status.readyReplicas", "min": 2, "eventually": 30},
         {"id": "there", "title": "t", "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}}],
        lab=True,
    )  # fmt: skip
    waited: list[RuleResult] = []
    done: list[RuleResult] = []
    clock = iter(range(100))
    graded = lab_grading.grade(
        Converging(), checks, "ns", on_result=done.append, on_waiting=waited.append,
        clock=lambda: float(next(clock)), sleep=lambda _: None,
    )  # fmt: skip
    assert [(r.id, r.evidence["found"]) for r in waited] == [("ready", 0), ("ready", 1)]
    assert [r.id for r in done] == ["there", "ready"] and graded.passed


def test_a_check_that_gives_up_is_reported_once_as_its_result():
    checks = compile_rules(
        [{"id": "never", "title": "t", "select": {"kind": "Deployment", "name": "web"},
          "expr": "status.readyReplicas", "equals": 99, "eventually": 3}],
        lab=True,
    )  # fmt: skip
    waited: list[RuleResult] = []
    done: list[RuleResult] = []
    clock = iter(range(100))
    lab_grading.grade(
        Converging(), checks, "ns", on_result=done.append, on_waiting=waited.append,
        clock=lambda: float(next(clock)), sleep=lambda _: None,
    )  # fmt: skip
    assert len(done) == 1 and done[0].message.startswith("Timed out after 3s")
    assert len(waited) >= 2 and all(not r.passed for r in waited)
