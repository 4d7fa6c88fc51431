"""Translated chapters (chapter.<language>.md beside chapter.md) and the English fallback."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command

from lessons.content import read_chapters
from lessons.models import Chapter, ChapterTranslation
from tests.lessons.factories import write_chapter
from tutor.content.registry import load_content

PO = settings.BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture(scope="module", autouse=True)
def compiled_messages() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        call_command("compilemessages", locale=["es"], verbosity=0, ignore_patterns=[".venv"])


def write_translation(root, folder: str, text: str):  # type: ignore[no-untyped-def]
    path = root / "chapters" / folder / "chapter.es.md"
    path.write_text(text)
    return path


def errors_of(root):  # type: ignore[no-untyped-def]
    return [str(e).removeprefix(f"{root.name}/") for e in read_chapters(root).errors]


GOOD = (
    "---\ntitle: Título del capítulo\nobjectives:\n  - Explicar algo útil.\n---\n"
    "Texto de introducción.\n\n## Primera sección\n\nPalabras sobre los Pods.\n\n"
    "## Resumen\n\nHecho.\n"
)


def test_a_translation_is_read_beside_its_chapter(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    write_translation(tmp_path, "01-pods", GOOD)
    result = read_chapters(tmp_path)
    assert result.errors == []
    [chapter] = result.chapters
    [translation] = chapter.translations
    assert translation.language == "es"
    assert translation.title == "Título del capítulo"
    assert translation.summary == ""  # the original's is shown
    assert translation.objectives == ["Explicar algo útil."]
    assert [h.title for h in translation.rendered.toc] == ["Primera sección", "Resumen"]


def test_a_translations_sections_keep_the_originals_anchors(tmp_path):
    # Quiz questions, lab checks and the editor link to a section by its anchor: the
    # Spanish page must have the same ones, in its table of contents and its headings.
    write_chapter(tmp_path, "01-pods", number=1)
    write_translation(tmp_path, "01-pods", GOOD)
    [chapter] = read_chapters(tmp_path).chapters
    [translation] = chapter.translations
    assert [h.anchor for h in chapter.rendered.toc] == ["first-section", "summary"]
    assert [(h.anchor, h.title) for h in translation.rendered.toc] == [
        ("first-section", "Primera sección"),
        ("summary", "Resumen"),
    ]
    html = translation.rendered.html
    assert '<h2 id="first-section">' in html and 'href="#first-section"' in html
    assert "primera-secci" not in html


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "Intro.\n\n## Primera sección\n\nPalabras.\n",
            "has 1 ## and ### headings, chapter.md has 2",
        ),
        (
            "Intro.\n\n## Primera sección\n\nPalabras.\n\n### Resumen\n\nHecho.\n",
            "heading 2 ('Resumen') is ###, but chapter.md's heading 2 ('Summary') is ##",
        ),
    ],
)
def test_a_translation_whose_headings_part_from_the_original_is_refused(tmp_path, body, problem):
    write_chapter(tmp_path, "01-pods", number=1)
    write_translation(tmp_path, "01-pods", "---\ntitle: Título del capítulo\n---\n" + body)
    [error] = errors_of(tmp_path)
    assert error.startswith("chapters/01-pods/chapter.es.md:4: ")
    assert problem in error


def test_editing_a_translation_changes_the_chapters_hash(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    before = read_chapters(tmp_path).chapters[0].content_hash
    write_translation(tmp_path, "01-pods", GOOD)
    assert read_chapters(tmp_path).chapters[0].content_hash != before


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("chapter.fr.md", GOOD, "chapter.fr.md:1: chapter.fr.md: not a translation the tutor"),
        ("chapter.es.md", "no front matter\n", "chapter.es.md:1: missing front matter"),
        ("chapter.es.md", "---\nsummary: too short\n---\nTexto.\n", "chapter.es.md:2: title"),
        ("chapter.es.md", "---\ntitle: Título\nslug: otro\n---\nTexto.\n", "unknown key 'slug'"),
        (
            "chapter.es.md",
            "---\ntitle: Título\nobjectives: [uno, dos]\n---\nTexto.\n",
            "objectives: a list of 1 texts",
        ),
        ("chapter.es.md", "---\ntitle: Título\n---\n\n", "the translation has no text"),
        (
            "chapter.es.md",
            "---\ntitle: Título\n---\n![x](missing.svg)\n",
            "'missing.svg' not found",
        ),
    ],
)
def test_a_bad_translation_is_a_clear_content_error(tmp_path, name, text, expected):
    write_chapter(tmp_path, "01-pods", number=1)
    (tmp_path / "chapters" / "01-pods" / name).write_text(text)
    errors = errors_of(tmp_path)
    assert errors and all(e.startswith(f"chapters/01-pods/{name}:") for e in errors)
    assert any(expected in e for e in errors), errors


@pytest.mark.django_db
def test_load_content_stores_and_replaces_translations(tmp_path):
    write_chapter(
        tmp_path, "01-pods", number=1, chapter_uuid="7a9e3b52-0000-4000-8000-000000000001"
    )
    write_translation(tmp_path, "01-pods", GOOD)
    assert load_content(tmp_path).report.ok
    chapter = Chapter.objects.get(uuid="7a9e3b52-0000-4000-8000-000000000001")
    [translation] = chapter.translations.all()
    assert "Palabras sobre los Pods." in translation.body_html
    (tmp_path / "chapters" / "01-pods" / "chapter.es.md").unlink()
    assert load_content(tmp_path).report.ok
    assert not ChapterTranslation.objects.filter(chapter=chapter).exists()


@pytest.mark.django_db
class TestTheRealCourse:
    @pytest.fixture(autouse=True)
    def course(self, real_course):  # type: ignore[no-untyped-def]
        return real_course

    def test_chapter_one_comes_in_spanish(self, client):
        url = Chapter.objects.get(number=1).get_absolute_url()
        body = client.get(url, **SPANISH).content.decode()
        assert '<html lang="es">' in body
        assert "<h1>Orquestación de contenedores</h1>" in body
        assert "Los contenedores en pocas palabras" in body
        assert "Containers in a nutshell" not in body
        assert "Definir el concepto de orquestación de contenedores." in body
        assert "has not been translated" not in body and "aún no está traducido" not in body
        assert 'src="/chapters/container-orchestration/assets/orchestration.svg"' in body
        # The boxes are labelled in Spanish too.
        assert (
            '<p class="callout-title">Pruébalo: Comprueba que el kernel es compartido</p>' in body
        )
        assert "Try it:" not in body

    def test_every_section_link_lands_on_its_section_in_spanish_too(self, client):
        from quizzes.models import Question

        translated = Chapter.objects.filter(translations__language="es").distinct()
        assert translated.count() >= 5
        for chapter in translated:
            body = client.get(chapter.get_absolute_url(), **SPANISH).content.decode()
            assert '<html lang="es">' in body and 'class="prose" lang="en"' not in body
            sections = set(
                Question.objects.filter(quiz__chapter=chapter).exclude(section="")
                .values_list("section", flat=True)
            )  # fmt: skip
            assert sections, chapter
            for anchor in sections:
                assert f' id="{anchor}"' in body, (chapter, anchor)

    def test_english_readers_get_the_original(self, client):
        url = Chapter.objects.get(number=1).get_absolute_url()
        body = client.get(url).content.decode()
        assert '<html lang="en">' in body
        assert "<h1>Container Orchestration</h1>" in body
        assert "Containers in a nutshell" in body
        assert "Orquestación" not in body

    def test_an_untranslated_chapter_falls_back_to_english_and_says_so(self, client):
        chapter = Chapter.objects.get(number=5)
        assert not chapter.translations.exists()
        body = client.get(chapter.get_absolute_url(), **SPANISH).content.decode()
        assert '<html lang="es">' in body  # the interface is in Spanish
        assert f'<h1 lang="en">{chapter.title}</h1>' in body  # the text, marked as English
        assert '<div class="prose" lang="en">' in body
        assert "aún no está traducido" in body

    def test_the_outline_shows_translated_titles_where_they_exist(self, client):
        body = client.get("/", **SPANISH).content.decode()
        assert "Orquestación de contenedores" in body
        assert "Arquitectura de Kubernetes" in body
        assert "Instalación de Kubernetes" in body
        assert Chapter.objects.get(number=5).title in body
