"""A signed-in student's chapter page is kept for them and renewed when their progress changes."""

from __future__ import annotations

import gzip

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lessons.models import Chapter, ChapterProgress
from quizzes.models import Quiz
from quizzes.services import quiz_attempt_finish, quiz_attempt_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def chapter() -> Chapter:
    return Chapter.objects.published().order_by("number").first()  # type: ignore[return-value]


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_second_view_is_served_from_the_cache(alice, chapter, django_assert_num_queries):
    client = signed_in(alice)
    client.get(chapter.get_absolute_url())  # sets the CSRF cookie: not kept
    first = client.get(chapter.get_absolute_url())
    with django_assert_num_queries(0):
        again = client.get(chapter.get_absolute_url())
    assert again.status_code == 200 and again.content == first.content
    assert "alice" in again.content.decode()
    assert again["Cache-Control"] == "private" and "Cookie" in again["Vary"]


def test_another_student_never_gets_it(alice, bob, chapter):
    alice_client = signed_in(alice)
    for _ in range(3):
        alice_client.get(chapter.get_absolute_url())
    page = signed_in(bob).get(chapter.get_absolute_url()).content.decode()
    assert "bob" in page and "alice" not in page


def test_marking_done_shows_at_once(alice, chapter):
    client = signed_in(alice)
    for _ in range(2):
        assert "Mark chapter as done" in client.get(chapter.get_absolute_url()).content.decode()
    client.post(reverse("lessons:done", args=[chapter.slug]), {"done": "1"})
    assert (
        "You marked this chapter as done" in client.get(chapter.get_absolute_url()).content.decode()
    )


def test_a_finished_quiz_shows_at_once(alice, chapter):
    quiz = Quiz.objects.published().filter(chapter=chapter).first()
    if quiz is None:
        pytest.skip("this chapter has no quiz")
    client = signed_in(alice)
    for _ in range(2):
        before = client.get(chapter.get_absolute_url()).content
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    quiz_attempt_finish(attempt=attempt)
    assert client.get(chapter.get_absolute_url()).content != before


def test_a_logged_out_session_gets_no_kept_page(alice, chapter):
    client = signed_in(alice)
    for _ in range(2):
        client.get(chapter.get_absolute_url())
    session = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    stale = Client()
    stale.cookies["sessionid"] = session  # someone replaying the old cookie
    page = stale.get(chapter.get_absolute_url()).content.decode()
    assert "alice" not in page


def test_a_deactivated_account_gets_no_kept_page(alice, chapter):
    client = signed_in(alice)
    for _ in range(2):
        client.get(chapter.get_absolute_url())
    alice.is_active = False
    alice.save()
    assert "alice" not in client.get(chapter.get_absolute_url()).content.decode()


def test_a_kept_page_still_records_the_visit(alice, chapter):
    client = signed_in(alice)
    for _ in range(2):
        client.get(chapter.get_absolute_url())
    ChapterProgress.objects.filter(user=alice).update(last_visited_at=None)
    cache.delete(f"pages:visit:{alice.pk}:{chapter.get_absolute_url()}")  # 30 s have passed
    client.get(chapter.get_absolute_url())
    assert ChapterProgress.objects.get(user=alice, chapter=chapter).last_visited_at is not None


def test_kept_pages_are_compressed_for_browsers_that_ask(alice, client, chapter):
    for browser in (client, signed_in(alice)):
        for _ in range(2):
            plain = browser.get(chapter.get_absolute_url())
        packed = browser.get(chapter.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, br")
        assert packed["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.content) == plain.content
        assert "Accept-Encoding" in packed["Vary"]


def test_an_unreachable_shared_cache_costs_the_cache_not_the_page(alice, chapter, settings):
    """Redis down: saving a user still works and pages are rendered, never served stale."""
    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        },
    }
    alice.first_name = "Alice"
    alice.save()  # the page-version bump fails quietly
    client = Client()
    client.cookies["sessionid"] = "whatever"
    assert client.get(chapter.get_absolute_url()).status_code == 200


def test_a_kept_page_and_its_policy_name_the_same_nonce(alice, chapter):
    """The page's own styles (the terminal drawer's) still run when it comes from the cache."""
    import re

    client = signed_in(alice)
    for _ in range(2):
        client.get(chapter.get_absolute_url())
    kept = client.get(chapter.get_absolute_url())
    nonces = set(re.findall(r'nonce="([^"]+)"', kept.content.decode()))
    assert nonces, "the page holds no nonce"
    policy = kept["Content-Security-Policy"]
    for nonce in nonces:
        assert f"'nonce-{nonce}'" in policy
