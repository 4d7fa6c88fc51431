"""Short-answer patterns: linear time on any answer, refused when they cannot be run safely."""

from __future__ import annotations

import time

import pytest

from quizzes.content import read_question
from quizzes.patterns import pattern_fullmatch, pattern_problem
from quizzes.scoring import score_short_answer

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120)]

QUIZ_SETTINGS = {
    "uuid": "0b6f3d7e-2f53-4a39-9d6b-6c1f7c1f2a10",
    "title": "A quiz",
    "pass_mark": 70,
    "layout": "one-at-a-time",
}


def question(pattern: str) -> str:
    return (
        "uuid: 1c6f3d7e-2f53-4a39-9d6b-6c1f7c1f2a11\ntype: short_answer\n"
        "difficulty: easy\nprompt: Which command lists Pods?\naccept: [kubectl get pods]\n"
        f"pattern: '{pattern}'\nexplanation: It lists them.\n"
    )


def test_a_catastrophic_pattern_scores_in_linear_time():
    data = {"accept": ["x"], "pattern": "(a+)+$"}
    started = time.perf_counter()
    # 2.4 s with Python's re for 27 characters, doubling with each one more.
    outcome = score_short_answer(data, 1, {"text": "a" * 299 + "!"})
    assert time.perf_counter() - started < 0.1
    assert not outcome.correct
    assert score_short_answer(data, 1, {"text": "aaaa"}).correct


@pytest.mark.parametrize(
    "pattern, case_sensitive, answer, expected",
    [
        ("kubectl get pods?", False, "KUBECTL get Pod", True),
        ("kubectl get pods?", True, "KUBECTL get Pod", False),
        ("kubectl (get|describe) pods", False, "kubectl describe pods", True),
        ("kubectl get pods", False, "kubectl get pods --all", False),  # the whole answer
    ],
)
def test_patterns_keep_their_meaning(pattern, case_sensitive, answer, expected):
    assert pattern_fullmatch(pattern, answer, case_sensitive=case_sensitive) is expected


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("(a+)+$", "repeats a group that itself repeats"),
        ("(\\w+\\s?)*", "repeats a group that itself repeats"),
        ("((ab)*c?)+", "repeats a group that itself repeats"),
        ("(a)\\1", "no backreferences"),
        ("(?=kubectl)kubectl", "lookaround"),
        ("kubectl (", "not a valid regular expression"),
    ],
)
def test_unsafe_or_broken_patterns_are_refused_when_written(pattern, message):
    assert message in (pattern_problem(pattern) or "")
    data, errors = read_question(
        question(pattern), shown="question", settings=QUIZ_SETTINGS, anchors=set()
    )
    assert data is None
    assert any("pattern" in e.message and message in e.message for e in errors), errors


@pytest.mark.parametrize("pattern", ["kubectl get pods?", "(ab)+c", "x{1,5}", "[a-z]+( [a-z]+)?"])
def test_ordinary_patterns_are_accepted(pattern):
    assert pattern_problem(pattern) is None
    data, errors = read_question(
        question(pattern), shown="question", settings=QUIZ_SETTINGS, anchors=set()
    )
    assert errors == [] and data is not None
