from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from exercises.models import Exercise, ExerciseAttempt, ExerciseProgress

pytestmark = pytest.mark.django_db


@pytest.fixture
def exercise():
    return Exercise.objects.get(slug="nginx-deployment")


def urls(exercise, name):
    return reverse(f"exercises:{name}", args=[exercise.chapter.slug, exercise.slug])


def test_the_page_never_contains_the_solution(client, exercise):
    body = client.get(exercise.get_absolute_url()).content.decode()
    distinctive = [line.strip() for line in exercise.solution.splitlines() if "image:" in line]
    for line in distinctive:
        if line not in exercise.starter:
            assert line not in body


def test_the_chapter_page_lists_its_exercises(client, exercise):
    body = client.get(exercise.chapter.get_absolute_url()).content.decode()
    assert "Practice: write the manifests" in body
    assert exercise.get_absolute_url() in body


def test_live_validation_returns_findings_with_lines(client, exercise):
    text = exercise.solution.replace("replicas:", "replica:")
    response = client.post(urls(exercise, "validate"), {"manifest": text})
    assert response.status_code == 200
    data = response.json()
    assert data["valid"] is False
    [finding] = [f for f in data["findings"] if f["code"] == "unknown-field"]
    expected_line = (
        text.splitlines().index(next(line for line in text.splitlines() if "replica:" in line)) + 1
    )
    assert finding["line"] == expected_line
    assert "did you mean `replicas`" in finding["message"]
    assert "rules" in data


@pytest.mark.parametrize(
    "manifest",
    [
        "",
        "\x00\x01",
        "a: &a [*a]",
        "!!python/object/apply:os.system ['id']",
        "x" * 300_000,
        "- - - -",
    ],
)
def test_live_validation_survives_garbage(client, exercise, manifest):
    response = client.post(urls(exercise, "validate"), {"manifest": manifest})
    assert response.status_code == 200
    assert isinstance(response.json()["findings"], list)


def test_live_validation_needs_post_and_a_real_exercise(client, exercise):
    assert client.get(urls(exercise, "validate")).status_code == 405
    assert (
        client.post("/chapters/services/exercises/nope/validate", {"manifest": ""}).status_code
        == 404
    )


def test_submitting_the_solution_passes_and_is_stored(alice_client, alice, exercise):
    response = alice_client.post(urls(exercise, "submit"), {"manifest": exercise.solution})
    assert response.status_code == 302
    attempt = ExerciseAttempt.objects.get(user=alice, exercise=exercise)
    assert attempt.passed and attempt.valid
    assert attempt.score == attempt.max_score == exercise.max_score
    progress = ExerciseProgress.objects.get(user=alice, exercise=exercise)
    assert progress.solved_at is not None and progress.attempts == 1


def test_a_wrong_submission_shows_findings_and_rule_messages_with_htmx(
    alice_client, alice, exercise
):
    text = exercise.solution.replace("replicas: 3", "replicas: 2")
    response = alice_client.post(
        urls(exercise, "submit"), {"manifest": text}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="exercise-result"')
    assert "Not yet" in body
    assert "rule-failed" in body
    attempt = ExerciseAttempt.objects.get(user=alice)
    assert not attempt.passed and attempt.valid
    assert 0 < attempt.score < attempt.max_score


def test_every_attempt_is_kept(alice_client, alice, exercise):
    for text in ("apiVersion: v1\n", exercise.solution, "kind: [\n"):
        alice_client.post(urls(exercise, "submit"), {"manifest": text})
    assert ExerciseAttempt.objects.filter(user=alice, exercise=exercise).count() == 3
    progress = ExerciseProgress.objects.get(user=alice, exercise=exercise)
    assert progress.attempts == 3 and progress.best_score == exercise.max_score


def test_submit_needs_login_and_a_manifest(alice_client, exercise):
    response = Client().post(urls(exercise, "submit"), {"manifest": "x: 1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert alice_client.post(urls(exercise, "submit"), {}).status_code == 400
    assert not ExerciseAttempt.objects.exists()


def test_hints_are_revealed_one_at_a_time(alice_client, alice, exercise):
    first = exercise.hints_html[0]
    assert first not in alice_client.get(exercise.get_absolute_url()).content.decode()
    response = alice_client.post(urls(exercise, "hint"), headers={"HX-Request": "true"})
    assert first in response.content.decode()
    assert exercise.hints_html[1] not in response.content.decode()
    for _ in range(10):
        alice_client.post(urls(exercise, "hint"))
    assert ExerciseProgress.objects.get(user=alice, exercise=exercise).hints_revealed == len(
        exercise.hints_html
    )


def test_students_see_only_their_own_attempts(client, alice, bob, exercise):
    client.force_login(alice)
    client.post(urls(exercise, "submit"), {"manifest": exercise.solution})
    attempt = ExerciseAttempt.objects.get(user=alice)
    own = reverse("exercises:attempt", args=[exercise.chapter.slug, exercise.slug, attempt.pk])
    assert client.get(own).status_code == 200
    client.force_login(bob)
    assert client.get(own).status_code == 404
    assert "Your attempts" not in client.get(exercise.get_absolute_url()).content.decode()
