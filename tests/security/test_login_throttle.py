"""Login throttling: lockout per username and per address, reset, proxies, the admin."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import REPO

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "not-the-password"


def attempt(client: Client, username: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, **extra: str) -> None:
    for _ in range(times):
        response = attempt(client, username, WRONG, **extra)
        assert response.status_code in (200, 429)


def test_it_locks_a_username_out_after_the_limit(client, alice):  # type: ignore[no-untyped-def]
    fail(client, "alice", 4)
    response = attempt(client, "alice", WRONG)
    assert response.status_code == 429
    # Even the right password is refused now, with the login page and a clear message.
    response = attempt(client, "alice", "correct-horse-1")
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "try again in 15 minutes" in page
    assert 'name="username"' in page and 'value="alice"' in page
    assert "<title>Log in" in page


def test_it_shows_the_usual_error_below_the_limit(client, alice):  # type: ignore[no-untyped-def]
    fail(client, "alice", 3)
    response = attempt(client, "alice", WRONG)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert attempt(client, "alice", "correct-horse-1").status_code == 302


def test_it_resets_the_count_after_a_successful_login(client, alice):  # type: ignore[no-untyped-def]
    fail(client, "alice", 4)
    assert attempt(client, "alice", "correct-horse-1").status_code == 302
    client.logout()
    fail(client, "alice", 4)
    assert attempt(client, "alice", "correct-horse-1").status_code == 302
    assert logged_in(client)


def test_it_locks_only_that_username(client, alice, bob):  # type: ignore[no-untyped-def]
    fail(client, "alice", 5)
    assert attempt(client, "bob", "correct-horse-2").status_code == 302


def test_an_attackers_own_login_does_not_reset_the_victims_count(client, alice, bob):  # type: ignore[no-untyped-def]
    """Sign-up is open: logging into one's own account between guesses must not help."""
    for _ in range(5):
        attempt(client, "alice", WRONG)
        assert attempt(client, "bob", "correct-horse-2").status_code == 302
        client.logout()
    response = attempt(client, "alice", "correct-horse-1")
    assert response.status_code == 429
    assert not logged_in(client)


def test_it_locks_an_address_after_its_own_limit(settings, alice, bob):  # type: ignore[no-untyped-def]
    settings.TUTOR_LOGIN_IP_FAILURE_LIMIT = 8
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(8):
        attempt(guesser, f"nobody-{n}", WRONG)
    # Every login from that address is refused, ...
    assert attempt(guesser, "bob", "correct-horse-2").status_code == 429
    # ... while the same account logs in from elsewhere.
    assert attempt(Client(REMOTE_ADDR="198.51.100.9"), "bob", "correct-horse-2").status_code == 302


def test_a_shared_address_tolerates_many_students_typos(alice, bob):  # type: ignore[no-untyped-def]
    """A class behind one NAT address: ten students mistyping twice lock nobody out."""
    school = Client(REMOTE_ADDR="192.0.2.10")
    for n in range(10):
        fail(school, f"student-{n}", 2)
    assert attempt(school, "alice", "correct-horse-1").status_code == 302


def test_no_address_is_not_one_address_for_everybody(settings, alice):  # type: ignore[no-untyped-def]
    """Behind a Unix socket without a trusted proxy there is no address: count usernames only."""
    settings.TUTOR_LOGIN_IP_FAILURE_LIMIT = 4
    nowhere = Client(REMOTE_ADDR="")
    for n in range(6):
        attempt(nowhere, f"nobody-{n}", WRONG)
    assert attempt(nowhere, "alice", "correct-horse-1").status_code == 302
    fail(nowhere, "nobody-0", 5)
    assert attempt(nowhere, "nobody-0", WRONG).status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, alice):  # type: ignore[no-untyped-def]
    fail(client, "alice", 5)
    assert attempt(client, "alice", "correct-horse-1").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert attempt(client, "alice", "correct-horse-1").status_code == 302


