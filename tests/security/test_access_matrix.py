"""Who may open each object URL: the IDOR matrix, with zero leaks.

Every URL that names an object (a lab submission, an exercise attempt, a
quiz attempt, a kubeconfig) is requested by five people: nobody logged in,
the owner (alice), another student (bob), an instructor (carol) and a
superuser. Only the owner reads their own work here; instructors see
students' work through their classes' gradebook (the classes app has its
own matrix). Instructor pages answer 403 to students whatever the templates
show, and the admin is for staff only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import crypto
from quizzes.models import QuizAttempt
from tests.security.conftest import MARKER, Owned
from workspaces.models import StudentNamespace

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "owner", "other", "instructor", "superuser")
LOGIN = "login"  # a redirect to the login page
NAMESPACE = "lfs158-alice-5150abcdef"


@dataclass
class Case:
    name: str
    url: Callable[[Owned], str]
    expected: dict[str, int | str]
    method: str = "get"
    htmx: bool = False


OWNER_ONLY = {"anonymous": LOGIN, "owner": 200, "other": 404, "instructor": 404, "superuser": 404}
INSTRUCTORS = {"anonymous": LOGIN, "owner": 403, "other": 403, "instructor": 200, "superuser": 200}
STAFF = {"anonymous": LOGIN, "owner": LOGIN, "other": LOGIN, "instructor": LOGIN, "superuser": 200}


def _submission(o: Owned) -> str:
    return reverse("labs:submission", kwargs={"slug": o.lab.slug, "pk": o.submission.pk})


def _exercise_attempt(o: Owned) -> str:
    kwargs = {
        "chapter": o.exercise.chapter.slug,
        "slug": o.exercise.slug,
        "attempt_id": o.exercise_attempt.pk,
    }
    return reverse("exercises:attempt", kwargs=kwargs)


CASES = [
    Case("lab submission", _submission, OWNER_ONLY),
    Case("lab submission (htmx poll)", _submission, OWNER_ONLY, htmx=True),
    Case("exercise attempt", _exercise_attempt, OWNER_ONLY),
    Case(
        "quiz attempt",
        lambda o: reverse("quizzes:take", kwargs={"attempt_id": o.open_attempt.pk}),
        OWNER_ONLY,
    ),
    Case(
        "quiz result",
        lambda o: reverse("quizzes:review", kwargs={"attempt_id": o.finished_attempt.pk}),
        OWNER_ONLY,
    ),
    Case(
        "answer in someone's attempt",
        lambda o: reverse(
            "quizzes:answer",
            kwargs={"attempt_id": o.open_attempt.pk, "question_id": o.question.pk},
        ),
        {**OWNER_ONLY, "owner": 400},  # the owner sent no answer: refused, but theirs
        method="post",
    ),
    Case(
        "finish someone's attempt",
        lambda o: reverse("quizzes:finish", kwargs={"attempt_id": o.open_attempt.pk}),
        {**OWNER_ONLY, "owner": 302},
        method="post",
    ),
    Case(
        "kubeconfig download",
        lambda o: reverse("workspaces:kubeconfig", kwargs={"namespace": NAMESPACE}),
        OWNER_ONLY,
    ),
    Case("instructor quiz list", lambda o: reverse("instructor:list"), INSTRUCTORS),
    Case(
        "instructor quiz editor",
        lambda o: reverse("instructor:quiz", kwargs={"quiz_id": o.quiz.pk}),
        INSTRUCTORS,
    ),
    Case(
        "instructor question editor",
        lambda o: reverse(
            "instructor:question", kwargs={"quiz_id": o.quiz.pk, "question_id": o.question.pk}
        ),
        INSTRUCTORS,
    ),
    Case(
        "item statistics",
        lambda o: reverse("instructor:statistics", kwargs={"quiz_id": o.quiz.pk}),
        INSTRUCTORS,
    ),
    Case(
        "item statistics CSV",
        lambda o: reverse("instructor:statistics_csv", kwargs={"quiz_id": o.quiz.pk}),
        INSTRUCTORS,
    ),
    Case(
        "quiz export",
        lambda o: reverse("instructor:export", kwargs={"quiz_id": o.quiz.pk}),
        INSTRUCTORS,
    ),
    Case("quiz import", lambda o: reverse("instructor:import"), INSTRUCTORS),
    Case("new quiz", lambda o: reverse("instructor:create"), INSTRUCTORS),
    Case(
        "publish a quiz",
        lambda o: reverse("instructor:publish", kwargs={"quiz_id": o.quiz.pk}),
        {**INSTRUCTORS, "instructor": 302, "superuser": 302},
        method="post",
    ),
    Case("admin", lambda o: reverse("admin:index"), STAFF),
    Case(
        "admin: login failures",
        lambda o: reverse("admin:axes_accessattempt_changelist"),
        STAFF,
    ),
    Case(
        "admin: a user",
        lambda o: reverse("admin:auth_user_change", args=[o.submission.user_id]),
        STAFF,
    ),
]


@pytest.fixture
def classroom(settings, alice):  # type: ignore[no-untyped-def]
    """Classroom mode with alice's namespace already provisioned (no cluster needed to read it)."""
    settings.TUTOR_MODE = "classroom"
    StudentNamespace.objects.create(
        user=alice,
        cluster_server="https://127.0.0.1:16443",
        namespace=NAMESPACE,
        kubeconfig_encrypted=crypto.encrypt(f"users:\n- user:\n    token: {MARKER}\n"),
        token_expires_at=timezone.now() + timedelta(hours=6),
        provisioned_at=timezone.now(),
    )


