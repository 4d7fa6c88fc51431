from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from lessons.content import read_chapters
from lessons.models import Chapter, ChapterProgress, ChapterSection
from tests.lessons.factories import write_chapter
from tutor.content.registry import load_content


def errors_of(root):
    """Errors as authors see them, relative to the content root's parent."""
    return [str(e).removeprefix(f"{root.name}/") for e in read_chapters(root).errors]


def test_it_reads_a_valid_chapter(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    result = read_chapters(tmp_path)
    assert result.errors == []
    [chapter] = result.chapters
    assert chapter.front["slug"] == "pods"
    assert chapter.body_first_line == 11
    assert [h.anchor for h in chapter.rendered.toc] == ["first-section", "summary"]


def test_it_reports_a_yaml_syntax_error_at_its_line(tmp_path):
    path = tmp_path / "chapters" / "01-x" / "chapter.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nuuid: 1\nnumber: [1\ntitle: x\n---\nbody\n")
    [error] = errors_of(tmp_path)
    assert error.startswith("chapters/01-x/chapter.md:4: YAML syntax error")


def test_it_reports_an_unknown_key_at_its_own_line(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1, colour="blue")
    [error] = errors_of(tmp_path)
    assert error.startswith("chapters/01-pods/chapter.md:10: unknown key 'colour'")
    assert "allowed:" in error


def test_it_reports_a_wrong_type_at_the_value_line(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1, estimated_minutes="twenty")
    [error] = errors_of(tmp_path)
    assert error.startswith("chapters/01-pods/chapter.md:7: estimated_minutes:")


def test_it_reports_a_bad_list_item_at_its_line(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1, objectives=["Fine objective", 42])
    [error] = errors_of(tmp_path)
    assert error.startswith("chapters/01-pods/chapter.md:10: objectives[1]:")


def test_it_reports_missing_keys_and_bad_slugs(tmp_path):
    path = tmp_path / "chapters" / "01-x" / "chapter.md"
    path.parent.mkdir(parents=True)
    path.write_text(f"---\nuuid: {uuid.uuid4()}\nnumber: 1\nslug: Bad_Slug\n---\nbody\n")
    errors = errors_of(tmp_path)
    assert any("'title' is a required property" in e for e in errors)
    assert any(e.startswith("chapters/01-x/chapter.md:4: slug: must be lowercase") for e in errors)


def test_it_reports_duplicate_keys(tmp_path):
    path = tmp_path / "chapters" / "01-x" / "chapter.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nnumber: 1\nnumber: 2\n---\nbody\n")
    assert errors_of(tmp_path) == ["chapters/01-x/chapter.md:3: duplicate key 'number'"]


def test_it_refuses_python_tags(tmp_path):
    path = tmp_path / "chapters" / "01-x" / "chapter.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nnumber: !!python/object/apply:os.system ['true']\n---\nbody\n")
    [error] = errors_of(tmp_path)
    assert error.startswith("chapters/01-x/chapter.md:2:")
    assert "python" in error


def test_it_reports_files_without_front_matter_or_text(tmp_path):
    (tmp_path / "chapters" / "01-a").mkdir(parents=True)
    (tmp_path / "chapters" / "01-a" / "chapter.md").write_text("# Just markdown\n")
    write_chapter(tmp_path, "02-b", number=2, body="\n  \n")
    (tmp_path / "chapters" / "03-c").mkdir()
    errors = errors_of(tmp_path)
    assert "chapters/01-a/chapter.md:1: missing front matter" in errors[0]
    assert errors[1].startswith("chapters/02-b/chapter.md:11: the chapter has no text")
    assert errors[2] == "chapters/03-c:1: folder has no chapter.md"


def test_it_reports_non_utf8_at_its_line(tmp_path):
    path = write_chapter(tmp_path, "01-a", number=1)
    path.write_bytes(path.read_bytes() + b"\nbad \xff byte\n")
    [error] = errors_of(tmp_path)
    assert error.endswith("file is not valid UTF-8")
    assert ":21:" in error


def test_it_reports_duplicate_uuid_number_and_slug(tmp_path):
    same = str(uuid.uuid4())
    write_chapter(tmp_path, "01-a", number=1, slug="same", chapter_uuid=same)
    write_chapter(tmp_path, "02-b", number=1, slug="same", chapter_uuid=same)
    errors = errors_of(tmp_path)
    assert [e.split(": ", 1)[0] for e in errors] == [
        "chapters/02-b/chapter.md:2",
        "chapters/02-b/chapter.md:3",
        "chapters/02-b/chapter.md:4",
    ]
    assert all("is already used by" in e and "chapters/01-a/chapter.md" in e for e in errors)


