from __future__ import annotations

import re

import pytest
from django.urls import reverse

from lessons.models import Chapter
from quizzes.models import Question, Quiz, QuizAttempt, Response
from quizzes.services import quiz_attempt_finish, quiz_attempt_start
from tests.quizzes.factories import make_quiz, option_id, question_data

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
ALL_TYPES = ["single", "multiple", "true_false", "short_answer", "ordering", "manifest"]


def answer_url(attempt, question):
    return reverse("quizzes:answer", args=[attempt.pk, question.pk])


def take_url(attempt, number=None):
    url = reverse("quizzes:take", args=[attempt.pk])
    return f"{url}?q={number}" if number else url


def test_the_start_page_invites_anonymous_readers_to_log_in(client):
    quiz = Quiz.objects.get(chapter__number=9)
    body = client.get(quiz.get_absolute_url()).content.decode()
    assert "Services quiz" in body and "Log in" in body and "Start the quiz" not in body


def test_starting_redirects_to_the_first_question(alice_client, alice):
    quiz = Quiz.objects.get(chapter__number=9)
    response = alice_client.post(reverse("quizzes:start", args=[quiz.pk]))
    attempt = QuizAttempt.objects.get(user=alice, quiz=quiz)
    assert response["Location"] == attempt.get_absolute_url()
    body = alice_client.get(response["Location"]).content.decode()
    assert "Question 1" in body and "of 10" in body
    assert body.count('<section id="question-') == 1


def test_starting_again_resumes(alice_client, alice):
    quiz = Quiz.objects.get(chapter__number=9)
    alice_client.post(reverse("quizzes:start", args=[quiz.pk]))
    assert "Continue your attempt" in alice_client.get(quiz.get_absolute_url()).content.decode()
    alice_client.post(reverse("quizzes:start", args=[quiz.pk]))
    assert QuizAttempt.objects.filter(user=alice).count() == 1