@pytest.fixture
def clients(alice, bob, carol, superuser):  # type: ignore[no-untyped-def]
    made = {}
    for role, user in zip(ROLES, (None, alice, bob, carol, superuser), strict=True):
        client = Client()
        if user is not None:
            client.force_login(user)
        made[role] = client
    return made


def test_the_access_matrix_has_no_leaks(owned, classroom, clients):  # type: ignore[no-untyped-def]
    wrong, leaks = [], []
    for case in CASES:
        url = case.url(owned)
        for role in ROLES:
            extra = {"HTTP_HX_REQUEST": "true"} if case.htmx else {}
            response = getattr(clients[role], case.method)(url, **extra)
            expected = case.expected[role]
            got: int | str = response.status_code
            if expected == LOGIN:
                location = response.get("Location", "")
                got = LOGIN if response.status_code == 302 and "login" in location else got
            if got != expected:
                wrong.append(f"{case.name} as {role}: {got}, expected {expected}")
            body = response.content.decode(errors="replace")
            if role != "owner" and MARKER in body:
                leaks.append(f"{case.name} as {role}: shows the owner's data")
            # The 404 page repeats the path asked for, which the asker already knows.
            if role in ("other", "instructor") and "alice" in body.replace(url, ""):
                leaks.append(f"{case.name} as {role}: names the owner")
    assert wrong == []
    assert leaks == []


def test_the_owner_does_see_their_own_work(owned, classroom, clients):  # type: ignore[no-untyped-def]
    """The matrix above is only meaningful if the marker shows where it should."""
    owner = clients["owner"]
    assert MARKER in owner.get(_exercise_attempt(owned)).content.decode()
    download = owner.get(reverse("workspaces:kubeconfig", kwargs={"namespace": NAMESPACE}))
    assert download.status_code == 200
    assert MARKER in download.content.decode()
    assert download["Cache-Control"] == "no-store"


def test_another_students_posts_change_nothing(owned, clients):  # type: ignore[no-untyped-def]
    attempt = owned.open_attempt
    answer = reverse(
        "quizzes:answer", kwargs={"attempt_id": attempt.pk, "question_id": owned.question.pk}
    )
    for role in ("other", "instructor", "superuser"):
        clients[role].post(answer, {"option": "a", "answer": "x"})
        clients[role].post(reverse("quizzes:finish", kwargs={"attempt_id": attempt.pk}))
    attempt = QuizAttempt.objects.get(pk=attempt.pk)
    assert attempt.finished_at is None
    assert attempt.responses.count() == 0


def test_an_unknown_id_and_someone_elses_look_the_same(owned, clients):  # type: ignore[no-untyped-def]
    """A 404 for both, so ids cannot be probed for existence."""
    bob = clients["other"]
    theirs = bob.get(_submission(owned))
    missing = bob.get(
        reverse("labs:submission", kwargs={"slug": owned.lab.slug, "pk": owned.submission.pk + 999})
    )
    assert theirs.status_code == missing.status_code == 404

    def heading(response) -> list[str]:  # type: ignore[no-untyped-def]
        return re.findall(r"<(?:title|h1)>(.*?)</(?:title|h1)>", response.content.decode())

    assert heading(theirs) == heading(missing) != []
