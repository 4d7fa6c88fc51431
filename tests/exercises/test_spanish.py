"""The exercise's checks in the reader's language: the as-you-type endpoint and submissions
answer in Spanish for Accept-Language: es, in English by default. The fixture course's
nginx-deployment exercise; the Spanish catalogue compiled as shipped (tests/tutor/test_language.py).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from engine.manifests import MAX_MANIFEST_BYTES
from exercises.models import Exercise

pytestmark = pytest.mark.django_db

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


@pytest.fixture
def exercise():
    return Exercise.objects.get(slug="nginx-deployment")


def url(exercise, name):
    return reverse(f"exercises:{name}", args=[exercise.chapter.slug, exercise.slug])


def flattened(solution: str) -> str:
    """The notes' signature mistake: `replicas` lost its indentation and sits at the top."""
    assert "\n  replicas: 3\n" in solution
    return solution.replace("\n  replicas: 3\n", "\n").replace(
        "kind: Deployment\n", "kind: Deployment\nreplicas: 3\n"
    )


def messages(response) -> dict[str, str]:
    assert response.status_code == 200
    return {f["code"]: f["message"] for f in response.json()["findings"]}


def test_live_check_answers_in_spanish_for_accept_language_es(client, exercise):
    text = exercise.solution.replace("replicas:", "replica:")
    spanish = client.post(url(exercise, "validate"), {"manifest": text}, **SPANISH)
    found = {f["code"]: f for f in spanish.json()["findings"]}
    assert "— ¿querías decir `replicas`?" in found["unknown-field"]["message"]
    assert found["unknown-field"]["fixes"][0]["title"] == "Renombrar replica a replicas"
    english = client.post(url(exercise, "validate"), {"manifest": text})
    assert "— did you mean `replicas`?" in messages(english)["unknown-field"]
    assert english.json()["findings"][0]["fixes"][0]["title"] == "Rename replica to replicas"


@pytest.mark.parametrize(
    ("change", "code", "spanish", "english"),
    [
        (flattened, "misplaced-key", "está en el nivel superior; va dentro de `spec:`",
         "is at the top level; it belongs under `spec:`"),
        (lambda s: s.replace("apps/v1", "extensions/v1beta1", 1), "removed-api",
         "Deployment se eliminó en Kubernetes 1.16", "Deployment was removed in Kubernetes 1.16"),
        (lambda s: s.replace("replicas: 3", 'replicas: "three"').replace("replicas: 2", 'replicas: "two"'),
         "wrong-type", "debe ser un número entero, no el texto", "must be a whole number, not the text"),
    ],
)  # fmt: skip
def test_the_common_mistakes_come_back_in_spanish(client, exercise, change, code, spanish, english):
    text = change(exercise.solution)
    assert text != exercise.solution
    assert (
        spanish
        in messages(client.post(url(exercise, "validate"), {"manifest": text}, **SPANISH))[code]
    )
    assert english in messages(client.post(url(exercise, "validate"), {"manifest": text}))[code]


def test_a_submission_is_judged_in_spanish_and_a_refusal_said_in_spanish(alice_client, exercise):
    text = exercise.solution.replace("replicas:", "replica:")
    page = alice_client.post(url(exercise, "submit"), {"manifest": text}, follow=True, **SPANISH)
    body = page.content.decode()
    assert "¿querías decir <code>replicas</code>?" in body
    too_large = "a: " + "x" * (MAX_MANIFEST_BYTES + 10)
    refused = alice_client.post(url(exercise, "submit"), {"manifest": too_large}, **SPANISH)
    assert refused.status_code == 400
    assert "el límite es 256 KiB" in refused.content.decode()
    missing = alice_client.post(url(exercise, "submit"), {}, **SPANISH)
    assert missing.content.decode() == "Envía el manifiesto en el campo `manifest`."
    assert alice_client.post(url(exercise, "submit"), {}).content.decode() == (
        "Send the manifest in the `manifest` field."
    )
