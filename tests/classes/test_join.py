"""Students join, list and leave classes; instructors create, renew codes, set expiry, end."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from classes import codes, services
from classes.models import Cohort, Membership

pytestmark = pytest.mark.django_db


def join(client, code: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("classes:join"), {"code": code})


# --- codes --------------------------------------------------------------------------------


def test_codes_are_short_and_unambiguous():
    drawn = {codes.new_join_code() for _ in range(500)}
    assert len(drawn) == 500
    for code in drawn:
        assert len(code) == codes.LENGTH
        assert set(code) <= set(codes.ALPHABET)
    assert not set("0O1IL") & set(codes.ALPHABET)


@pytest.mark.parametrize(
    "typed", ["BCDF2345", "bcdf-2345", " bcdf 2345 ", "BCDF_2345", "bc-df-23-45", "bcdf.2345"]
)
def test_students_may_type_a_code_loosely(typed):
    assert codes.normalize_join_code(typed) == "BCDF2345"


# --- joining ------------------------------------------------------------------------------


def test_it_joins_with_the_code_as_the_instructor_shows_it(alice_client, alice, carol):
    cohort = services.cohort_create(name="Kubernetes 101", instructor=carol)
    response = join(alice_client, cohort.join_code_display.lower())
    assert response.status_code == 302 and response["Location"] == reverse("classes:mine")
    assert Membership.objects.filter(cohort=cohort, user=alice).exists()
    page = alice_client.get(reverse("classes:mine")).content.decode()
    assert "You joined the class “Kubernetes 101”." in page
    assert "Kubernetes 101" in page and "carol" in page


def test_a_shared_link_fills_in_the_code_but_does_not_join(alice_client, alice, carol):
    cohort = services.cohort_create(name="Kubernetes 101", instructor=carol)
    page = alice_client.get(reverse("classes:mine"), {"code": cohort.join_code_display})
    assert f'value="{cohort.join_code_display}"' in page.content.decode()
    assert not Membership.objects.filter(user=alice).exists()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the join code your instructor gave you."),
        ("   ", "Enter the join code your instructor gave you."),
        ("BCD", "A join code has 8 letters and digits, like BCDF-2345; this has 3."),
        ("X" * 33, "That is too long for a join code"),
        ("A" * 100_000, "That is too long for a join code"),
        ("BCDF!234", "A join code has only letters and digits"),
        ("ÀBCDÉ234", "A join code has only letters and digits"),
        ("<script>", "A join code has only letters and digits"),
        ("ZZZZ-ZZZZ", "No class has this join code."),
    ],
)
def test_bad_codes_get_a_clear_error_and_no_membership(alice_client, alice, code, message):
    response = join(alice_client, code)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "<script>" not in page.split("</header>", 1)[1]
    assert not Membership.objects.filter(user=alice).exists()


def test_a_missing_field_is_the_same_clear_error(alice_client):
    response = alice_client.post(reverse("classes:join"), {})
    assert response.status_code == 400
    assert "Enter the join code your instructor gave you." in response.content.decode()


def test_an_expired_code_is_refused(alice_client, alice, carol):
    cohort = services.cohort_create(name="Kubernetes 101", instructor=carol)
    services.join_code_set_expiry(cohort=cohort, expires_at=timezone.now() - timedelta(seconds=1))
    response = join(alice_client, cohort.join_code)
    assert response.status_code == 400
    assert "This join code has expired." in response.content.decode()
    assert not Membership.objects.filter(user=alice).exists()


def test_an_ended_class_takes_no_one(alice_client, alice, carol):
    cohort = services.cohort_create(name="Kubernetes 101", instructor=carol)
    services.cohort_end(cohort=cohort)
    response = join(alice_client, cohort.join_code)
    assert "The class “Kubernetes 101” has ended" in response.content.decode()
    assert not Membership.objects.filter(user=alice).exists()


def test_joining_twice_says_so(alice_client, alice, cohort):
    response = join(alice_client, cohort.join_code)
    assert response.status_code == 400
    assert "You are already in the class “Kubernetes 101”." in response.content.decode()
    assert Membership.objects.filter(user=alice).count() == 1


def test_guessing_codes_is_stopped_after_ten_failures(alice_client, alice, carol):
    cohort = services.cohort_create(name="Kubernetes 101", instructor=carol)
    for _ in range(services.JOIN_FAILURES_ALLOWED):
        assert join(alice_client, "ZZZZZZZZ").status_code == 400
    # Even the right code waits now.
    response = join(alice_client, cohort.join_code)
    assert "Too many join codes that did not work" in response.content.decode()
    assert not Membership.objects.filter(user=alice).exists()


def test_joining_needs_an_account(client, carol):
    cohort = services.cohort_create(name="Kubernetes 101", instructor=carol)
    response = join(client, cohort.join_code)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- leaving ------------------------------------------------------------------------------


def test_a_student_leaves_a_class(alice_client, alice, cohort):
    response = alice_client.post(reverse("classes:leave", args=[cohort.pk]), follow=True)
    assert "You left the class “Kubernetes 101”." in response.content.decode()
    assert not Membership.objects.filter(user=alice).exists()


def test_an_ended_class_cannot_be_left(alice_client, alice, cohort):
    services.cohort_end(cohort=cohort)
    response = alice_client.post(reverse("classes:leave", args=[cohort.pk]), follow=True)
    assert "its record stays with your instructor" in response.content.decode()
    assert Membership.objects.filter(user=alice).exists()


def test_leaving_a_class_one_is_not_in_is_a_404(client, bob, cohort):
    client.force_login(bob)
    assert client.post(reverse("classes:leave", args=[cohort.pk])).status_code == 404
    assert client.post(reverse("classes:leave", args=[999_999])).status_code == 404


# --- the instructor's side ----------------------------------------------------------------


def test_an_instructor_creates_a_class_and_teaches_it(carol_client, carol):
    response = carol_client.post(reverse("classes_instructor:create"), {"name": "Spring 2027"})
    cohort = Cohort.objects.get(name="Spring 2027")
    assert response.status_code == 302 and response["Location"] == cohort.get_absolute_url()
    assert list(cohort.instructors.all()) == [carol]
    page = carol_client.get(cohort.get_absolute_url()).content.decode()
    assert cohort.join_code_display in page and "No students yet" in page


def test_a_class_needs_a_name(carol_client):
    response = carol_client.post(reverse("classes_instructor:create"), {"name": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    too_long = carol_client.post(reverse("classes_instructor:create"), {"name": "x" * 121})
    assert "at most 120 characters" in too_long.content.decode()
    assert not Cohort.objects.exists()


def test_renewing_the_code_retires_the_old_one(carol_client, client, alice, bob, cohort):
    old = cohort.join_code
    response = carol_client.post(
        reverse("classes_instructor:code_rotate", args=[cohort.pk]), {"expires_in": "7d"}
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.join_code != old
    expires = cohort.join_code_expires_at
    assert expires is not None
    assert timedelta(days=6, hours=23) < expires - timezone.now() <= timedelta(days=7)

    client.force_login(bob)
    assert "No class has this join code." in join(client, old).content.decode()
    assert join(client, cohort.join_code).status_code == 302
    assert Membership.objects.filter(cohort=cohort, user=bob).exists()
    # alice, who joined with the old code, is still in.
    assert Membership.objects.filter(cohort=cohort, user=alice).exists()


def test_expiry_can_be_set_and_lifted_without_a_new_code(carol_client, cohort):
    code = cohort.join_code
    url = reverse("classes_instructor:code_expiry", args=[cohort.pk])
    carol_client.post(url, {"expires_in": "1h"})
    cohort.refresh_from_db()
    assert cohort.join_code == code and cohort.join_code_expires_at is not None
    carol_client.post(url, {"expires_in": ""})
    cohort.refresh_from_db()
    assert cohort.join_code_expires_at is None
    response = carol_client.post(url, {"expires_in": "forever"}, follow=True)
    assert "Choose when the code expires." in response.content.decode()


def test_ending_and_reopening_a_class(carol_client, cohort):
    carol_client.post(reverse("classes_instructor:end", args=[cohort.pk]))
    cohort.refresh_from_db()
    ended = cohort.ended_at
    assert ended is not None
    # Ending again keeps the first date.
    carol_client.post(reverse("classes_instructor:end", args=[cohort.pk]))
    cohort.refresh_from_db()
    assert cohort.ended_at == ended
    carol_client.post(reverse("classes_instructor:reopen", args=[cohort.pk]))
    cohort.refresh_from_db()
    assert cohort.ended_at is None


def test_the_quota_form_takes_kubernetes_quantities_only(carol_client, cohort):
    url = reverse("classes_instructor:quota", args=[cohort.pk])
    page = carol_client.post(url, {"pods": "0", "cpu": "lots", "memory": "2GB"}, follow=True)
    text = page.content.decode()
    assert "Quota not saved." in text and "A Kubernetes quantity" in text
    cohort.refresh_from_db()
    assert cohort.quota_overrides() == {}
    carol_client.post(url, {"pods": "20", "cpu": "1500m", "memory": "4Gi"})
    cohort.refresh_from_db()
    assert cohort.quota_overrides() == {"pods": "20", "cpu": "1500m", "memory": "4Gi"}


def test_namespace_actions_refuse_outside_classroom_mode(settings, carol_client, cohort):
    settings.TUTOR_MODE = "local"
    response = carol_client.post(
        reverse("classes_instructor:provision", args=[cohort.pk]), follow=True
    )
    assert "not in classroom mode" in response.content.decode()


def test_the_nav_shows_each_role_its_links(client, alice, carol):
    client.force_login(alice)
    page = client.get(reverse("home")).content.decode()
    assert reverse("classes:mine") in page and reverse("classes_instructor:list") not in page
    client.force_login(carol)
    page = client.get(reverse("home")).content.decode()
    assert reverse("classes:mine") in page and reverse("classes_instructor:list") in page


def test_an_instructor_adds_a_co_instructor(carol_client, cohort, dave, alice, client):
    url = reverse("classes_instructor:instructor_add", args=[cohort.pk])
    # A student and an unknown name get the same answer: the form finds no accounts.
    for name in ("alice", "nobody"):
        page = carol_client.post(url, {"username": name}, follow=True).content.decode()
        assert f"No instructor has the username “{name}”." in page
    page = carol_client.post(url, {"username": "dave"}, follow=True).content.decode()
    assert "dave teaches this class too." in page
    assert set(cohort.instructors.all()) == {cohort.instructors.get(username="carol"), dave}
    client.force_login(dave)
    assert client.get(cohort.get_absolute_url()).status_code == 200


def test_an_instructor_removes_a_student(carol_client, cohort, alice):
    url = reverse("classes_instructor:remove", args=[cohort.pk, alice.pk])
    page = carol_client.post(url, follow=True).content.decode()
    assert "alice is no longer in this class" in page
    assert not Membership.objects.filter(user=alice).exists()
    assert carol_client.post(url).status_code == 404


def test_the_operator_sees_classes_in_the_admin(client, root, cohort):
    client.force_login(root)
    page = client.get(reverse("admin:classes_cohort_changelist")).content.decode()
    assert "Kubernetes 101" in page
    assert client.get(reverse("admin:classes_cohort_change", args=[cohort.pk])).status_code == 200