def test_forwarded_for_is_ignored_without_a_trusted_proxy(settings, alice, bob):  # type: ignore[no-untyped-def]
    settings.TUTOR_LOGIN_IP_FAILURE_LIMIT = 6
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(6):
        # A fresh made-up address for each guess changes nothing.
        attempt(client, f"nobody-{n}", WRONG, HTTP_X_FORWARDED_FOR=f"10.9.0.{n}")
    response = attempt(client, "bob", "correct-horse-2", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_forwarded_for_names_the_client_behind_a_trusted_proxy(settings, alice, bob):  # type: ignore[no-untyped-def]
    settings.TUTOR_TRUSTED_PROXY_COUNT = 1
    settings.TUTOR_LOGIN_IP_FAILURE_LIMIT = 6
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(6):
        # What the client wrote itself (left of the proxy's entry) is not believed.
        attempt(proxy, f"nobody-{n}", WRONG, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 198.51.100.20")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.20"}
    locked = attempt(proxy, "bob", "correct-horse-2", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert locked.status_code == 429
    # Another client through the same proxy is not the guesser.
    other = attempt(proxy, "bob", "correct-horse-2", HTTP_X_FORWARDED_FOR="198.51.100.21")
    assert other.status_code == 302


@pytest.mark.parametrize("header", ["", "not-an-address", "2001:db8::1, <script>"])
def test_a_garbled_forwarded_for_falls_back_to_the_peer(settings, alice, header):  # type: ignore[no-untyped-def]
    settings.TUTOR_TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.2")
    attempt(client, "alice", WRONG, HTTP_X_FORWARDED_FOR=header)
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["10.0.0.2"]


def test_the_admin_login_is_throttled_too(client, django_user_model):  # type: ignore[no-untyped-def]
    django_user_model.objects.create_superuser("root", password="admin-pass-1")
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "root", "password": WRONG})
    response = client.post(url, {"username": "root", "password": "admin-pass-1", "next": "/admin/"})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page
    assert "Django administration" in page or 'id="login-form"' in page
    assert not logged_in(client)
    # The site's own login refuses the same username: one count for both doors.
    assert attempt(client, "root", "admin-pass-1").status_code == 429


def test_the_lockout_page_keeps_only_a_safe_next(client, alice):  # type: ignore[no-untyped-def]
    fail(client, "alice", 5)
    safe = client.post(
        f"{LOGIN}?next=/chapters/services/",
        {"username": "alice", "password": WRONG, "next": "/chapters/services/"},
    )
    assert 'name="next" value="/chapters/services/"' in safe.content.decode()
    hostile = client.post(
        LOGIN, {"username": "alice", "password": WRONG, "next": "https://evil.example/"}
    )
    assert hostile.status_code == 429
    assert "evil.example" not in hostile.content.decode()


def test_the_password_is_never_stored_with_the_failure(client, alice):  # type: ignore[no-untyped-def]
    attempt(client, "alice", "hunter2-secret-guess")
    row = AccessAttempt.objects.get()
    assert "hunter2-secret-guess" not in row.post_data
    assert "hunter2-secret-guess" not in row.get_data


def test_the_test_clients_login_still_works(client, alice):  # type: ignore[no-untyped-def]
    """authenticate() without a request is not a web login: the gate lets it through."""
    assert client.login(username="alice", password="correct-horse-1")


def test_the_limits_come_from_the_environment(tmp_path):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "TUTOR_DATA_DIR": str(tmp_path),
        "TUTOR_LOGIN_FAILURE_LIMIT": "3",
        "TUTOR_LOGIN_IP_FAILURE_LIMIT": "12",
        "TUTOR_LOGIN_COOLOFF_MINUTES": "45",
        "TUTOR_TRUSTED_PROXY_COUNT": "2",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.TUTOR_LOGIN_IP_FAILURE_LIMIT, "
        "int(s.AXES_COOLOFF_TIME.total_seconds()), s.TUTOR_TRUSTED_PROXY_COUNT, s.AXES_ENABLED)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["3", "12", "2700", "2", "True"]
