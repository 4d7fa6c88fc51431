from __future__ import annotations

import csv
import io

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lessons.models import Chapter
from quizzes.models import Origin, Question, Quiz, QuizAttempt, Response
from quizzes.statistics import quiz_stats
from tests.quizzes.factories import bank_data, make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db


def instructor_urls(quiz, question):
    return [
        ("get", reverse("instructor:list")),
        ("get", reverse("instructor:create")),
        ("post", reverse("instructor:create")),
        ("get", reverse("instructor:import")),
        ("post", reverse("instructor:import")),
        ("get", reverse("instructor:quiz", args=[quiz.pk])),
        ("post", reverse("instructor:quiz", args=[quiz.pk])),
        ("post", reverse("instructor:publish", args=[quiz.pk])),
        ("get", reverse("instructor:export", args=[quiz.pk])),
        ("get", reverse("instructor:statistics", args=[quiz.pk])),
        ("get", reverse("instructor:statistics_csv", args=[quiz.pk])),
        ("get", reverse("instructor:question_new", args=[quiz.pk])),
        ("post", reverse("instructor:question_new", args=[quiz.pk])),
        ("post", reverse("instructor:preview", args=[quiz.pk])),
        ("get", reverse("instructor:question", args=[quiz.pk, question.pk])),
        ("post", reverse("instructor:question", args=[quiz.pk, question.pk])),
        ("post", reverse("instructor:question_preview", args=[quiz.pk, question.pk])),
        ("post", reverse("instructor:question_publish", args=[quiz.pk, question.pk])),
    ]


def test_students_get_403_on_every_instructor_url(alice_client):
    quiz = Quiz.objects.get(chapter__number=9)
    question = quiz.questions.first()
    before = (quiz.is_published, question.is_published, Quiz.objects.count())
    for method, url in instructor_urls(quiz, question):
        response = getattr(alice_client, method)(url, {"published": "0", "title": "x"})
        assert response.status_code == 403, url
    quiz.refresh_from_db()
    question.refresh_from_db()
    assert (quiz.is_published, question.is_published, Quiz.objects.count()) == before


def test_anonymous_users_are_sent_to_log_in(client):
    quiz = Quiz.objects.get(chapter__number=9)
    for method, url in instructor_urls(quiz, quiz.questions.first()):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response["Location"].startswith(
            "/accounts/login/"
        ), url


def test_instructors_and_staff_get_in(carol_client, client, django_user_model):
    quiz = Quiz.objects.get(chapter__number=9)
    question = quiz.questions.first()
    for method, url in instructor_urls(quiz, question):
        if method == "get":
            assert carol_client.get(url).status_code == 200, url
    staff = django_user_model.objects.create_user("dave", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("instructor:list")).status_code == 200


def test_an_instructor_creates_a_quiz_adds_a_question_and_publishes(carol_client, alice):
    chapter = Chapter.objects.get(number=2)
    response = carol_client.post(
        reverse("instructor:create"),
        {
            "chapter": chapter.pk,
            "title": "Extra practice",
            "pass_mark": 50,
            "layout": "all-on-one-page",
        },
    )
    quiz = Quiz.objects.get(title="Extra practice")
    assert response["Location"] == reverse("instructor:quiz", args=[quiz.pk])
    assert not quiz.is_published and quiz.origin == Origin.BROWSER

    form = carol_client.get(reverse("instructor:question_new", args=[quiz.pk]) + "?type=true_false")
    source = form.context["form"]["source"].value()
    assert "type: true_false" in source
    response = carol_client.post(
        reverse("instructor:question_new", args=[quiz.pk]), {"source": source}
    )
    question = quiz.questions.get()
    assert response["Location"].endswith(f"#question-{question.pk}")
    assert question.origin == Origin.BROWSER and question.type == "true_false"

    carol_client.post(reverse("instructor:publish", args=[quiz.pk]), {"published": "1"})
    quiz.refresh_from_db()
    assert quiz.is_published
    student = Client()
    student.force_login(alice)
    assert "Start the quiz" in student.get(quiz.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "kind", ["single", "multiple", "true_false", "short_answer", "ordering", "manifest"]
)
def test_every_new_question_template_is_valid(carol_client, kind):
    quiz = Quiz.objects.get(chapter__number=9)
    form = carol_client.get(reverse("instructor:question_new", args=[quiz.pk]), {"type": kind})
    assert form.context["preview"]["errors"] == []
    assert 'id="preview"' in form.content.decode()


