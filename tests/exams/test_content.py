"""Exams as content: a strict schema, file:line errors, labs and checks that must exist."""

from __future__ import annotations

import pytest

from exams.models import Exam
from tests.exams.factories import course_with_exam, exam_data, make_exam, write_exam
from tests.labs.lab_fixtures import lab_root
from tutor.content.registry import check_content

pytestmark = pytest.mark.django_db


def errors_of(root):
    return [(e.file, e.line, e.message) for e in check_content(root).errors]


def test_a_valid_exam_is_counted_and_synced_with_its_labs_checks(tmp_path):
    report = check_content(course_with_exam(tmp_path))
    assert report.ok, [str(e) for e in report.errors]
    assert report.counts["exams"] == 1
    exam = make_exam(tmp_path / "again")
    assert exam.max_score == 100 and exam.slug == "demo-practical"
    web, rbac = exam.tasks
    assert [c["id"] for c in web["checks"]] == ["deployment", "ready", "selects"]
    assert "kind: RoleBinding" in rbac["solution"] and "<code>web</code>" in web["prompt_html"]


def test_every_problem_is_reported_on_its_line(tmp_path):
    root = lab_root(tmp_path)
    data = exam_data()
    data["tasks"][0]["lab"] = "no-such-lab"
    data["tasks"][1]["checks"] = ["bob-lists", "nope"]
    write_exam(root, data)
    found = errors_of(root)
    text = (root / "exams/demo-practical/exam.yaml").read_text().splitlines()
    lab_line = next(i for i, line in enumerate(text, 1) if "no-such-lab" in line)
    # The second task's checks (the first task has its own checks: key too).
    checks_line = [i for i, line in enumerate(text, 1) if line.strip() == "checks:"][-1]
    assert any(
        f.endswith("exams/demo-practical/exam.yaml")
        and line == lab_line
        and m == "no lab is named 'no-such-lab' (a lab's folder name)"
        for f, line, m in found
    ), found
    assert any(
        line == checks_line and "has no checks named ['nope']" in msg for _, line, msg in found
    )


def test_the_schema_is_strict(tmp_path):
    root = lab_root(tmp_path)
    write_exam(root, exam_data(duration=45))
    [(_, line, message)] = errors_of(root)
    assert line >= 1 and "duration" in message
    write_exam(root, "uuid: [not, a, mapping", slug="broken")
    assert any("broken/exam.yaml" in f for f, _, _ in errors_of(root))


def test_duplicate_task_ids_and_uuids_are_refused(tmp_path):
    root = lab_root(tmp_path)
    data = exam_data()
    data["tasks"][1]["id"] = "web"
    write_exam(root, data)
    assert any("task id 'web' is already used" in m for _, _, m in errors_of(root))
    root2 = lab_root(tmp_path / "two")
    same = exam_data()
    write_exam(root2, same, slug="one")
    write_exam(root2, same, slug="two")
    assert any("uuid is already used" in m for _, _, m in errors_of(root2))


def test_an_exam_whose_file_is_gone_is_unpublished_not_deleted(tmp_path):
    exam = make_exam(tmp_path)
    from exams.content import sync_exams

    stats = sync_exams([])
    exam.refresh_from_db()
    assert (
        stats.unpublished >= 1
        and not exam.is_published
        and Exam.objects.filter(pk=exam.pk).exists()
    )


def test_exam_questions_must_be_quiz_questions_of_an_allowed_type(tmp_path):
    from tests.quizzes.factories import bank_data, question_data, write_bank

    root = lab_root(tmp_path)
    single, ordering = question_data(section=None), question_data("ordering", section=None)
    for q in (single, ordering):
        q.pop("section")
    write_bank(root, "01-demo", bank_data([single, ordering]))
    missing = "0b6f3d7e-2f53-4a39-9d6b-6c1f7c1f2a10"
    write_exam(root, exam_data(questions=[single["uuid"], ordering["uuid"], missing]))
    found = [m for _, _, m in errors_of(root)]
    assert f"no quiz question has the uuid {missing}" in found
    assert any("is of type ordering" in m for m in found), found
    write_exam(root, exam_data(questions=[single["uuid"]]))
    report = check_content(root)
    assert report.ok, [str(e) for e in report.errors]
    [source] = report.sources["exams"]
    assert source.questions == [{"uuid": single["uuid"], "points": 1}]
