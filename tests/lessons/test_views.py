from __future__ import annotations

import pytest
from django.urls import reverse

from lessons.models import Chapter, ChapterProgress

pytestmark = pytest.mark.django_db


def test_mark_done_with_htmx_returns_the_partial(alice_client, alice):
    chapter = Chapter.objects.get(number=3)
    url = reverse("lessons:done", args=[chapter.slug])
    response = alice_client.post(url, {"done": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="done-toggle"')
    assert "You marked this chapter as done" in body
    assert 'id="state-kubernetes-architecture"' in body and 'hx-swap-oob="true"' in body
    assert "<html" not in body
    assert ChapterProgress.objects.get(user=alice, chapter=chapter).is_done

    response = alice_client.post(url, {"done": "0"}, headers={"HX-Request": "true"})
    assert "Mark chapter as done" in response.content.decode()
    assert not ChapterProgress.objects.get(user=alice, chapter=chapter).is_done


def test_mark_done_without_javascript_redirects_back(alice_client, alice):
    chapter = Chapter.objects.get(number=2)
    response = alice_client.post(reverse("lessons:done", args=[chapter.slug]), {"done": "1"})
    assert response.status_code == 302
    assert response["Location"] == chapter.get_absolute_url()
    assert ChapterProgress.objects.get(user=alice, chapter=chapter).is_done


def test_marking_done_twice_keeps_the_first_time(alice_client, alice):
    chapter = Chapter.objects.get(number=2)
    url = reverse("lessons:done", args=[chapter.slug])
    alice_client.post(url, {"done": "1"})
    first = ChapterProgress.objects.get(user=alice, chapter=chapter).completed_at
    alice_client.post(url, {"done": "1"})
    assert ChapterProgress.objects.get(user=alice, chapter=chapter).completed_at == first


def test_mark_done_needs_a_login_and_a_post(client):
    chapter = Chapter.objects.get(number=2)
    url = reverse("lessons:done", args=[chapter.slug])
    response = client.post(url, {"done": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert client.get(url).status_code == 405
    assert not ChapterProgress.objects.exists()


def test_progress_is_per_user(alice_client, alice, bob):
    chapter = Chapter.objects.get(number=10)
    alice_client.post(reverse("lessons:done", args=[chapter.slug]), {"done": "1"})
    assert not ChapterProgress.objects.filter(user=bob).exists()


def test_the_done_form_works_with_csrf_checks(alice):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    chapter = Chapter.objects.get(number=7)
    url = reverse("lessons:done", args=[chapter.slug])
    assert strict.post(url, {"done": "1"}).status_code == 403
    page = strict.get(chapter.get_absolute_url())
    token = page.context["csrf_token"]
    response = strict.post(url, {"done": "1"}, headers={"X-CSRFToken": str(token)})
    assert response.status_code == 302


def test_chapter_assets_are_served_with_a_sandbox(client):
    chapter = Chapter.objects.get(number=3)
    response = client.get(f"/chapters/{chapter.slug}/assets/architecture.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"<svg" in b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "name", ["chapter.md", "missing.svg", "..%2Fchapter.md", "%2E%2E%2F%2E%2E%2Fsettings.py"]
)
def test_only_listed_assets_are_served(client, name):
    chapter = Chapter.objects.get(number=3)
    assert client.get(f"/chapters/{chapter.slug}/assets/{name}").status_code == 404


def test_search_finds_sections_and_highlights_matches(client):
    response = client.get("/search/", {"q": "NodePort"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<mark>NodePort</mark>" in body
    assert "Services" in body
    assert "/chapters/services/#" in body


def test_search_with_htmx_returns_only_results(client):
    response = client.get("/search/", {"q": "etcd"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="search-results"')
    assert "<mark>etcd</mark>" in body


def test_search_escapes_hostile_queries(client):
    response = client.get("/search/", {"q": "<script>alert(1)</script> pod"})
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert response.status_code == 200


def test_search_handles_empty_huge_and_unmatched_queries(client):
    assert client.get("/search/").status_code == 200
    assert client.get("/search/", {"q": "x" * 100_000}).status_code == 200
    body = client.get("/search/", {"q": "zzqqxxnothing"}).content.decode()
    assert "Nothing in the course matches" in body


def test_search_history_restore_gets_the_whole_page(client):
    response = client.get(
        "/search/",
        {"q": "etcd"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    body = response.content.decode()
    assert "<html" in body
    assert "HX-Request" in response["Vary"]
