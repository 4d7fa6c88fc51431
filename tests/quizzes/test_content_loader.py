from __future__ import annotations

import pytest

from lessons.content import read_chapters
from quizzes.content import read_quizzes
from quizzes.models import Origin, Question, Quiz, QuizAttempt, Response
from tests.lessons.factories import write_chapter
from tests.quizzes.factories import bank_data, question_data, write_bank
from tutor.content.registry import check_content, load_content


def errors_of(root):
    chapters = read_chapters(root)
    assert chapters.errors == []
    return [
        str(e).removeprefix(f"{root.name}/") for e in read_quizzes(root, chapters.chapters).errors
    ]


def test_it_reads_a_valid_bank_of_every_type(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    kinds = ["single", "multiple", "true_false", "short_answer", "ordering", "manifest"]
    write_bank(tmp_path, "01-pods", bank_data([question_data(k) for k in kinds]))
    chapters = read_chapters(tmp_path).chapters
    result = read_quizzes(tmp_path, chapters)
    assert result.errors == []
    assert result.question_count == 6


def test_it_reports_a_yaml_syntax_error_at_its_line(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    write_bank(tmp_path, "01-pods", "uuid: x\ntitle: [oops\nquestions: []\n")
    [error] = errors_of(tmp_path)
    assert error.startswith("chapters/01-pods/quiz.yaml:3: YAML syntax error")


def test_it_reports_an_unknown_key_at_its_own_line(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    bank = bank_data()
    bank["questions"][0]["hint"] = "no such key"
    path = write_bank(tmp_path, "01-pods", bank)
    line = path.read_text().splitlines().index("  hint: no such key") + 1
    [error] = errors_of(tmp_path)
    assert error.startswith(
        f"chapters/01-pods/quiz.yaml:{line}: unknown key 'hint' in questions[0]"
    )


def test_it_reports_a_key_of_another_type(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    bank = bank_data([question_data("single", accept=["x"])])
    path = write_bank(tmp_path, "01-pods", bank)
    line = path.read_text().splitlines().index("  accept:") + 1
    [error] = errors_of(tmp_path)
    assert error == (
        f"chapters/01-pods/quiz.yaml:{line}: questions[0].accept: "
        "this key does not belong to a question of this type"
    )


def test_it_requires_the_keys_of_each_type(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    question = question_data("ordering")
    del question["items"]
    path = write_bank(tmp_path, "01-pods", bank_data([question]))
    line = path.read_text().splitlines().index(f"- uuid: {question['uuid']}") + 1
    [error] = errors_of(tmp_path)
    assert error.startswith(
        f"chapters/01-pods/quiz.yaml:{line}: questions[0]: 'items' is a required property"
    )


def test_a_single_choice_question_needs_exactly_one_correct_option(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    two = question_data("single")
    two["options"][1]["correct"] = True
    none = question_data("single")
    del none["options"][0]["correct"]
    path = write_bank(tmp_path, "01-pods", bank_data([two, none]))
    lines = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if line == "  options:"]
    assert errors_of(tmp_path) == [
        f"chapters/01-pods/quiz.yaml:{lines[0]}: a single-choice question needs exactly one correct option, not 2",
        f"chapters/01-pods/quiz.yaml:{lines[1]}: a single-choice question needs exactly one correct option, not 0",
    ]


def test_a_multiple_choice_question_needs_a_correct_option(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    question = question_data("multiple")
    for option in question["options"]:
        option.pop("correct", None)
    write_bank(tmp_path, "01-pods", bank_data([question]))
    [error] = errors_of(tmp_path)
    assert "needs at least one correct option" in error


def test_the_section_must_be_a_heading_of_the_chapter(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    path = write_bank(tmp_path, "01-pods", bank_data([question_data(section="first-sectoin")]))
    line = path.read_text().splitlines().index("  section: first-sectoin") + 1
    [error] = errors_of(tmp_path)
    assert error == (
        f"chapters/01-pods/quiz.yaml:{line}: section 'first-sectoin' is not a heading anchor "
        "of the chapter (did you mean 'first-section'?)"
    )


def test_an_invalid_pattern_is_reported(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    path = write_bank(
        tmp_path, "01-pods", bank_data([question_data("short_answer", pattern="port-(\\d+")])
    )
    line = next(i + 1 for i, text in enumerate(path.read_text().splitlines()) if "pattern:" in text)
    [error] = errors_of(tmp_path)
    assert error.startswith(
        f"chapters/01-pods/quiz.yaml:{line}: pattern is not a valid regular expression"
    )


def test_manifest_rules_must_compile(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    question = question_data("manifest")
    question["rules"][0]["expr"] = "spec.containers[?"
    path = write_bank(tmp_path, "01-pods", bank_data([question]))
    line = path.read_text().splitlines().index("  rules:") + 1
    [error] = errors_of(tmp_path)
    assert error.startswith(f"chapters/01-pods/quiz.yaml:{line}: rules: ")


def test_a_manifest_starter_must_not_already_pass(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    question = question_data("manifest")
    question["starter"] = question["starter"].replace("httpd", "nginx:1.27")
    path = write_bank(tmp_path, "01-pods", bank_data([question]))
    line = next(
        i + 1
        for i, text in enumerate(path.read_text().splitlines())
        if text.startswith("  starter:")
    )
    [error] = errors_of(tmp_path)
    assert (
        error
        == f"chapters/01-pods/quiz.yaml:{line}: the starter already passes every rule: there is nothing for the student to do"
    )


def test_uuids_are_unique_across_the_course(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    write_chapter(tmp_path, "02-nodes", number=2)
    shared = question_data()
    write_bank(tmp_path, "01-pods", bank_data([shared]))
    path = write_bank(tmp_path, "02-nodes", bank_data([dict(shared)]))
    line = path.read_text().splitlines().index(f"- uuid: {shared['uuid']}") + 1
    [error] = errors_of(tmp_path)
    assert error == (
        f"chapters/02-nodes/quiz.yaml:{line}: uuid {shared['uuid']} is already used in "
        f"{tmp_path.name}/chapters/01-pods/quiz.yaml"
    )


def test_uuids_are_unique_within_a_bank(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    first = question_data()
    second = question_data("true_false", uuid=first["uuid"])
    path = write_bank(tmp_path, "01-pods", bank_data([first, second]))
    lines = [i + 1 for i, text in enumerate(path.read_text().splitlines()) if first["uuid"] in text]
    [error] = errors_of(tmp_path)
    assert (
        error
        == f"chapters/01-pods/quiz.yaml:{lines[1]}: uuid {first['uuid']} is already used on line {lines[0]}"
    )


def test_questions_per_attempt_cannot_exceed_the_bank(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    path = write_bank(tmp_path, "01-pods", bank_data(questions_per_attempt=5))
    line = path.read_text().splitlines().index("questions_per_attempt: 5") + 1
    [error] = errors_of(tmp_path)
    assert (
        error
        == f"chapters/01-pods/quiz.yaml:{line}: questions_per_attempt is 5, but the bank has only 1 questions"
    )


def test_check_content_collects_errors_from_every_bank(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    write_chapter(tmp_path, "02-nodes", number=2)
    write_bank(tmp_path, "01-pods", bank_data(pass_mark=120))
    write_bank(tmp_path, "02-nodes", bank_data(layout="sideways"))
    report = check_content(tmp_path)
    assert [e.file.split("/")[-2] for e in report.errors] == ["01-pods", "02-nodes"]


@pytest.mark.django_db
def test_sync_keeps_attempts_and_unpublishes_removed_questions(tmp_path, alice):
    write_chapter(tmp_path, "01-pods", number=1)
    kept, dropped = question_data(), question_data("true_false")
    bank = bank_data([kept, dropped])
    write_bank(tmp_path, "01-pods", bank)
    assert load_content(tmp_path).report.ok
    quiz = Quiz.objects.get(uuid=bank["uuid"])
    question = Question.objects.get(uuid=dropped["uuid"])
    attempt = QuizAttempt.objects.create(user=alice, quiz=quiz, question_ids=[question.pk])
    Response.objects.create(
        attempt=attempt, question=question, response={"answer": True}, correct=False, points=0
    )

    bank["questions"] = [kept]
    kept["prompt"] = "A reworded prompt."
    write_bank(tmp_path, "01-pods", bank)
    stats = load_content(tmp_path).stats["quizzes"]
    assert (stats.updated, stats.questions_updated, stats.questions_unpublished) == (1, 1, 1)
    question.refresh_from_db()
    assert not question.is_published
    assert Response.objects.filter(question=question).count() == 1
    assert Question.objects.get(uuid=kept["uuid"]).prompt_html == "<p>A reworded prompt.</p>\n"


@pytest.mark.django_db
def test_sync_is_idempotent_and_keeps_option_ids(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    bank = bank_data()
    write_bank(tmp_path, "01-pods", bank)
    load_content(tmp_path)
    before = Question.objects.get(uuid=bank["questions"][0]["uuid"]).options
    assert load_content(tmp_path).stats["quizzes"].unchanged == 1
    bank["questions"][0]["options"][1]["explanation"] = "A better explanation."
    write_bank(tmp_path, "01-pods", bank)
    load_content(tmp_path)
    after = Question.objects.get(uuid=bank["questions"][0]["uuid"]).options
    assert [o["id"] for o in after] == [o["id"] for o in before]


@pytest.mark.django_db
def test_a_quiz_whose_file_is_gone_is_unpublished(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    path = write_bank(tmp_path, "01-pods", bank_data())
    load_content(tmp_path)
    path.unlink()
    assert load_content(tmp_path).stats["quizzes"].unpublished == 1
    assert not Quiz.objects.get(chapter__folder="01-pods").is_published


@pytest.mark.django_db
def test_sync_keeps_what_an_instructor_edited_in_the_browser(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    bank = bank_data()
    write_bank(tmp_path, "01-pods", bank)
    load_content(tmp_path)
    question = Question.objects.get(uuid=bank["questions"][0]["uuid"])
    Question.objects.filter(pk=question.pk).update(
        origin=Origin.BROWSER, prompt_html="<p>Mine</p>", source_hash="x"
    )
    bank["questions"][0]["prompt"] = "Changed in the file."
    write_bank(tmp_path, "01-pods", bank)
    assert load_content(tmp_path).stats["quizzes"].kept == 1
    question.refresh_from_db()
    assert question.prompt_html == "<p>Mine</p>"


@pytest.mark.django_db
def test_an_invalid_bank_loads_nothing(tmp_path):
    write_chapter(tmp_path, "01-pods", number=1)
    bank = bank_data(pass_mark="high")
    write_bank(tmp_path, "01-pods", bank)
    result = load_content(tmp_path)
    assert not result.report.ok
    assert not Quiz.objects.filter(uuid=bank["uuid"]).exists()