def test_editing_a_question_checks_it_like_the_loader(carol_client):
    quiz = Quiz.objects.get(chapter__number=9)
    question = quiz.questions.filter(type="single").first()
    url = reverse("instructor:question", args=[quiz.pk, question.pk])
    source = carol_client.get(url).context["form"]["source"].value()
    broken = source.replace("correct: true", "correct: false")
    response = carol_client.post(url, {"source": broken})
    assert response.status_code == 200
    line = broken.splitlines().index("options:") + 1
    assert (
        f"line {line}: a single-choice question needs exactly one correct option, not 0"
        in response.content.decode()
    )
    question.refresh_from_db()
    assert question.origin == Origin.FILE

    edited = source.replace("difficulty: easy", "difficulty: hard").replace(
        "difficulty: medium", "difficulty: hard"
    )
    carol_client.post(url, {"source": edited})
    question.refresh_from_db()
    assert question.difficulty == "hard" and question.origin == Origin.BROWSER


def test_the_uuid_of_a_question_cannot_change(carol_client):
    quiz = Quiz.objects.get(chapter__number=9)
    question = quiz.questions.first()
    url = reverse("instructor:question", args=[quiz.pk, question.pk])
    source = carol_client.get(url).context["form"]["source"].value()
    changed = source.replace(str(question.uuid), "00000000-0000-4000-8000-000000000000")
    assert "the uuid cannot change" in carol_client.post(url, {"source": changed}).content.decode()


