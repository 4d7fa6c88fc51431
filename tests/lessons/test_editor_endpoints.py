"""/editor/complete, /editor/hover, /editor/version: the editor's help, and bad input answered
plainly (never a 500)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from engine.manifests import DEFAULT_VERSION, MAX_MANIFEST_BYTES
from lessons import selectors

pytestmark = pytest.mark.django_db

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  repl"""
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


def test_completion_offers_the_keys_at_the_cursor(client):
    response = client.post(
        reverse("lessons:editor-complete"), {"manifest": DEPLOYMENT, "line": 6, "column": 7}
    )
    assert response.status_code == 200
    data = response.json()
    labels = [o["label"] for o in data["options"]]
    assert "replicas" in labels
    assert labels[:2] == ["selector", "template"]  # required first
    assert (data["line"], data["column"], data["end_column"]) == (6, 3, 7)
    replicas = next(o for o in data["options"] if o["label"] == "replicas")
    assert replicas["apply"] == "replicas: " and "desired pods" in replicas["info"]


def test_hover_explains_the_key_and_links_to_the_chapter_that_teaches_it(client):
    cache.delete(selectors.FIELD_LINKS_CACHE_KEY)
    response = client.post(
        reverse("lessons:editor-hover"), {"manifest": PORTS, "line": 10, "column": 15}
    )
    hover = response.json()["hover"]
    assert hover["key"] == "containerPort" and hover["required"] is True
    assert hover["description"].startswith("Number of port to expose")
    assert hover["path"] == "spec.containers[].ports[].containerPort"
    links = selectors.field_links()
    if "containerPort" in links:  # the fixture course writes it in a chapter
        assert hover["link"] == links["containerPort"][0]
        assert hover["link_title"].startswith("Chapter ")
    nothing = client.post(
        reverse("lessons:editor-hover"), {"manifest": PORTS, "line": 1, "column": 40}
    )
    assert nothing.json() == {"hover": None}


def test_field_links_name_the_first_section_that_writes_a_field():
    cache.delete(selectors.FIELD_LINKS_CACHE_KEY)
    links = selectors.field_links()
    assert links, "the fixture course's chapters write manifests"
    url, title = next(iter(links.values()))
    assert url.startswith("/chapters/") and "#" in url and title.startswith("Chapter ")


def test_the_version_is_remembered_and_changes_the_answers(client):
    kinds = {"manifest": "kind: HorizontalPodAutoscaler\napiVersion: ", "line": 2, "column": 13}

    def labels() -> list[str]:
        answer = client.post(reverse("lessons:editor-complete"), kinds).json()
        return [o["label"] for o in answer["options"]]

    assert "autoscaling/v2beta2" not in labels()
    response = client.post(reverse("lessons:editor-version"), {"kubernetes_version": "1.25"})
    assert response.json() == {"kubernetes_version": "1.25"}
    assert "autoscaling/v2beta2" in labels()
    assert client.session["kubernetes_version"] == "1.25"


@pytest.mark.parametrize(
    ("url", "data", "status", "says"),
    [
        ("lessons:editor-complete", {"manifest": "a: b", "line": "x", "column": 1}, 400, "whole numbers"),
        ("lessons:editor-hover", {"manifest": "a: b"}, 400, "whole numbers"),
        ("lessons:editor-complete", {"manifest": "a: b", "line": 1, "column": 1, "kubernetes_version": "1.2"}, 400, "Kubernetes versions"),
        ("lessons:editor-version", {"kubernetes_version": "9.99"}, 400, "Kubernetes versions"),
        ("lessons:editor-hover", {"manifest": "a" * (MAX_MANIFEST_BYTES + 1), "line": 1, "column": 1}, 413, "limit"),
        ("lessons:editor-complete", {"manifest": "a\x00", "line": 1, "column": 1}, 413, "NUL"),
    ],
)  # fmt: skip
def test_bad_requests_get_a_plain_answer(client, url, data, status, says):
    response = client.post(reverse(url), data)
    assert response.status_code == status
    assert says in response.json()["message"]


def test_only_post_is_answered(client):
    assert client.get(reverse("lessons:editor-complete")).status_code == 405


def test_lines_and_columns_out_of_range_answer_nothing(client):
    for line, column in ((0, 0), (99, 1), (1, 999), (-5, -5)):
        response = client.post(
            reverse("lessons:editor-complete"), {"manifest": PORTS, "line": line, "column": column}
        )
        assert response.status_code == 200
        response = client.post(
            reverse("lessons:editor-hover"), {"manifest": PORTS, "line": line, "column": column}
        )
        assert response.json() == {"hover": None}


def test_the_exercise_page_carries_the_editor_help(client):
    from exercises.models import Exercise

    exercise = Exercise.objects.filter(is_published=True).first()
    page = client.get(exercise.get_absolute_url()).content.decode()
    assert 'data-complete-url="/editor/complete"' in page
    assert f'data-version="{DEFAULT_VERSION}"' in page


def test_each_client_has_a_budget_of_suggestions(client, settings):
    settings.TUTOR_EDITOR_HELP_PER_MINUTE = 2
    cache.clear()
    ask = {"manifest": PORTS, "line": 1, "column": 1}
    statuses = [client.post(reverse("lessons:editor-complete"), ask).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.post(reverse("lessons:editor-hover"), ask)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "Too many suggestions" in refused.json()["message"]
