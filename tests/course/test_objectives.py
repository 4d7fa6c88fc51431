"""The real course ties every quiz question, exercise and lab to the objectives it practises."""

from __future__ import annotations

import pytest

from tests.conftest import REAL_COURSE
from tutor.content.registry import check_content


@pytest.fixture(scope="module")
def report():
    checked = check_content(REAL_COURSE)
    assert checked.ok, [str(e) for e in checked.errors]
    return checked


def test_every_question_names_its_objectives(report):
    missing = [
        f"{bank.shown}: {question['uuid']}"
        for bank in report.sources["quizzes"]
        for question in bank.data["questions"]
        if not question.get("objectives")
    ]
    assert missing == []


def test_every_exercise_and_lab_names_its_objectives(report):
    missing = [
        str(source.path)
        for kind in ("exercises", "labs")
        for source in report.sources[kind]
        if not source.front.get("objectives")
    ]
    assert missing == []


def test_almost_every_objective_is_practised(report):
    """An objective nothing practises is shown as such; keep them the exception."""
    practised: dict[str, set[int]] = {}
    for bank in report.sources["quizzes"]:
        for question in bank.data["questions"]:
            practised.setdefault(bank.chapter_uuid, set()).update(question["objectives"])
    for kind in ("exercises", "labs"):
        for source in report.sources[kind]:
            practised.setdefault(source.chapter_uuid, set()).update(source.front["objectives"])
    unpractised = [
        (chapter.folder, number)
        for chapter in report.sources["chapters"]
        for number in range(1, len(chapter.front["objectives"]) + 1)
        if number not in practised.get(chapter.front["uuid"], set())
    ]
    # Chapter 15's tools for monitoring, meshes and deployment: described, not practised.
    assert unpractised == [("15-advanced-topics", 11)]
