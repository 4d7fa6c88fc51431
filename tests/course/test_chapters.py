"""Every chapter of the real course renders: title, table of contents, objectives, summary."""

from __future__ import annotations

import pytest

from lessons.models import Chapter

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", range(1, 17))
def test_every_chapter_page_renders(real_course, client, number):
    chapter = Chapter.objects.get(number=number)
    response = client.get(chapter.get_absolute_url())
    assert response.status_code == 200
    body = response.content.decode()
    assert f"<h1>{chapter.title}</h1>" in body
    assert 'aria-labelledby="toc-heading"' in body
    for objective in chapter.objectives:
        assert objective.replace("'", "&#x27;").replace('"', "&quot;") in body or objective in body
    assert 'id="summary"' in body