def test_it_reports_missing_remote_and_scripted_images(tmp_path):
    body = "![a](missing.svg)\n\n![b](https://example.com/x.png)\n\n![c](evil.svg)\n"
    path = write_chapter(tmp_path, "01-a", number=1, body=body)
    (path.parent / "evil.svg").write_text('<svg onload="alert(1)"></svg>')
    errors = errors_of(tmp_path)
    assert "chapters/01-a/chapter.md:11: image 'missing.svg' not found beside chapter.md" in errors
    assert "chapters/01-a/chapter.md:13: image 'https://example.com/x.png' is not local" in errors
    assert "chapters/01-a/evil.svg:1: evil.svg: SVG must not contain scripts" in errors


@pytest.mark.django_db
def test_load_is_idempotent_and_keeps_progress(tmp_path, alice):
    write_chapter(tmp_path, "01-pods", number=1)
    first = load_content(tmp_path)
    assert first.stats["chapters"].created == 1
    chapter = Chapter.objects.get(slug="pods")
    ChapterProgress.objects.create(user=alice, chapter=chapter, completed_at=timezone.now())

    again = load_content(tmp_path)
    assert again.stats["chapters"].unchanged == 1
    assert again.stats["chapters"].updated == 0
    assert Chapter.objects.get(pk=chapter.pk).updated_at == chapter.updated_at
    assert ChapterProgress.objects.get(user=alice, chapter=chapter).is_done


@pytest.mark.django_db
def test_an_edited_or_renamed_chapter_updates_in_place(tmp_path, alice):
    chapter_uuid = str(uuid.uuid4())
    path = write_chapter(tmp_path, "01-pods", number=1, chapter_uuid=chapter_uuid)
    load_content(tmp_path)
    chapter = Chapter.objects.get(uuid=chapter_uuid)
    ChapterProgress.objects.create(user=alice, chapter=chapter, completed_at=timezone.now())

    path.parent.rename(tmp_path / "chapters" / "01-pod-basics")
    write_chapter(
        tmp_path,
        "01-pod-basics",
        number=1,
        slug="pod-basics",
        chapter_uuid=chapter_uuid,
        body="New intro.\n\n## Only section\n\nRenamed text.\n",
    )
    result = load_content(tmp_path)
    assert result.stats["chapters"].updated == 1
    chapter.refresh_from_db()
    assert chapter.slug == "pod-basics"
    assert chapter.folder == "01-pod-basics"
    assert "Renamed text." in chapter.body_html
    assert [s.title for s in ChapterSection.objects.filter(chapter=chapter)] == [
        "Introduction",
        "Only section",
    ]
    assert ChapterProgress.objects.get(user=alice, chapter=chapter).is_done


@pytest.mark.django_db
def test_an_invalid_file_loads_nothing_and_deletes_nothing(tmp_path, alice):
    path = write_chapter(tmp_path, "01-pods", number=1)
    write_chapter(tmp_path, "02-services", number=2)
    load_content(tmp_path)
    before = list(Chapter.objects.values_list("slug", "content_hash", "is_published"))
    write_chapter(tmp_path, "02-services", number=2, title="Changed title")
    path.write_text("---\nnumber: [\n---\nbroken\n")

    result = load_content(tmp_path)
    assert not result.report.ok
    assert result.stats == {}
    assert list(Chapter.objects.values_list("slug", "content_hash", "is_published")) == before


@pytest.mark.django_db
def test_a_removed_chapter_is_unpublished_not_deleted(tmp_path, alice):
    path = write_chapter(tmp_path, "01-pods", number=1)
    write_chapter(tmp_path, "02-services", number=2)
    load_content(tmp_path)
    chapter = Chapter.objects.get(slug="pods")
    ChapterProgress.objects.create(user=alice, chapter=chapter)

    path.unlink()
    path.parent.rmdir()
    result = load_content(tmp_path)
    assert result.stats["chapters"].unpublished == 1
    chapter.refresh_from_db()
    assert not chapter.is_published
    assert ChapterProgress.objects.filter(chapter=chapter).exists()

    write_chapter(tmp_path, "01-pods", number=1, chapter_uuid=str(chapter.uuid))
    assert load_content(tmp_path).stats["chapters"].updated == 1
    chapter.refresh_from_db()
    assert chapter.is_published
