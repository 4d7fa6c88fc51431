"""The access matrix of the instructor's classroom pages: operators, class instructors, students.

Everyone asks for everything: a visitor, a student of the class (alice), the
instructor of another class (dave), the class's instructor (carol) and the
operator (root). A class's LMS page answers 404 to an instructor who does
not teach it (not even that it exists), as the classes app does; what is
not a page (LTI endpoints hit by strangers) answers a clear 4xx, never a 500.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from classes import services as class_services
from lti.models import CourseClass
from tests.quizzes.factories import make_quiz

pytestmark = pytest.mark.django_db

LOGIN = "login"


@pytest.fixture
def dave(django_user_model):
    user = django_user_model.objects.create_user("dave", password="x")
    user.groups.add(Group.objects.get(name="instructors"))
    return user


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser("root", password="x")


@pytest.fixture
def other_cohort(dave, bob):
    other = class_services.cohort_create(name="Evening class", instructor=dave)
    class_services.cohort_join(user=bob, code=other.join_code)
    return other


@pytest.fixture
def linked(carol, alice):
    cohort = class_services.cohort_create(name="Kubernetes 101", instructor=carol)
    class_services.cohort_join(user=alice, code=cohort.join_code)
    """The class linked to an LMS course, as a first launch leaves it."""
    from lti_tool.models import LtiContext, LtiDeployment, LtiRegistration

    registration = LtiRegistration.objects.create(
        name="LMS", issuer="https://lms.example", client_id="c", auth_url="https://lms.example/a",
        token_url="https://lms.example/t", keyset_url="https://lms.example/k",
    )  # fmt: skip
    deployment = LtiDeployment.objects.create(registration=registration, deployment_id="1")
    context = LtiContext.objects.create(
        deployment=deployment, id_on_platform="course-1", title="LMS course"
    )
    return CourseClass.objects.create(context=context, cohort=cohort)


def expect(who: dict[str, int | str]) -> dict[str, int | str]:
    return {"anonymous": LOGIN, **who}


def test_the_classroom_pages_have_no_leaks(linked, alice, carol, dave, root, bob, other_cohort):
    klass = linked.cohort
    quiz = make_quiz()
    question = quiz.questions.get()
    teacher_only = expect({"alice": 403, "dave": 404, "carol": 200, "root": 200})
    teacher_posts = expect({"alice": 403, "dave": 404, "carol": 302, "root": 302})
    instructors = expect({"alice": 403, "dave": 200, "carol": 200, "root": 200})
    operators = expect({"alice": 403, "dave": 403, "carol": 403, "root": 200})
    cases = [
        ("get", reverse("lti_instructor:cohort", args=[klass.pk]), teacher_only),
        ("post", reverse("lti_instructor:roster_sync", args=[klass.pk]), teacher_posts),
        ("post", reverse("lti_instructor:score_resend", args=[klass.pk, 999]),
         expect({"alice": 403, "dave": 404, "carol": 404, "root": 404})),
        ("post", reverse("classes_instructor:invitation_create", args=[klass.pk]), teacher_only),
        ("get", reverse("classes_instructor:live", args=[klass.pk]), teacher_only),
        ("post", reverse("classes_instructor:exam_schedule", args=[klass.pk]), teacher_posts),
        ("post", reverse("classes_instructor:exam_unschedule", args=[klass.pk, 999]), teacher_posts),
        ("post", reverse("classes_instructor:exam_extension", args=[klass.pk, 999]), teacher_posts),
        ("get", reverse("classes_instructor:exam_attempt", args=[klass.pk, 999]),
         expect({"alice": 403, "dave": 404, "carol": 404, "root": 404})),
        ("get", reverse("classes_instructor:timeline", args=[klass.pk, alice.pk]), teacher_only),
        ("post", reverse("classes_instructor:policy_save", args=[klass.pk]), teacher_posts),
        ("post", reverse("classes_instructor:policy_delete", args=[klass.pk, 999]), teacher_posts),
        ("get", reverse("accounts:time_zone"),
         expect({"alice": 200, "dave": 200, "carol": 200, "root": 200})),
        ("get", reverse("accounts:instructors"), operators),
        ("get", reverse("instructor:question_form", args=[quiz.pk, question.pk]), instructors),
        ("post", reverse("instructor:question_check", args=[quiz.pk, question.pk]), instructors),
    ]  # fmt: skip
    users = {"alice": alice, "dave": dave, "carol": carol, "root": root}
    wrong, leaks = [], []
    for method, url, expected in cases:
        for who, status in expected.items():
            client = Client()
            if who != "anonymous":
                client.force_login(users[who])
            response = getattr(client, method)(url, {"source": "x"} if method == "post" else None)
            got: int | str = response.status_code
            if got == 302 and "/accounts/login/" in response.get("Location", ""):
                got = LOGIN
            if got != status:
                wrong.append(f"{method} {url} as {who}: {got}, expected {status}")
            if who in ("anonymous", "alice", "dave") and status != 200:
                body = response.content.decode(errors="replace")
                leaks += [
                    f"{url} as {who}" for secret in (klass.name, "LMS course") if secret in body
                ]
    assert wrong == []
    assert leaks == []


def test_lti_endpoints_answer_strangers_without_a_server_error(client):
    assert client.get(reverse("lti:launch")).status_code == 405
    launch = client.post(reverse("lti:launch"), {"id_token": "x.y.z", "state": "s"})
    assert launch.status_code == 403 and "LTI launch refused" in launch.content.decode()
    assert client.post(reverse("lti:launch")).status_code == 403
    assert client.post(reverse("lti:deep_link"), {"token": "x"}).status_code == 403
    assert client.get(reverse("lti:continue", args=["nope"])).status_code == 404
    assert client.get(reverse("lti:register")).status_code == 400
    bad = client.post(reverse("lti:register") + "?openid_configuration=ftp://x/")
    assert bad.status_code == 400 and "https" in bad.content.decode()
    login = reverse("lti:login", args=["00000000-0000-4000-8000-000000000000"])
    assert client.get(login).status_code == 400
    jwks = client.get(reverse("lti:jwks")).json()
    assert len(jwks["keys"]) == 1 and "d" not in jwks["keys"][0]  # public parts only


def test_the_lms_page_posts_need_the_csrf_token(linked, carol):
    client = Client(enforce_csrf_checks=True)
    client.force_login(carol)
    klass = linked.cohort
    for url in (
        reverse("lti_instructor:roster_sync", args=[klass.pk]),
        reverse("classes_instructor:invitation_create", args=[klass.pk]),
        reverse("classes_instructor:policy_save", args=[klass.pk]),
        reverse("accounts:instructors"),
        reverse("accounts:time_zone"),
    ):
        assert client.post(url, {"username": "alice"}).status_code == 403, url


def test_only_the_lti_protocol_endpoints_are_csrf_exempt():
    from django.urls import get_resolver

    from tests.security.test_csrf import walk

    exempt = {
        r.name
        for r in walk(get_resolver().url_patterns)
        if getattr(r.callback, "csrf_exempt", False)
    }
    assert exempt == set()  # the walker there leaves lti out; here, lti alone:
    lti = get_resolver().resolve("/lti/launch/").func
    assert getattr(lti, "csrf_exempt", False)
    page = get_resolver().resolve("/instructor/classes/1/lms/").func
    assert not getattr(page, "csrf_exempt", False)


def test_an_exam_attempt_is_its_owners_alone(alice, bob, carol, django_user_model):
    from exams.models import Exam, ExamAttempt

    exam = Exam.objects.create(
        uuid="5e7a3b0c-2f2d-4a57-9a51-6c1f7c1f2a10", slug="matrix-exam", title="Matrix exam",
        duration_minutes=10, pass_mark=50, instructions_html="", content_hash="x",
    )  # fmt: skip
    attempt = ExamAttempt.objects.create(
        user=alice, exam=exam, where="local", namespace="lfs158-exam-alicesecret",
        duration_minutes=10, status="in_progress",
    )  # fmt: skip
    root = django_user_model.objects.create_superuser("root", password="x")
    urls = [
        ("get", reverse("exams:attempt", args=[attempt.pk])),
        ("post", reverse("exams:flag", args=[attempt.pk])),
        ("post", reverse("exams:submit", args=[attempt.pk])),
        ("post", reverse("exams:answer", args=[attempt.pk])),
    ]
    for method, url in urls:
        for user in (bob, carol, root):
            client = Client()
            client.force_login(user)
            response = getattr(client, method)(url, {"task": "x"})
            assert response.status_code == 404, (url, user)
            assert "alicesecret" not in response.content.decode()
    owner = Client()
    owner.force_login(alice)
    assert "alicesecret" in owner.get(urls[0][1]).content.decode()
    attempt.refresh_from_db()
    assert attempt.status == "in_progress"
