"""Who may reach which classes URL (the IDOR matrix), and CSRF on every state change.

Every URL is requested by everyone: a visitor, the student in the class,
a student in another class, the instructor of another class, the class's
instructor and the operator. Nothing of the class (its name, its code, its
students) may show in an answer to someone who may not see it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from classes.models import Cohort, Membership
from labs.models import LabSubmission
from tests.classes.conftest import make_lab, make_submission

pytestmark = pytest.mark.django_db

CHECK = {"id": "exists", "title": "Deployment web", "select": {"kind": "Deployment", "name": "web"}, "count": {"equals": 1}}  # fmt: skip
RESULT = {"id": "exists", "title": "Deployment web", "passed": True, "points": 1, "max_points": 1, "message": "ok", "hint": "", "evidence": {}}  # fmt: skip


@dataclass
class World:
    cohort: Cohort
    other: Cohort
    submission: LabSubmission
    other_submission: LabSubmission


@pytest.fixture
def world(cohort, other_cohort, alice, bob) -> World:  # type: ignore[no-untyped-def]
    lab = make_lab([CHECK])
    return World(
        cohort=cohort,
        other=other_cohort,
        submission=make_submission(user=alice, lab=lab, results=[RESULT]),
        other_submission=make_submission(user=bob, lab=lab, results=[RESULT]),
    )


def instructor_urls(w: World, alice_id: int) -> list[tuple[str, str]]:
    """(method, url) of every instructor URL of the cohort and its objects."""
    pk = w.cohort.pk
    gets = [
        reverse("classes_instructor:cohort", args=[pk]),
        reverse("classes_instructor:gradebook_csv", args=[pk]),
        reverse("classes_instructor:gradebook_json", args=[pk]),
        reverse("classes_instructor:student", args=[pk, alice_id]),
        reverse("classes_instructor:submission", args=[pk, w.submission.pk]),
    ]
    posts = [
        reverse("classes_instructor:code_rotate", args=[pk]),
        reverse("classes_instructor:code_expiry", args=[pk]),
        reverse("classes_instructor:quota", args=[pk]),
        reverse("classes_instructor:provision", args=[pk]),
        reverse("classes_instructor:cleanup", args=[pk]),
        reverse("classes_instructor:regrade", args=[pk, w.submission.pk]),
        reverse("classes_instructor:end", args=[pk]),
        reverse("classes_instructor:reopen", args=[pk]),
        reverse("classes_instructor:instructor_add", args=[pk]),
        reverse("classes_instructor:lab_regrade", args=[pk]),
        # Last: it takes alice out of the class.
        reverse("classes_instructor:remove", args=[pk, alice_id]),
    ]
    return [("get", u) for u in gets] + [("post", u) for u in posts]


def secrets_of(w: World) -> list[str]:
    """What only those who may see the class may read."""
    w.cohort.refresh_from_db()
    return [w.cohort.name, w.cohort.join_code, w.cohort.join_code_display]


def request(client: Client, method: str, url: str):  # type: ignore[no-untyped-def]
    data = (
        {"expires_in": "", "pods": "", "cpu": "", "memory": "", "username": "nobody", "lab": "1"}
        if method == "post"
        else None
    )
    return getattr(client, method)(url, data)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("alice", 403),  # a student of the class: no instructor page
        ("bob", 403),  # a student of another class
        ("dave", 404),  # the instructor of another class: not even that it exists
        ("carol", None),  # the class's instructor
        ("root", None),  # the operator
    ],
)
def test_the_idor_matrix_of_instructor_urls(
    persona, expected, world, alice, bob, carol, dave, root, client, settings
):
    settings.TUTOR_MODE = "local"  # namespace actions answer without a cluster
    users = {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "root": root}
    if persona != "anonymous":
        client.force_login(users[persona])
    leaks = []
    for method, url in instructor_urls(world, alice.pk):
        response = request(client, method, url)
        body = response.content.decode(errors="replace")
        if expected is None:
            allowed = 200 if method == "get" else 302
            assert response.status_code == allowed, (persona, method, url, response.status_code)
            continue
        assert response.status_code == expected, (persona, method, url, response.status_code)
        if expected == 302:
            assert response["Location"].startswith(reverse("login")), url
        leaks += [(url, s) for s in secrets_of(world) if s in body]
        if persona != "alice":
            leaks += [(url, "alice") for _ in [1] if ">alice<" in body or '"alice"' in body]
    assert leaks == []
    # Nothing changed for those who were refused.
    world.cohort.refresh_from_db()
    if expected is not None:
        assert world.cohort.ended_at is None
        assert not world.submission.regrades.exists()
        assert Membership.objects.filter(cohort=world.cohort, user=alice).exists()
        assert list(world.cohort.instructors.all()) == [carol]


@pytest.mark.parametrize("persona", ["carol", "root"])
def test_the_class_lists_show_exactly_whose_they_are(persona, world, carol, root, client):
    client.force_login({"carol": carol, "root": root}[persona])
    page = client.get(reverse("classes_instructor:list")).content.decode()
    assert "Kubernetes 101" in page
    # The operator sees every class; an instructor only their own.
    assert ("Evening class" in page) is (persona == "root")


def test_objects_of_another_class_are_not_reached_through_ones_own(world, bob, carol, client):
    """carol teaches a class; asking for bob (in dave's class) through it is a 404."""
    client.force_login(carol)
    pk = world.cohort.pk
    for url in [
        reverse("classes_instructor:student", args=[pk, bob.pk]),
        reverse("classes_instructor:submission", args=[pk, world.other_submission.pk]),
        reverse("classes_instructor:student", args=[pk, 999_999]),
        reverse("classes_instructor:submission", args=[pk, 999_999]),
        reverse("classes_instructor:cohort", args=[world.other.pk]),
        reverse("classes_instructor:gradebook_csv", args=[world.other.pk]),
        reverse("classes_instructor:cohort", args=[999_999]),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "bob" not in response.content.decode().split("</header>", 1)[1], url
    response = client.post(
        reverse("classes_instructor:regrade", args=[pk, world.other_submission.pk])
    )
    assert response.status_code == 404
    assert not world.other_submission.regrades.exists()


def test_a_student_who_left_is_out_of_the_instructors_reach(world, alice, carol, client):
    Membership.objects.filter(user=alice).delete()
    client.force_login(carol)
    pk = world.cohort.pk
    assert client.get(reverse("classes_instructor:student", args=[pk, alice.pk])).status_code == 404
    url = reverse("classes_instructor:submission", args=[pk, world.submission.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("persona", "expected"), [("anonymous", 302), ("alice", 302), ("bob", 404), ("dave", 404)]
)
def test_the_idor_matrix_of_student_urls(persona, expected, world, alice, bob, dave, client):
    users = {"alice": alice, "bob": bob, "dave": dave}
    if persona != "anonymous":
        client.force_login(users[persona])
    response = client.post(reverse("classes:leave", args=[world.cohort.pk]))
    assert response.status_code == expected
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    assert Membership.objects.filter(user=alice).exists() is (persona != "alice")
    # My classes shows one's own classes only.
    if persona != "anonymous":
        page = client.get(reverse("classes:mine")).content.decode()
        # alice just left; the others never were in it.
        assert reverse("classes:leave", args=[world.cohort.pk]) not in page


# --- CSRF and methods -------------------------------------------------------------------


def state_changing_urls(w: World, alice_id: int) -> list[str]:
    return [u for m, u in instructor_urls(w, alice_id) if m == "post"] + [
        reverse("classes_instructor:create"),
    ]


def test_state_changing_urls_refuse_get(world, alice, carol, client):
    client.force_login(carol)
    for url in [u for u in state_changing_urls(world, alice.pk) if not u.endswith("/new/")]:
        assert client.get(url).status_code == 405, url
    client.force_login(alice)
    assert client.get(reverse("classes:join")).status_code == 405
    assert client.get(reverse("classes:leave", args=[world.cohort.pk])).status_code == 405


def test_every_state_change_needs_the_csrf_token(world, alice, carol, settings):
    settings.TUTOR_MODE = "local"
    instructor = Client(enforce_csrf_checks=True)
    instructor.force_login(carol)
    for url in state_changing_urls(world, alice.pk):
        assert instructor.post(url, {"name": "x", "expires_in": ""}).status_code == 403, url
    student = Client(enforce_csrf_checks=True)
    student.force_login(alice)
    code = world.other.join_code
    assert student.post(reverse("classes:join"), {"code": code}).status_code == 403
    assert student.post(reverse("classes:leave", args=[world.cohort.pk])).status_code == 403
    world.cohort.refresh_from_db()
    assert world.cohort.ended_at is None and Membership.objects.filter(user=alice).count() == 1

    # With the token from the page (as the form and htmx's header send it), they work.
    student.get(reverse("classes:mine"))
    token = student.cookies["csrftoken"].value
    response = student.post(reverse("classes:join"), {"code": code, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    instructor.get(reverse("classes_instructor:list"))
    token = instructor.cookies["csrftoken"].value
    response = instructor.post(
        reverse("classes_instructor:end", args=[world.cohort.pk]), HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 302
    world.cohort.refresh_from_db()
    assert world.cohort.ended_at is not None
