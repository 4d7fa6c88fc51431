"""The as-you-type check and submissions: one size limit, and a limit per client.

The check is open to anyone reading, so each client may ask for a limited
number of checks a minute (counted in the cache every web process shares);
past it, a 429 with Retry-After and a message the editor shows. Submissions
and quiz manifest answers have the validator's size limit: what is too large
to check is not stored either.
"""

from __future__ import annotations

import pytest

from engine.manifests import MAX_MANIFEST_BYTES
from exercises.models import Exercise, ExerciseAttempt
from quizzes.answers import AnswerError, parse_answer
from quizzes.models import Question

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120), pytest.mark.django_db]


@pytest.fixture
def exercise() -> Exercise:
    found = Exercise.objects.filter(is_published=True).order_by("pk").first()
    assert found is not None
    return found


def validate_url(exercise: Exercise) -> str:
    return exercise.get_absolute_url() + "validate"


def test_a_visitor_past_the_limit_is_told_when_to_come_back(client, exercise, settings):
    settings.TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS = 3
    url = validate_url(exercise)
    statuses = [client.post(url, {"manifest": "kind: Pod\n"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = client.post(url, {"manifest": "kind: Pod\n"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 61
    body = refused.json()
    assert body["error"] == "too-many-checks"
    assert f"checked again in {body['retry_after']} s" in body["message"]
    # Another address has its own count.
    other = client.post(url, {"manifest": "kind: Pod\n"}, REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 200


def test_signed_in_students_are_counted_by_account_not_address(client, alice, bob, exercise, settings):  # fmt: skip
    settings.TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS = 1
    settings.TUTOR_VALIDATE_PER_MINUTE_USER = 2
    url = validate_url(exercise)
    assert client.post(url, {"manifest": "a: 1"}).status_code == 200
    assert client.post(url, {"manifest": "a: 1"}).status_code == 429  # the visitor's limit
    for user in (alice, bob):  # same address, own counts
        client.force_login(user)
        assert [client.post(url, {"manifest": "a: 1"}).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]


def test_the_quiz_manifest_check_shares_the_limit(alice_client, exercise, settings):
    settings.TUTOR_VALIDATE_PER_MINUTE_USER = 2
    question = Question.objects.filter(type="manifest", is_published=True).first()
    assert question is not None
    quiz_url = f"/quizzes/questions/{question.pk}/validate"
    assert alice_client.post(validate_url(exercise), {"manifest": "a: 1"}).status_code == 200
    assert alice_client.post(quiz_url, {"manifest": "a: 1"}).status_code == 200
    refused = alice_client.post(quiz_url, {"manifest": "a: 1"})
    assert refused.status_code == 429 and "Retry-After" in refused


def test_a_body_far_over_the_limit_is_not_read(client, exercise):
    response = client.post(validate_url(exercise), {"manifest": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert "256 KiB" in response.json()["message"]


@pytest.mark.parametrize(
    "manifest, message",
    [
        ("x" * (MAX_MANIFEST_BYTES + 1), "the limit is 256 KiB"),
        ("é" * (MAX_MANIFEST_BYTES // 2 + 1), "the limit is 256 KiB"),  # bytes, not characters
        ("kind: Pod\nmetadata: {name: a\x00b}\n", "NUL character"),
    ],
    ids=["too-large", "too-large-in-bytes", "nul"],
)
def test_a_submission_the_validator_refuses_is_not_stored(
    alice_client, exercise, manifest, message
):
    url = exercise.get_absolute_url() + "submit"
    page = alice_client.post(url, {"manifest": manifest})
    assert page.status_code == 400
    assert message in page.content.decode()
    partial = alice_client.post(url, {"manifest": manifest}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and message in partial.content.decode()
    assert not ExerciseAttempt.objects.filter(exercise=exercise).exists()


def test_a_submission_at_the_limit_is_kept(alice_client, exercise):
    manifest = "# " + "x" * (MAX_MANIFEST_BYTES - 10) + "\n"
    response = alice_client.post(exercise.get_absolute_url() + "submit", {"manifest": manifest})
    assert response.status_code == 302
    assert ExerciseAttempt.objects.get(exercise=exercise).manifest == manifest


def test_quiz_manifest_answers_have_the_same_limit():
    with pytest.raises(AnswerError, match="the limit is 256 KiB"):
        parse_answer("manifest", {}, {"manifest": ["x" * (MAX_MANIFEST_BYTES + 1)]})
    with pytest.raises(AnswerError, match="NUL"):
        parse_answer("short_answer", {}, {"text": ["a\x00b"]})
    # Larger than the old 64 KiB answer limit, within the validator's.
    big = "# " + "x" * (100 * 1024)
    assert parse_answer("manifest", {}, {"manifest": [big]}) == {"manifest": big}


def test_a_refused_check_is_not_even_read(client, exercise, settings):
    settings.TUTOR_VALIDATE_PER_MINUTE_ANONYMOUS = 1
    url = validate_url(exercise)
    assert client.post(url, {"manifest": "a: 1"}).status_code == 200
    # Far over the body limit: read, it would be a 413; refused first, it is a 429.
    refused = client.post(url, {"manifest": "x" * (2 * 1024 * 1024)})
    assert refused.status_code == 429
