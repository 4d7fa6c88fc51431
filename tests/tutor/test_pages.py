"""The pages that compose several apps (tutor/pages.py): home, a chapter, the profile."""

from __future__ import annotations

import pytest

from lessons.models import Chapter, ChapterProgress

pytestmark = pytest.mark.django_db


def test_home_lists_all_chapters_for_anonymous_readers(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    for chapter in Chapter.objects.published():
        assert chapter.title in body
    assert "Start with chapter 1" in body
    assert "Sign up" in body


def test_home_shows_progress_and_where_to_continue(alice_client, alice):
    chapters = list(Chapter.objects.published()[:3])
    from django.utils import timezone

    ChapterProgress.objects.create(user=alice, chapter=chapters[0], completed_at=timezone.now())
    ChapterProgress.objects.create(user=alice, chapter=chapters[1], last_visited_at=timezone.now())
    body = alice_client.get("/").content.decode()
    assert "1 of 7 chapters done" in body
    assert f"Continue with chapter {chapters[1].number}: {chapters[1].title}" in body


def test_a_chapter_page_has_prev_next_and_the_sidebar(client):
    chapter = Chapter.objects.get(number=2)
    body = client.get(chapter.get_absolute_url()).content.decode()
    assert 'rel="prev"' in body and 'rel="next"' in body
    assert body.count('class="chapter-number"') == 7
    assert 'aria-current="page"' in body


def test_visiting_a_chapter_records_it(alice_client, alice):
    chapter = Chapter.objects.get(number=8)
    alice_client.get(chapter.get_absolute_url())
    progress = ChapterProgress.objects.get(user=alice, chapter=chapter)
    assert progress.last_visited_at is not None
    assert not progress.is_done


def test_unknown_and_unpublished_chapters_are_404(client):
    assert client.get("/chapters/no-such-chapter/").status_code == 404
    chapter = Chapter.objects.get(number=10)
    Chapter.objects.filter(pk=chapter.pk).update(is_published=False)
    response = client.get(chapter.get_absolute_url())
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()


def test_profile_needs_login_and_shows_only_own_progress(client, alice_client, bob):
    from django.utils import timezone

    from lessons.models import Chapter, ChapterProgress

    chapter = Chapter.objects.get(number=1)
    ChapterProgress.objects.create(user=bob, chapter=chapter, completed_at=timezone.now())
    body = alice_client.get("/accounts/profile/").content.decode()
    assert "0 of 7 chapters done" in body
    client.logout()
    assert client.get("/accounts/profile/")["Location"].startswith("/accounts/login/")