def test_an_htmx_answer_returns_only_the_question_with_its_feedback(alice_client, alice):
    quiz = make_quiz()
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    response = alice_client.post(
        answer_url(attempt, question), {"option": option_id(question, "Wrong")}, headers=HX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<section id="question-{question.pk}"')
    assert "<html" not in body
    assert "Not quite" in body and "0 / 1 point" in body
    for explanation in (
        "Right because.",
        "Wrong because.",
        "Also wrong because.",
        "Because of how Pods work.",
    ):
        assert explanation in body
    assert "See your score" in body
    assert '<div id="quiz-progress-box" hx-swap-oob="true">' in body and "1 of 1 answered" in body


def test_a_normal_post_answers_and_redirects_back_to_the_question(alice_client, alice):
    quiz = make_quiz(questions=[question_data(), question_data("true_false")])
    second = quiz.questions.all()[1]
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    response = alice_client.post(answer_url(attempt, second), {"answer": "false"})
    assert response.status_code == 302
    assert response["Location"] == f"{take_url(attempt, 2)}#question-{second.pk}"
    body = alice_client.get(take_url(attempt, 2)).content.decode()
    assert "Correct" in body and "1 / 1 point" in body
    assert "See your score" in body


def test_all_on_one_page_shows_every_question(alice_client, alice):
    quiz = make_quiz(questions=[question_data(k) for k in ALL_TYPES], layout="all-on-one-page")
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    body = alice_client.get(take_url(attempt)).content.decode()
    assert body.count('class="answer-form"') == 6
    assert 'data-editor="yaml"' in body and "codemirror-6.0.2.bundle.min" in body
    assert "Finish the quiz" in body


@pytest.mark.parametrize("layout", ["one-at-a-time", "all-on-one-page"])
def test_the_page_never_holds_the_answers_before_answering(alice_client, alice, layout):
    """Scan what the browser gets for every trace of the answer key."""
    quiz = make_quiz(questions=[question_data(k) for k in ALL_TYPES], layout=layout)
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    pages = [alice_client.get(take_url(attempt, n)).content.decode() for n in range(1, 7)]
    html = "\n".join(pages)
    assert "correct" not in html.lower().replace("incorrect", "")
    for question in quiz.questions.all():
        data = question.data
        assert question.explanation_html not in html
        for option in data.get("options", []):
            assert option["explanation"] not in html
            if option.get("correct"):
                # The id is on the page (it is what the form sends) but nothing ties it to "right".
                tags = re.findall(rf"<[^>]*{option['id']}[^>]*>", html)
                assert tags and all("correct" not in t and "data-" not in t for t in tags)
        for key in ("explanation_true", "explanation_false", "explanation"):
            if key in data:
                assert data[key].strip() not in html
        for accepted in data.get("accept", []):
            assert accepted not in html
        if question.type == "ordering":
            for page in pages:
                shown = re.findall(r'name="position-([0-9a-f]+)"', page)
                assert not shown or shown != question.item_ids
        if question.type == "manifest":
            assert data["rules"][0]["title"] not in html
        for option in question.rendered.get("options", {}).values():
            assert option["explanation"] not in html
    hidden_inputs = re.findall(r'<input[^>]*type="hidden"[^>]*>', html)
    assert all('name="csrfmiddlewaretoken"' in tag for tag in hidden_inputs)


def test_answering_every_type_through_the_views(alice_client, alice):
    quiz = make_quiz(questions=[question_data(k) for k in ALL_TYPES], layout="all-on-one-page")
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    single, multiple, true_false, short, ordering, manifest = quiz.questions.all()
    starter = manifest.data["starter"]
    posts = [
        (single, {"option": option_id(single, "Right")}),
        (multiple, {"option": [option_id(multiple, "A"), option_id(multiple, "C")]}),
        (true_false, {"answer": "false"}),
        (short, {"text": "  Kube-Proxy "}),
        (ordering, {f"position-{item}": str(i + 1) for i, item in enumerate(ordering.item_ids)}),
        (manifest, {"manifest": starter.replace("httpd", "nginx:1.27")}),
    ]
    for question, data in posts:
        assert alice_client.post(answer_url(attempt, question), data, headers=HX).status_code == 200
    points = dict(Response.objects.filter(attempt=attempt).values_list("question__type", "points"))
    assert points == {
        "single": 1,
        "multiple": 0,
        "true_false": 1,
        "short_answer": 1,
        "ordering": 1,
        "manifest": 1,
    }
    response = alice_client.post(reverse("quizzes:finish", args=[attempt.pk]))
    assert response["Location"] == reverse("quizzes:review", args=[attempt.pk])
    body = alice_client.get(response["Location"]).content.decode()
    assert "83% — passed" in body and "5 of 6 points" in body
    assert "Retake the quiz" in body


def test_partial_credit_shows_in_the_feedback(alice_client, alice):
    quiz = make_quiz(questions=[question_data("multiple", points=2)])
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    body = alice_client.post(
        answer_url(attempt, question), {"option": [option_id(question, "A")]}, headers=HX
    ).content.decode()
    assert "Partly right" in body and "1 / 2 points" in body


def test_a_finished_attempt_redirects_to_its_review(alice_client, alice):
    quiz = make_quiz()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    quiz_attempt_finish(attempt=attempt)
    response = alice_client.get(take_url(attempt))
    assert response["Location"] == reverse("quizzes:review", args=[attempt.pk])
    assert "Not answered" in alice_client.get(response["Location"]).content.decode()


@pytest.fixture
def tamper(alice, alice_client):
    quiz = make_quiz(
        questions=[question_data(), question_data("ordering"), question_data("true_false")]
    )
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    return quiz, attempt, alice_client


def unchanged(attempt):
    fresh = QuizAttempt.objects.get(pk=attempt.pk)
    return not fresh.responses.exists() and fresh.finished_at is None


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize(
    ("case", "status", "message"),
    [
        ("unknown option", 400, "That option is not part of this question."),
        ("two options for a single choice", 400, "Send exactly one option."),
        ("no option", 400, "Choose option first."),
        ("not true or false", 400, "Answer with true or false."),
        ("unknown ordering item", 400, "That item is not part of this question."),
        ("a repeated position", 400, "Give each item a different position from 1 to 4."),
        ("a position that is not a number", 400, "A position must be a number."),
        ("a question of another quiz", 400, "This question is not part of your attempt."),
        ("a question that does not exist", 400, "This question is not part of your attempt."),
    ],
)
def test_tampered_answers_are_refused_and_change_nothing(tamper, case, status, message, htmx):
    quiz, attempt, client = tamper
    single, ordering, true_false = quiz.questions.all()
    items = ordering.item_ids
    order = {f"position-{item}": str(i + 1) for i, item in enumerate(items)}
    cases = {
        "unknown option": (single, {"option": "deadbeef"}),
        "two options for a single choice": (
            single,
            {"option": [option_id(single, "Right"), option_id(single, "Wrong")]},
        ),
        "no option": (single, {}),
        "not true or false": (true_false, {"answer": "maybe"}),
        "unknown ordering item": (ordering, {**order, "position-cafebabe": "5"}),
        "a repeated position": (ordering, {**order, f"position-{items[0]}": "2"}),
        "a position that is not a number": (ordering, {**order, f"position-{items[0]}": "first"}),
        "a question of another quiz": (make_quiz().questions.get(), {"option": "x"}),
    }
    if case == "a question that does not exist":
        url = reverse("quizzes:answer", args=[attempt.pk, 999999])
        data = {"option": "x"}
    else:
        question, data = cases[case]
        url = answer_url(attempt, question)
    response = client.post(url, data, headers=HX if htmx else {})
    assert response.status_code == status
    assert message in response.content.decode()
    assert unchanged(attempt)


def test_another_users_attempt_is_404_everywhere(alice, bob, client):
    quiz = make_quiz()
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    client.force_login(bob)
    assert client.get(take_url(attempt)).status_code == 404
    assert (
        client.post(
            answer_url(attempt, question), {"option": option_id(question, "Right")}
        ).status_code
        == 404
    )
    assert client.post(reverse("quizzes:finish", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("quizzes:review", args=[attempt.pk])).status_code == 404
    assert unchanged(attempt)


def test_a_finished_attempt_answers_409(alice_client, alice):
    quiz = make_quiz()
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    quiz_attempt_finish(attempt=attempt)
    for headers in (HX, {}):
        response = alice_client.post(
            answer_url(attempt, question), {"option": option_id(question, "Right")}, headers=headers
        )
        assert response.status_code == 409
        assert "This attempt is finished" in response.content.decode()
    assert not Response.objects.filter(attempt=attempt).exists()


def test_a_second_answer_to_the_same_question_shows_the_first(alice_client, alice):
    quiz = make_quiz()
    question = quiz.questions.get()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    alice_client.post(
        answer_url(attempt, question), {"option": option_id(question, "Wrong")}, headers=HX
    )
    body = alice_client.post(
        answer_url(attempt, question), {"option": option_id(question, "Right")}, headers=HX
    ).content.decode()
    assert "Not quite" in body
    assert Response.objects.get(attempt=attempt).correct is False


def test_anonymous_users_must_log_in_to_answer(client, alice):
    quiz = make_quiz()
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    response = client.post(answer_url(attempt, quiz.questions.get()), {"option": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_manifest_validation_returns_findings_but_not_the_rules(alice_client):
    quiz = make_quiz(questions=[question_data("manifest")])
    question = quiz.questions.get()
    url = reverse("quizzes:validate", args=[question.pk])
    good = alice_client.post(
        url, {"manifest": question.data["starter"].replace("httpd", "nginx:1.27")}
    ).json()
    assert good == {"valid": True, "findings": [], "rules": []}
    bad = alice_client.post(url, {"manifest": "kind: [Pod"}).json()
    assert bad["valid"] is False and bad["findings"][0]["code"] == "yaml-syntax"
    other = Question.objects.filter(type="single").first()
    assert (
        alice_client.post(
            reverse("quizzes:validate", args=[other.pk]), {"manifest": ""}
        ).status_code
        == 404
    )


def test_the_chapter_page_shows_the_best_quiz_score(alice_client, alice):
    chapter = Chapter.objects.get(number=9)
    quiz = Quiz.objects.get(chapter=chapter)
    body = alice_client.get(chapter.get_absolute_url()).content.decode()
    assert 'id="chapter-quiz-heading"' in body and "Take the quiz" in body
    assert body.index("chapter-quiz-heading") < body.index('class="chapter-footer"')
    for percent in (40, 80, 60):
        QuizAttempt.objects.create(
            user=alice, quiz=quiz, question_ids=[], score=percent / 10, max_score=10,
            passed=percent >= 70, finished_at="2026-01-01T00:00Z",
        )  # fmt: skip
    body = alice_client.get(chapter.get_absolute_url()).content.decode()
    assert "Your best score: <strong>80%</strong>" in body and "Retake the quiz" in body


def test_the_profile_lists_the_best_quiz_scores(alice_client, alice):
    quiz = Quiz.objects.get(chapter__number=3)
    QuizAttempt.objects.create(
        user=alice, quiz=quiz, question_ids=[], score=9, max_score=10, passed=True,
        finished_at="2026-01-01T00:00Z",
    )  # fmt: skip
    body = alice_client.get("/accounts/profile/").content.decode()
    assert "Quiz results" in body
    assert '90%</a> <span class="badge done">Passed</span>' in body
    assert body.count("Not taken") == 3


def test_the_quiz_list_shows_every_quiz(client):
    body = client.get(reverse("quizzes:list")).content.decode()
    assert body.count('href="/quizzes/') == 4
