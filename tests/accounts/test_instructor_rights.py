"""Operators grant instructor rights: a command and a page, no Django admin needed."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.permissions import is_instructor

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[dict, int]:
    out = StringIO()
    try:
        call_command("grant_instructor", *args, "--format", "json", stdout=out, stderr=StringIO())
    except CommandError as exc:
        return json.loads(out.getvalue()), exc.returncode
    return json.loads(out.getvalue()), 0


def test_it_grants_and_revokes_from_the_command_line(alice, bob):
    result, code = run("alice", "bob")
    assert code == 0 and result["ok"]
    assert [(a["username"], a["changed"], a["instructor"]) for a in result["accounts"]] == [
        ("alice", True, True),
        ("bob", True, True),
    ]
    assert is_instructor(alice) and is_instructor(bob)
    again, _ = run("alice")
    assert again["accounts"][0]["changed"] is False
    assert "already" in again["accounts"][0]["message"]
    revoked, code = run("alice", "--revoke")
    assert code == 0 and revoked["accounts"][0]["changed"] is True
    alice.refresh_from_db()
    assert not is_instructor(alice)


def test_it_exits_1_for_an_unknown_username_and_still_does_the_others(alice):
    result, code = run("nobody", "alice")
    assert code == 1 and result["ok"] is False
    assert result["accounts"][0] == {
        "username": "nobody", "ok": False, "message": "No account has the username “nobody”.",
    }  # fmt: skip
    assert is_instructor(alice)


def test_it_says_staff_stay_instructors(django_user_model):
    django_user_model.objects.create_user("ops", password="x", is_staff=True)
    result, code = run("ops", "--revoke")
    assert code == 0
    assert result["accounts"][0]["instructor"] is True
    assert "staff and superusers always are" in result["accounts"][0]["message"]


def test_the_page_is_for_operators_only(client, alice, carol, django_user_model):
    url = reverse("accounts:instructors")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for user in (alice, carol):  # a student, and an instructor who is not staff
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"username": "alice"}).status_code == 403
    alice.refresh_from_db()
    assert not is_instructor(alice)
    client.force_login(django_user_model.objects.create_user("ops", password="x", is_staff=True))
    body = client.get(url).content.decode()
    assert "carol" in body and "instructors group" in body


def test_an_operator_grants_and_revokes_on_the_page(client, alice, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x"))
    url = reverse("accounts:instructors")
    response = client.post(url, {"username": "alice", "action": "grant"}, follow=True)
    assert "alice is now an instructor" in response.content.decode()
    assert is_instructor(alice)
    response = client.post(url, {"username": "alice", "action": "revoke"}, follow=True)
    assert "alice is no longer an instructor" in response.content.decode()
    alice.refresh_from_db()
    assert not is_instructor(alice)
    response = client.post(url, {"username": "ghost", "action": "grant"})
    assert response.status_code == 400
    assert "No account has the username “ghost”." in response.content.decode()


def test_the_navigation_leads_instructors_to_quiz_authoring(client, alice, carol):
    client.force_login(carol)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("instructor:list")}"' in body
    assert f'href="{reverse("accounts:instructors")}"' not in body
    client.force_login(alice)
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("instructor:list")}"' not in body
