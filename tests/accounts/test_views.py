from __future__ import annotations

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def test_signup_creates_an_account_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "carol",
            "password1": "a-long-Passphrase-9",
            "password2": "a-long-Passphrase-9",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert User.objects.filter(username="carol").exists()
    assert client.get("/accounts/profile/").status_code == 200


def test_signup_returns_to_a_safe_next_only(client):
    data = {
        "username": "dave",
        "password1": "a-long-Passphrase-9",
        "password2": "a-long-Passphrase-9",
    }
    response = client.post("/accounts/signup/?next=/chapters/services/", data)
    assert response["Location"] == "/chapters/services/"
    client.logout()
    data["username"] = "erin"
    response = client.post("/accounts/signup/?next=https://evil.example/", data)
    assert response["Location"] == "/"


def test_signup_shows_errors_and_creates_nothing(client):
    response = client.post(
        "/accounts/signup/", {"username": "frank", "password1": "short", "password2": "other"}
    )
    assert response.status_code == 200
    assert "The two password fields didn\u2019t match." in response.content.decode()
    assert not User.objects.filter(username="frank").exists()


def test_signup_rejects_a_taken_or_hostile_username(client, alice):
    for name in ("alice", "<script>x</script>", "a" * 500):
        response = client.post(
            "/accounts/signup/",
            {
                "username": name,
                "password1": "a-long-Passphrase-9",
                "password2": "a-long-Passphrase-9",
            },
        )
        assert response.status_code == 200
        assert "<script>x</script>" not in response.content.decode()
    assert User.objects.count() == 1


def test_login_and_logout(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct-horse-1", "next": "/search/"}
    )
    assert response["Location"] == "/search/"
    assert "alice" in client.get("/").content.decode()
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 302


def test_login_refuses_an_open_redirect(client, alice):
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": "correct-horse-1", "next": "//evil.example/x"},
    )
    assert response["Location"] == "/"


def test_wrong_password_is_a_clear_error(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_password_change(alice_client, alice):
    response = alice_client.post(
        "/accounts/password/",
        {
            "old_password": "correct-horse-1",
            "new_password1": "another-Passphrase-7",
            "new_password2": "another-Passphrase-7",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("another-Passphrase-7")


def test_login_page_shows_the_site_name(client):
    assert "<title>Log in — LFS158 Tutor</title>" in client.get("/accounts/login/").content.decode()