def test_the_live_preview_renders_the_question_or_its_errors(carol_client):
    quiz = Quiz.objects.get(chapter__number=9)
    question = quiz.questions.filter(type="single").first()
    url = reverse("instructor:question_preview", args=[quiz.pk, question.pk])
    source = (
        carol_client.get(reverse("instructor:question", args=[quiz.pk, question.pk]))
        .context["form"]["source"]
        .value()
    )
    body = carol_client.post(
        url, {"source": source}, headers={"HX-Request": "true"}
    ).content.decode()
    assert body.lstrip().startswith('<section id="preview"') and "<html" not in body
    assert question.prompt_html.split("\n")[0] in body
    assert "Feedback for the right answer" in body
    body = carol_client.post(
        url, {"source": "type: [single"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "line 1: YAML syntax error" in body


def test_publishing_and_unpublishing_a_question(carol_client):
    quiz = Quiz.objects.get(chapter__number=9)
    question = quiz.questions.first()
    carol_client.post(
        reverse("instructor:question_publish", args=[quiz.pk, question.pk]), {"published": "0"}
    )
    question.refresh_from_db()
    assert not question.is_published and question.origin == Origin.BROWSER


def test_an_import_with_errors_is_rejected_whole_with_line_numbers(carol_client):
    chapter = Chapter.objects.get(number=1)
    good, bad = question_data(section="summary"), question_data(section="summary")
    bad["options"][1]["correct"] = True
    text = yaml.safe_dump(bank_data([good, bad]), sort_keys=False)
    response = carol_client.post(
        reverse("instructor:import"), {"chapter": chapter.pk, "text": text}
    )
    assert response.status_code == 400
    line = [i + 1 for i, t in enumerate(text.splitlines()) if t == "  options:"][1]
    assert (
        f"pasted bank:{line}: a single-choice question needs exactly one correct option, not 2"
        in response.content.decode()
    )
    assert not Question.objects.filter(uuid=good["uuid"]).exists()


def test_an_import_that_reuses_another_quizs_question_uuid_is_rejected(carol_client):
    chapter = Chapter.objects.get(number=1)
    taken = Quiz.objects.get(chapter__number=9).questions.first()
    text = yaml.safe_dump(bank_data([question_data(section="summary", uuid=str(taken.uuid))]))
    response = carol_client.post(
        reverse("instructor:import"), {"chapter": chapter.pk, "text": text}
    )
    assert (
        response.status_code == 400
        and "already belongs to Services quiz" in response.content.decode()
    )


def test_an_uploaded_bank_is_imported_and_kept_by_load_content(carol_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tutor.content.registry import load_content

    chapter = Chapter.objects.get(number=1)
    bank = bank_data(
        [question_data(section="summary"), question_data("ordering", section="summary")]
    )
    upload = SimpleUploadedFile("quiz.yaml", yaml.safe_dump(bank).encode())
    response = carol_client.post(
        reverse("instructor:import"), {"chapter": chapter.pk, "file": upload}
    )
    quiz = Quiz.objects.get(uuid=bank["uuid"])
    assert response["Location"] == reverse("instructor:quiz", args=[quiz.pk])
    assert quiz.questions.published().count() == 2 and quiz.origin == Origin.BROWSER
    load_content()
    assert Quiz.objects.get(uuid=bank["uuid"]).is_published


def test_the_settings_form_saves_and_marks_the_quiz_as_edited(carol_client):
    quiz = Quiz.objects.get(chapter__number=9)
    carol_client.post(
        reverse("instructor:quiz", args=[quiz.pk]),
        {"chapter": quiz.chapter_id, "title": "Services, again", "pass_mark": 80,
         "questions_per_attempt": 5, "layout": "all-on-one-page"},
    )  # fmt: skip
    quiz.refresh_from_db()
    assert (quiz.title, quiz.pass_mark, quiz.layout, quiz.origin) == (
        "Services, again",
        80,
        "all-on-one-page",
        "browser",
    )
    response = carol_client.post(
        reverse("instructor:quiz", args=[quiz.pk]),
        {
            "chapter": quiz.chapter_id,
            "title": "x",
            "pass_mark": 101,
            "questions_per_attempt": 99,
            "layout": "all-on-one-page",
        },
    )
    assert "A pass mark is a percentage from 1 to 100." in response.content.decode()
    assert "The quiz has only 13 published questions." in response.content.decode()


def seed_statistics(users):
    """Ten finished attempts scoring 1..10 out of 10, with hand-picked answers."""
    questions = [question_data(), question_data("true_false"), question_data(), question_data()]
    quiz = make_quiz(questions=questions)
    q1, q2, q3, q4 = quiz.questions.all()
    attempts = []
    for i, user in enumerate(users, start=1):
        attempts.append(QuizAttempt.objects.create(
            user=user, quiz=quiz, question_ids=[q.pk for q in (q1, q2, q3, q4)],
            score=i, max_score=10, finished_at=timezone.now(),
        ))  # fmt: skip

    def respond(question, attempt, correct, response):
        Response.objects.create(
            attempt=attempt,
            question=question,
            correct=correct,
            points=int(correct),
            response=response,
        )

    for i, attempt in enumerate(attempts, start=1):
        right = i >= 4  # q1: the seven best are right
        respond(q1, attempt, right, {"option": option_id(q1, "Right" if right else "Wrong")})
        right = i in (1, 2, 3, 5)  # q2: the weakest are right
        respond(q2, attempt, right, {"answer": not right})  # the answer is false
        respond(q3, attempt, True, {"option": option_id(q3, "Right")})
        if i >= 9:
            respond(q4, attempt, False, {"option": option_id(q4, "Also wrong")})
    # An unfinished attempt does not count.
    QuizAttempt.objects.create(user=users[0], quiz=quiz, question_ids=[q1.pk])
    return quiz


@pytest.fixture
def ten_students(django_user_model):
    return [django_user_model.objects.create_user(f"s{i}", password="x") for i in range(10)]


def test_item_statistics_match_a_hand_computed_example(ten_students):
    stats = quiz_stats(seed_statistics(ten_students))
    assert (stats.finished, stats.group_size) == (10, 3)  # round(0.27 * 10)
    q1, q2, q3, q4 = stats.items
    assert (q1.attempts, q1.facility, q1.discrimination, q1.flags) == (10, 70.0, 1.0, [])
    assert q1.choices == [("Right", 7), ("Wrong", 3), ("Also wrong", 0)]
    assert (q2.facility, q2.discrimination, q2.flags) == (40.0, -1.0, ["negative discrimination"])
    assert q2.choices == [("True", 6), ("False", 4)]
    assert (q3.facility, q3.discrimination, q3.flags) == (100.0, 0.0, ["too easy"])
    # Only the two best answered q4: no lower group, so no discrimination; and two
    # answers are too few to call it too hard (MIN_ANSWERS).
    assert (q4.attempts, q4.facility, q4.discrimination, q4.flags) == (2, 0.0, None, [])
    assert not q4.enough and q4.answers_missing == 8 and q4.shown_facility is None


def test_item_statistics_page_and_csv(carol_client, ten_students):
    quiz = seed_statistics(ten_students)
    body = carol_client.get(reverse("instructor:statistics", args=[quiz.pk])).content.decode()
    assert "10 finished attempts" in body and "negative discrimination" in body
    assert '<span class="flag">too hard</span>' not in body and "8 more needed" in body
    response = carol_client.get(reverse("instructor:statistics_csv", args=[quiz.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["facility_percent"], r["discrimination"], r["flags"]) for r in rows] == [
        ("70.0", "1.00", ""),
        ("40.0", "-1.00", "negative discrimination"),
        ("100.0", "0.00", "too easy"),
        ("", "", ""),
    ]
    assert [r["enough_answers"] for r in rows] == ["yes", "yes", "yes", "no (needs 10)"]
    assert rows[0]["choices"] == "Right = 7; Wrong = 3; Also wrong = 0"


def test_statistics_of_a_quiz_nobody_took(carol_client):
    quiz = make_quiz()
    stats = quiz_stats(quiz)
    assert stats.finished == 0 and stats.items[0].facility is None
    assert carol_client.get(reverse("instructor:statistics", args=[quiz.pk])).status_code == 200
