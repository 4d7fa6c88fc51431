"""The editor's help (/editor/complete, /editor/hover, /editor/version) in the reader's
language: our words in Spanish for Accept-Language: es, the Kubernetes API's own field
descriptions as upstream writes them, and the chapter links' cache shared by every language.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from lessons import selectors

pytestmark = pytest.mark.django_db

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
PORTS = """apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: nginx
      ports:
        - containerPort: 80
"""


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


def test_completion_words_in_spanish(client):
    asked = {"manifest": "", "line": 1, "column": 1}
    spanish = client.post(reverse("lessons:editor-complete"), asked, **SPANISH).json()
    english = client.post(reverse("lessons:editor-complete"), asked).json()
    assert spanish["options"][0]["label"] == "Deployment (objeto completo)"
    assert spanish["options"][0]["detail"] == "un Deployment con sus campos obligatorios"
    assert english["options"][0]["label"] == "Deployment (whole object)"
    # The snippet inserted is the same manifest in both languages.
    assert spanish["options"][0]["apply"] == english["options"][0]["apply"]


def test_hover_says_chapter_in_the_readers_language_from_one_shared_cache(client):
    cache.delete(selectors.FIELD_LINKS_CACHE_KEY)
    asked = {"manifest": PORTS, "line": 10, "column": 15}
    spanish = client.post(reverse("lessons:editor-hover"), asked, **SPANISH).json()["hover"]
    english = client.post(reverse("lessons:editor-hover"), asked).json()["hover"]
    assert spanish["description"] == english["description"]  # upstream's text, untouched
    assert spanish["description"].startswith("Number of port to expose")
    assert english["link"], "the fixture course writes containerPort in a chapter"
    assert english["link_title"].startswith("Chapter ")
    assert spanish["link_title"].startswith("Capítulo ")
    assert spanish["link"] == english["link"]
    # Spanish asked again, now from the cache the English answer filled.
    again = client.post(reverse("lessons:editor-hover"), asked, **SPANISH).json()["hover"]
    assert again == spanish


def test_bad_requests_are_answered_in_spanish(client):
    bad_line = client.post(
        reverse("lessons:editor-complete"), {"manifest": "", "line": "x", "column": 1}, **SPANISH
    )
    assert bad_line.status_code == 400
    assert bad_line.json()["message"] == (
        "Envía `line` y `column` como números enteros (empezando por 1)."
    )
    version = client.post(
        reverse("lessons:editor-version"), {"kubernetes_version": "0.1"}, **SPANISH
    )
    assert version.status_code == 400
    assert version.json()["message"].startswith("Elige una de las versiones de Kubernetes 1.")
    english = client.post(reverse("lessons:editor-version"), {"kubernetes_version": "0.1"})
    assert english.json()["message"].startswith("Choose one of the Kubernetes versions 1.")
