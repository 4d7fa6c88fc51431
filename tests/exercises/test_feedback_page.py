"""What the exercise page tells the student before, during and after a submit.

Nothing green that did not pass: the editor opens with the problems of the
manifest it shows (the starter, or the attempt being looked at), and the
results list the manifest's validity as a check of its own.
"""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from exercises.models import Exercise

pytestmark = pytest.mark.django_db


@pytest.fixture
def exercise():
    return Exercise.objects.get(slug="nginx-deployment")


def initial_findings(body: str) -> object:
    match = re.search(
        r'<script id="initial-findings" type="application/json">(.*?)</script>', body, re.S
    )
    assert match, "the page carries the editor's initial findings"
    return json.loads(match.group(1))


def submit(client, exercise, manifest):  # type: ignore[no-untyped-def]
    url = reverse("exercises:submit", args=[exercise.chapter.slug, exercise.slug])
    return client.post(url, {"manifest": manifest})


def test_it_opens_the_starter_with_its_problems(client, exercise):
    findings = initial_findings(client.get(exercise.get_absolute_url()).content.decode())
    assert isinstance(findings, list) and findings, (
        "a starter with errors is not 'No problems found'"
    )
    assert {"line", "message", "severity", "code"} <= set(findings[0])
    assert any(f["severity"] == "error" for f in findings)


def test_it_reopens_a_failed_attempt_with_its_problems(alice_client, exercise):
    broken = exercise.solution.replace("replicas:", "replica:")
    submit(alice_client, exercise, broken)
    body = alice_client.get(exercise.get_absolute_url()).content.decode()
    findings = initial_findings(body)
    assert isinstance(findings, list)
    assert [f["code"] for f in findings if f["severity"] == "error"] == ["unknown-field"]


def test_a_valid_starter_opens_with_no_problems(client):
    exercise = Exercise.objects.exclude(starter="").filter(slug="pod-with-labels").get()
    assert initial_findings(client.get(exercise.get_absolute_url()).content.decode()) == []


def test_an_invalid_manifest_shows_its_validity_as_a_failed_check_and_nothing_green(
    alice_client, exercise
):
    old_api = exercise.solution.replace("apiVersion: apps/v1", "apiVersion: extensions/v1beta1")
    response = submit(alice_client, exercise, old_api)
    body = alice_client.get(response["Location"]).content.decode()
    assert "0 / " in body
    valid_row = re.search(r'<li class="(rule-[a-z]+)" data-check="valid">', body)
    assert valid_row and valid_row.group(1) == "rule-failed"
    assert 'class="rule-passed"' not in body, "no check is green while the manifest is invalid"


def test_a_valid_manifest_shows_every_check_green(alice_client, exercise):
    response = submit(alice_client, exercise, exercise.solution)
    body = alice_client.get(response["Location"]).content.decode()
    rows = re.findall(r'<li class="(rule-[a-z]+)" data-check="([a-z0-9-]+)">', body)
    assert rows[0] == ("rule-passed", "valid")
    assert {state for state, _ in rows} == {"rule-passed"}
    assert len(rows) == 1 + len(exercise.rules)


def test_a_manifest_that_cannot_be_read_still_scores_out_of_every_check(alice_client, exercise):
    response = submit(alice_client, exercise, "apiVersion: apps/v1\nkind: [Deployment\n")
    body = alice_client.get(response["Location"]).content.decode()
    total = sum(int(rule.get("points", 1)) for rule in exercise.rules)
    assert f"0 / {total} points" in body
