"""The four "decide and document" findings of the hardening issue, as decided (deploy/README.md).

1. The anonymous page cache answers only the hosts the site answers.
2. Markdown keeps only the renderer's own classes and heading ids.
3. The lab page tells visitors whether a cluster is ready, not where or which version.
4. A browser someone logged in with before is not locked out by its address's limit.
"""

from __future__ import annotations

import pytest
from django.test import Client

from engine.markdown import render_markdown
from labs.models import Lab

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(120), pytest.mark.django_db]


def test_a_cached_chapter_is_not_served_to_a_host_the_site_refuses(client, settings):
    from lessons.models import Chapter

    chapter = Chapter.objects.filter(is_published=True).order_by("number").first()
    assert chapter is not None
    path = chapter.get_absolute_url()
    assert client.get(path).status_code == 200  # rendered and cached
    assert client.get(path).status_code == 200  # served from the cache
    assert client.get(path, HTTP_HOST="evil.example").status_code == 400


def test_authors_cannot_dress_content_up_as_the_site():
    html = render_markdown(
        '<a class="button primary" id="done-toggle" href="/accounts/login/">Log in again</a>\n\n'
        '<div class="callout callout-note messages" id="main">x</div>\n\n'
        "## A heading\n\n::: note\nA note\n:::\n"
    ).html
    assert "button" not in html and 'id="done-toggle"' not in html and 'id="main"' not in html
    assert '<div class="callout">' not in html  # a div may not borrow the aside's class
    assert '<h2 id="a-heading">' in html  # heading anchors stay: links and quiz sections use them
    assert '<aside class="callout callout-note">' in html


def test_visitors_see_no_cluster_address_or_version(client, alice):
    lab = Lab.objects.filter(is_published=True).order_by("slug").first()
    assert lab is not None
    from labs import views

    status = {
        "reachable": True,
        "name": "local",
        "server": "https://10.9.8.7:6443",
        "version": "v1.35.4",
    }
    original = views._workspace_context

    def with_status(*args, **kwargs):  # type: ignore[no-untyped-def]
        context = original(*args, **kwargs)
        context["status"] = type("S", (), status)()
        return context

    views._workspace_context = with_status
    try:
        page = client.get(lab.get_absolute_url()).content.decode()
        assert "A cluster is ready" in page
        assert "10.9.8.7" not in page and "v1.35.4" not in page
        client.force_login(alice)
        page = client.get(lab.get_absolute_url()).content.decode()
        assert "10.9.8.7" in page and "v1.35.4" in page
    finally:
        views._workspace_context = original


def test_a_known_browser_logs_in_while_its_address_is_locked(alice, settings):
    settings.TUTOR_LOGIN_IP_FAILURE_LIMIT = 6
    known, stranger = Client(), Client()
    assert known.post("/accounts/login/", {"username": "alice", "password": "correct-horse-1"}).status_code == 302  # fmt: skip
    known.post("/accounts/logout/")
    # Someone behind the same address guesses at other accounts until the address is locked.
    for name in ("bob", "carol", "dave", "erin", "frank", "grace", "heidi"):
        stranger.post("/accounts/login/", {"username": name, "password": "guess"})
    assert stranger.post("/accounts/login/", {"username": "alice", "password": "correct-horse-1"}).status_code == 429  # fmt: skip
    # Alice's own browser still gets in: judged by her account's limit only.
    assert known.post("/accounts/login/", {"username": "alice", "password": "correct-horse-1"}).status_code == 302  # fmt: skip
    # The cookie is signed: a forged one does not help a guesser.
    stranger.cookies["tutor_known_browser"] = "alice"
    assert stranger.post("/accounts/login/", {"username": "alice", "password": "correct-horse-1"}).status_code == 429  # fmt: skip
