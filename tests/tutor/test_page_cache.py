from __future__ import annotations

import pytest
from django.core.cache import cache

from lessons.models import Chapter

pytestmark = pytest.mark.django_db


def test_anonymous_readers_share_one_rendered_page(client, django_assert_num_queries):
    chapter = Chapter.objects.get(number=9)
    first = client.get(chapter.get_absolute_url())
    # The version query is itself cached for a moment: a hit needs no query.
    with django_assert_num_queries(0):
        second = client.get(chapter.get_absolute_url())
    assert second.content == first.content
    assert second["X-Frame-Options"] == "DENY"
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert "csrfmiddlewaretoken" not in second.content.decode()


def test_logged_in_readers_never_get_the_shared_page(alice_client, client):
    chapter = Chapter.objects.get(number=9)
    client.get(chapter.get_absolute_url())
    body = alice_client.get(chapter.get_absolute_url()).content.decode()
    assert "Mark chapter as done" in body
    assert "alice" in body


def test_a_session_or_a_query_string_skips_the_cache(client):
    chapter = Chapter.objects.get(number=9)
    client.get(chapter.get_absolute_url())
    client.cookies["sessionid"] = "whatever"
    assert client.get(chapter.get_absolute_url()).status_code == 200
    del client.cookies["sessionid"]
    assert client.get(chapter.get_absolute_url() + "?x=1").status_code == 200


def test_a_content_change_shows_once_the_version_moves(client):
    chapter = Chapter.objects.get(number=9)
    client.get(chapter.get_absolute_url())
    Chapter.objects.filter(pk=chapter.pk).update(body_html="<p>Brand new text</p>")
    chapter.refresh_from_db()
    chapter.save()  # bumps updated_at, as load_content does
    cache.delete("lessons:course-version")  # the 2-second version memo runs out
    assert "Brand new text" in client.get(chapter.get_absolute_url()).content.decode()
