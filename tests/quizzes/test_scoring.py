from __future__ import annotations

import pytest

from quizzes.content import question_fields
from quizzes.scoring import normalize_text, score
from tests.quizzes.factories import question_data


def prepared(kind: str, **extra):
    return question_fields(question_data(kind, **extra))["data"]


def ids(data, *texts):
    return [o["id"] for o in data["options"] if o["text"] in texts]


def test_it_scores_a_single_choice():
    data = prepared("single")
    assert score("single", data, 2, {"option": ids(data, "Right")[0]}).points == 2
    wrong = score("single", data, 2, {"option": ids(data, "Wrong")[0]})
    assert (wrong.correct, wrong.points) == (False, 0)


def test_it_scores_multiple_choice_all_or_nothing():
    data = prepared("multiple", scoring="all_or_nothing")
    assert score("multiple", data, 1, {"options": ids(data, "A", "B")}).points == 1
    assert score("multiple", data, 1, {"options": ids(data, "A")}).points == 0
    assert score("multiple", data, 1, {"options": ids(data, "A", "B", "C")}).points == 0


def test_all_or_nothing_is_the_default():
    data = prepared("multiple")
    del data["scoring"]
    assert score("multiple", data, 1, {"options": ids(data, "A")}).points == 0


@pytest.mark.parametrize(
    ("chosen", "points", "correct"),
    [
        (("A", "B"), 2.0, True),
        (("A",), 1.0, False),  # one of two right choices: half
        (("A", "C"), 0.0, False),  # one right (+1), one wrong (-1)
        (("A", "B", "C"), 1.0, False),  # two right (+2), one wrong (-1)
        (("C", "D"), 0.0, False),  # never below zero
        (("C",), 0.0, False),
    ],
)
def test_it_gives_partial_credit(chosen, points, correct):
    data = prepared("multiple", scoring="partial")
    outcome = score("multiple", data, 2, {"options": ids(data, *chosen)})
    assert (outcome.points, outcome.correct) == (points, correct)


def test_partial_credit_with_three_right_options_is_a_third_each():
    data = prepared("multiple")
    data["options"][2]["correct"] = True  # A, B and C are right now
    outcome = score("multiple", data, 1, {"options": ids(data, "A")})
    assert outcome.points == pytest.approx(1 / 3, abs=1e-4)


def test_it_scores_true_false():
    data = prepared("true_false")
    assert score("true_false", data, 1, {"answer": False}).correct
    assert not score("true_false", data, 1, {"answer": True}).correct


@pytest.mark.parametrize(
    ("text", "correct"),
    [
        ("kube-proxy", True),
        ("  KUBE-PROXY  ", True),
        ("Kube-Proxy", True),
        ("kube proxy", False),
        ("kubeproxy", False),
    ],
)
def test_short_answers_ignore_case_and_outer_space(text, correct):
    assert score("short_answer", prepared("short_answer"), 1, {"text": text}).correct is correct


def test_short_answers_collapse_inner_white_space():
    data = prepared("short_answer", accept=["kubectl get pods"])
    assert score("short_answer", data, 1, {"text": "kubectl   get\tpods "}).correct


def test_short_answers_can_be_case_sensitive():
    data = prepared("short_answer", accept=["ClusterIP"], case_sensitive=True)
    assert score("short_answer", data, 1, {"text": " ClusterIP"}).correct
    assert not score("short_answer", data, 1, {"text": "clusterip"}).correct


def test_a_pattern_must_match_the_whole_answer():
    data = prepared("short_answer", accept=["30080"], pattern=r"3\d{4}")
    assert score("short_answer", data, 1, {"text": "30001"}).correct
    assert not score("short_answer", data, 1, {"text": "port 30001"}).correct
    assert not score("short_answer", data, 1, {"text": "300011"}).correct


def test_a_pattern_ignores_case_unless_case_sensitive():
    data = prepared("short_answer", accept=["x"], pattern="nginx:1\\.2[0-9]")
    assert score("short_answer", data, 1, {"text": "NGINX:1.27"}).correct
    data["case_sensitive"] = True
    assert not score("short_answer", data, 1, {"text": "NGINX:1.27"}).correct


def test_ordering_is_all_or_nothing():
    data = prepared("ordering")
    right = data["item_ids"]
    assert score("ordering", data, 1, {"order": right}).correct
    swapped = [right[1], right[0], *right[2:]]
    assert score("ordering", data, 1, {"order": swapped}).points == 0


def test_a_manifest_answer_must_be_valid_and_pass_every_rule():
    data = prepared("manifest")
    good = data["starter"].replace("httpd", "nginx:1.27")
    outcome = score("manifest", data, 3, {"manifest": good})
    assert (outcome.correct, outcome.points) == (True, 3)
    assert outcome.details["rules"][0]["passed"]
    starter = score("manifest", data, 3, {"manifest": data["starter"]})
    assert (starter.correct, starter.points) == (False, 0)
    broken = score("manifest", data, 3, {"manifest": good.replace("kind: Pod", "kind: [Pod")})
    assert not broken.correct
    assert broken.details["findings"][0]["code"] == "yaml-syntax"


def test_a_manifest_that_passes_the_rules_but_is_invalid_scores_nothing():
    data = prepared("manifest")
    invalid = (
        data["starter"]
        .replace("httpd", "nginx:1.27")
        .replace("  containers:", "  containerz: 1\n  containers:")
    )
    outcome = score("manifest", data, 1, {"manifest": invalid})
    assert outcome.details["rules"][0]["passed"]
    assert not outcome.details["valid"]
    assert (outcome.correct, outcome.points) == (False, 0)


def test_normalize_text():
    assert normalize_text("  A \n b  ") == "a b"
    assert normalize_text("  A \n b  ", case_sensitive=True) == "A b"
