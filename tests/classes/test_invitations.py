"""An invitation link per class: a colleague becomes an instructor of the class."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.permissions import is_instructor
from classes import services
from classes.models import InstructorInvitation

pytestmark = pytest.mark.django_db


def make_link(client, cohort) -> str:
    response = client.post(reverse("classes_instructor:invitation_create", args=[cohort.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    match = re.search(r'<code id="invitation-link"[^>]*>([^<]+)</code>', response.content.decode())
    assert match, response.content.decode()
    return match.group(1).replace("http://testserver", "")


def test_it_makes_the_invited_person_an_instructor_of_the_class(client, cohort, carol, bob):
    client.force_login(carol)
    link = make_link(client, cohort)
    invitation = InstructorInvitation.objects.get()
    assert link.split("/")[-2] not in invitation.token_hash  # only a hash is kept

    client.force_login(bob)
    page = client.get(link).content.decode()
    assert "invites you to teach the class" in page and "Kubernetes 101" in page
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == cohort.get_absolute_url()
    assert is_instructor(bob) and cohort.instructors.filter(pk=bob.pk).exists()
    assert client.get(cohort.get_absolute_url()).status_code == 200

    # The link works once.
    again = client.post(link)
    assert again.status_code == 404 and "used already" in again.content.decode()
    client.force_login(carol)
    assert "accepted by bob" in client.get(cohort.get_absolute_url()).content.decode()


def test_a_visitor_is_sent_to_log_in_first(client, cohort, carol):
    client.force_login(carol)
    link = make_link(client, cohort)
    client.logout()
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "has expired"),
        ({"revoked_at": timezone.now()}, "was withdrawn"),
    ],
)
def test_expired_and_withdrawn_links_are_refused(client, cohort, carol, bob, change, message):
    client.force_login(carol)
    link = make_link(client, cohort)
    InstructorInvitation.objects.update(**change)
    client.force_login(bob)
    response = client.post(link)
    assert response.status_code == 404 and message in response.content.decode()
    assert not is_instructor(bob)


def test_unknown_tokens_and_ended_classes_are_refused(client, cohort, carol, bob):
    client.force_login(bob)
    response = client.get(reverse("classes:invitation", args=["not-a-token"]))
    assert response.status_code == 404 and "not valid" in response.content.decode()
    client.force_login(carol)
    link = make_link(client, cohort)
    services.cohort_end(cohort=cohort)
    client.force_login(bob)
    assert "has ended" in client.post(link).content.decode()
    assert not is_instructor(bob)
    with pytest.raises(services.ClassError):
        services.invitation_create(cohort=cohort, by=carol)


def test_only_the_class_instructors_make_and_withdraw_invitations(
    client, cohort, carol, dave, alice
):
    url = reverse("classes_instructor:invitation_create", args=[cohort.pk])
    client.force_login(alice)
    assert client.post(url).status_code == 403
    client.force_login(dave)  # teaches another class
    assert client.post(url).status_code == 404
    assert not InstructorInvitation.objects.exists()
    client.force_login(carol)
    make_link(client, cohort)
    invitation = InstructorInvitation.objects.get()
    revoke = reverse("classes_instructor:invitation_revoke", args=[cohort.pk, invitation.pk])
    client.force_login(dave)
    assert client.post(revoke).status_code == 404
    client.force_login(carol)
    assert client.post(revoke).status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_a_student_of_the_class_who_accepts_teaches_it_instead(client, cohort, carol, alice):
    client.force_login(carol)
    link = make_link(client, cohort)
    client.force_login(alice)
    client.post(link)
    assert cohort.instructors.filter(pk=alice.pk).exists()
    assert not cohort.memberships.filter(user=alice).exists()


def test_the_class_page_has_copy_buttons_for_code_and_link(client, cohort, carol):
    client.force_login(carol)
    body = client.get(cohort.get_absolute_url()).content.decode()
    assert 'id="join-code"' in body and 'data-copy="#join-code"' in body
    assert 'data-copy="#join-url"' in body
