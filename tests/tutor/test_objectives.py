"""Progress by objective (tutor/objectives.py): what practises each objective, and mastery."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exercises.models import Exercise
from exercises.services import exercise_attempt_submit
from labs.models import Lab, LabSubmission, SubmissionStatus
from lessons.models import Chapter
from quizzes.models import Question, Quiz
from quizzes.services import quiz_attempt_answer, quiz_attempt_start
from tutor import objectives

pytestmark = pytest.mark.django_db


def page(client, number):
    chapter = Chapter.objects.get(number=number)
    return client.get(reverse("objectives", args=[chapter.slug]))


def test_every_objective_is_listed_with_what_practises_it(client):
    response = page(client, 7)
    assert response.status_code == 200
    body = response.content.decode()
    chapter = Chapter.objects.get(number=7)
    for text in chapter.objectives:
        assert text in body
    # Objective 2 ("Read and write a manifest") is practised by both fixture exercises.
    objective_2 = body.split('id="objective-2"')[1].split('id="objective-3"')[0]
    for exercise in Exercise.objects.filter(chapter=chapter):
        assert exercise.title in objective_2
    assert "Log in to see your progress on each objective." in body
    assert "Mastered" not in body and "<meter" not in body


def test_an_objective_nothing_practises_says_so(client):
    body = page(client, 9).content.decode()
    first = body.split('id="objective-1"')[1].split('id="objective-2"')[0]
    assert "Nothing practises this objective yet" in first


def test_questions_count_per_objective_and_link_to_the_quiz(client):
    chapter = Chapter.objects.get(number=9)
    quiz = Quiz.objects.get(chapter=chapter)
    tied = [q for q in quiz.questions.published() if 6 in q.objectives]
    body = page(client, 9).content.decode()
    sixth = body.split('id="objective-6"')[1]
    assert f"{len(tied)} questions practise it." in sixth
    assert quiz.get_absolute_url() in sixth


def solve(user, exercise):
    return exercise_attempt_submit(user=user, exercise=exercise, manifest=exercise.solution)


def test_solving_the_exercises_of_an_objective_masters_it(alice_client, alice):
    chapter = Chapter.objects.get(number=7)
    exercises = [e for e in Exercise.objects.filter(chapter=chapter) if 2 in e.objectives]
    assert len(exercises) == 2
    body = page(alice_client, 7).content.decode()
    second = body.split('id="objective-2"')[1].split('id="objective-3"')[0]
    assert "Not started" in second and "You have shown 0 of its 2 practice items." in second
    solve(alice, exercises[0])
    second = page(alice_client, 7).content.decode().split('id="objective-2"')[1]
    second = second.split('id="objective-3"')[0]
    assert "Practising" in second and "You have shown 1 of its 2 practice items." in second
    assert 'value="1"' in second and "Solved" in second
    solve(alice, exercises[1])
    second = page(alice_client, 7).content.decode().split('id="objective-2"')[1]
    assert "Mastered" in second.split('id="objective-3"')[0]


def test_the_latest_answer_to_a_question_counts(alice):
    chapter = Chapter.objects.get(number=9)
    quiz = Quiz.objects.get(chapter=chapter)
    question = next(q for q in quiz.questions.published() if q.type == "single" and q.objectives)
    attempt, _ = quiz_attempt_start(user=alice, quiz=quiz)
    if question.pk not in attempt.question_ids:
        attempt.question_ids = [*attempt.question_ids, question.pk]
        attempt.save()
    right = next(o["id"] for o in question.options if o.get("correct"))
    quiz_attempt_answer(attempt=attempt, question=question, raw={"option": [right]})
    found = objectives.chapter_objectives(chapter=chapter, user=alice)
    tied = found[question.objectives[0] - 1]
    assert tied.questions_answered == 1 and tied.questions_right == 1
    assert tied.level in ("practising", "mastered")


def test_a_passed_lab_counts_for_each_of_its_objectives(alice):
    lab = Lab.objects.get(slug="webserver")
    LabSubmission.objects.create(
        user=alice, lab=lab, namespace="ns", status=SubmissionStatus.DONE, score=5,
        max_score=5, passed=True,
    )  # fmt: skip
    found = objectives.chapter_objectives(chapter=lab.chapter, user=alice)
    for number in lab.objectives:
        [result] = [r for r in found[number - 1].labs if r.lab == lab]
        assert result.passed and result.tried
    untouched = [o for o in found if o.number not in lab.objectives and o.labs]
    assert untouched == []


def test_a_lab_check_still_running_is_tried_but_not_passed(alice):
    lab = Lab.objects.get(slug="webserver")
    LabSubmission.objects.create(user=alice, lab=lab, namespace="ns")
    [result] = objectives.chapter_objectives(chapter=lab.chapter, user=alice)[0].labs
    assert result.tried and not result.passed and result.best is None


def test_levels():
    objective = objectives.ObjectiveProgress(number=1, text="x")
    assert objective.level == "none"
    objective.questions = list(Question.objects.all()[:5])
    assert objective.level == "new"
    objective.questions_answered, objective.questions_right = 2, 1
    assert objective.level == "practising"
    objective.questions_answered = objective.questions_right = 4
    assert objective.level == "mastered"  # 4 of 5 is 80%


def test_an_unknown_chapter_is_404(client):
    assert client.get("/chapters/no-such-chapter/objectives/").status_code == 404


def test_the_pages_cost_a_bounded_number_of_queries(
    alice_client, alice, django_assert_max_num_queries
):
    for exercise in Exercise.objects.all():
        solve(alice, exercise)
    with django_assert_max_num_queries(15):  # with the test's own chapter lookup
        page(alice_client, 9)
    with django_assert_max_num_queries(22):
        alice_client.get(reverse("profile"))


def test_the_profile_shows_exercises_labs_and_objectives(alice_client, alice):
    exercise = Exercise.objects.get(slug="nginx-deployment")
    solve(alice, exercise)
    lab = Lab.objects.get(slug="services")
    LabSubmission.objects.create(
        user=alice, lab=lab, namespace="ns", status=SubmissionStatus.DONE, score=3,
        max_score=9, passed=False,
    )  # fmt: skip
    body = alice_client.get(reverse("profile")).content.decode()
    exercises = body.split("<h2>Exercises</h2>")[1].split("</table>")[0]
    assert exercise.title in exercises and "Solved" in exercises
    for other in Exercise.objects.exclude(pk=exercise.pk):
        assert other.title in exercises
    labs = body.split("<h2>Labs</h2>")[1].split("</table>")[0]
    assert lab.title in labs and "Tried" in labs and "3 / 9" in labs
    assert Lab.objects.get(slug="webserver").title in labs
    chapter = Chapter.objects.get(number=7)
    assert reverse("objectives", args=[chapter.slug]) in body
    assert "Objectives mastered" in body
    assert reverse("review:page") in body


def test_the_chapter_page_links_to_its_objectives(client):
    chapter = Chapter.objects.get(number=9)
    body = client.get(chapter.get_absolute_url()).content.decode()
    assert reverse("objectives", args=[chapter.slug]) in body
