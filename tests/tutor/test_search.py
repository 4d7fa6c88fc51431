"""Search covers the chapters, the exercises and the labs (tutor/search.py, /search/?q=)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from engine.markdown import plain_text
from exercises.models import Exercise
from labs.models import Lab
from tutor.search import search_course

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_it_finds_exercises_and_labs_as_well_as_sections():
    results = search_course(query="frontend-svc")
    assert [h.title for h in results.exercises] == [
        Exercise.objects.get(slug="frontend-clusterip").title
    ]
    assert Lab.objects.get(slug="services").title in [h.title for h in results.labs]
    assert results.count == len(results.sections) + len(results.exercises) + len(results.labs)
    hit = results.exercises[0]
    assert hit.url == Exercise.objects.get(slug="frontend-clusterip").get_absolute_url()
    assert "<mark>frontend-svc</mark>" in hit.snippet_html


def test_every_word_must_be_there_and_a_title_counts():
    exercise = Exercise.objects.get(slug="frontend-clusterip")
    assert search_course(query="frontend-svc zzqqxx").count == 0
    title_word = exercise.title.split()[-1].lower()
    assert exercise.title in [h.title for h in search_course(query=title_word).exercises]


def test_words_only_inside_html_tags_do_not_match():
    # "code" is in every prompt's <code> tags, but in the text of only some.
    tag_only = [
        e
        for e in Exercise.objects.all()
        if "<code" in e.prompt_html and "code" not in (e.title + plain_text(e.prompt_html)).lower()
    ]
    assert tag_only
    found = {h.title for h in search_course(query="code").exercises}
    assert not found & {e.title for e in tag_only}


def test_unpublished_practice_is_not_found():
    Exercise.objects.filter(slug="frontend-clusterip").update(is_published=False)
    Lab.objects.filter(slug="services").update(is_published=False)
    results = search_course(query="frontend-svc")
    assert results.exercises == [] and "services" not in [h.url for h in results.labs]


def test_the_page_groups_the_results(client):
    body = client.get(reverse("search"), {"q": "frontend-svc"}).content.decode()
    assert "In the chapters:" in body
    assert "Exercises: 1" in body and "Labs:" in body
    assert Exercise.objects.get(slug="frontend-clusterip").get_absolute_url() in body
    assert Lab.objects.get(slug="services").get_absolute_url() in body
    assert "results match “frontend-svc”" in body


def test_htmx_gets_only_the_results(client):
    response = client.get(reverse("search"), {"q": "frontend-svc"}, headers=HX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="search-results"')
    assert "Exercises: 1" in body
    assert "HX-Request" in response["Vary"]


def test_hostile_and_empty_queries_get_a_clear_page(client):
    body = client.get(reverse("search"), {"q": "<script>alert(1)</script> frontend"}).content
    assert b"<script>alert(1)</script>" not in body
    assert client.get(reverse("search"), {"q": "  "}).status_code == 200
    assert client.get(reverse("search"), {"q": "-"}).status_code == 200
    assert (
        "Nothing in the course matches"
        in client.get(reverse("search"), {"q": "zzqqxxnothing"}).content.decode()
    )


def test_the_address_stays_search(client):
    assert reverse("search") == "/search/"
    assert 'action="/search/"' in client.get("/").content.decode()
