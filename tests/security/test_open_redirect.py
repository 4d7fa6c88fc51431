"""No open redirect through `next`: login (site and admin), logout, sign-up.

The other views that redirect (quizzes, labs, lessons) redirect to objects
they looked up, never to a URL from the request; the test at the bottom
keeps it that way.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from tests.conftest import REPO

pytestmark = pytest.mark.django_db

HOSTILE = [
    "https://evil.example",
    "https://evil.example/accounts/login/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    " //evil.example",
    "\t//evil.example",
    "http:evil.example",
    "https:/evil.example",
    "http://testserver@evil.example/",
    "http://evil.example\\@testserver/",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "\x00",
    "/\x00//evil.example",
    "http://evil.example/" + "a" * 5000,
    "//" + "evil." * 2000 + "example",
]
# Every value above but one leaves the site; this one is a (strange) path on it.
OFFSITE = [t for t in HOSTILE if t != "/\x00//evil.example"]


def assert_stays_on_site(response, default: str, target: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    parts = urlsplit(location)
    assert parts.scheme == "" and parts.netloc == "", location
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    # How a browser reads it: still this site.
    assert urlsplit(urljoin("http://testserver/a/b", location)).netloc == "testserver"
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        assert location == default
    else:
        # A path on this site with odd bytes in it (a 404 at worst), never another host.
        assert location.startswith("/%00")


@pytest.mark.parametrize("target", HOSTILE)
def test_login_ignores_a_hostile_next(client, alice, target):  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct-horse-1", "next": target}
    )
    assert_stays_on_site(response, reverse("home"), target)


@pytest.mark.parametrize("target", HOSTILE)
def test_login_in_the_query_string_is_ignored_too(client, alice, target):  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": "correct-horse-1"},
        QUERY_STRING=f"next={target}",
    )
    assert_stays_on_site(response, reverse("home"), target)


@pytest.mark.parametrize("target", OFFSITE)
def test_the_login_page_never_carries_a_hostile_next(client, target):  # type: ignore[no-untyped-def]
    response = client.get(reverse("login"), {"next": target})
    assert response.status_code == 200
    page = response.content.decode()
    assert "evil" not in page
    assert "javascript:" not in page.lower()
    assert 'name="next" value=""' in page


@pytest.mark.parametrize("target", HOSTILE)
def test_admin_login_ignores_a_hostile_next(client, django_user_model, target):  # type: ignore[no-untyped-def]
    django_user_model.objects.create_superuser("root", password="admin-pass-1")
    response = client.post(
        reverse("admin:login"), {"username": "root", "password": "admin-pass-1", "next": target}
    )
    assert_stays_on_site(response, reverse("home"), target)


@pytest.mark.parametrize("target", HOSTILE)
def test_logout_ignores_a_hostile_next(client, alice, target):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    response = client.post(reverse("logout"), {"next": target})
    assert_stays_on_site(response, reverse("home"), target)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("target", OFFSITE)
def test_signup_ignores_a_hostile_next(client, target):  # type: ignore[no-untyped-def]
    page = client.get(reverse("signup"), {"next": target})
    assert "evil" not in page.content.decode()
    response = client.post(
        reverse("signup"),
        {
            "username": "newcomer",
            "password1": "a-long-pass-phrase-7",
            "password2": "a-long-pass-phrase-7",
            "next": target,
        },
    )
    assert_stays_on_site(response, reverse("home"), target)


def test_a_local_next_is_still_honoured(client, alice):  # type: ignore[no-untyped-def]
    """The checks above must not work by ignoring `next` altogether."""
    target = "/chapters/services/?from=login#objectives"
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct-horse-1", "next": target}
    )
    assert response["Location"] == target
    client.logout()
    response = client.post(
        reverse("signup"),
        {
            "username": "newcomer",
            "password1": "a-long-pass-phrase-7",
            "password2": "a-long-pass-phrase-7",
            "next": target,
        },
    )
    assert response["Location"] == target


# A redirect built from request data other than through Django's auth views or
# url_has_allowed_host_and_scheme would show up as one of these in a view module.
REQUEST_REDIRECT = re.compile(
    r"(redirect|HttpResponseRedirect|HttpResponseClientRedirect|HttpResponseLocation)\("
    r"[^)\n]*request\.(GET|POST|META|headers|body)"
)


def test_no_view_redirects_to_a_url_taken_from_the_request() -> None:
    offenders = []
    for app in ("tutor", "lessons", "quizzes", "labs", "classes"):
        for path in sorted(Path(REPO, app).rglob("*.py")):
            text = path.read_text()
            for match in REQUEST_REDIRECT.finditer(text):
                offenders.append(f"{path.relative_to(REPO)}: {match.group(0)}")
            # A variable first read from the request and later redirected to must
            # have passed url_has_allowed_host_and_scheme in the same module.
            reads_next = re.search(r"request\.(GET|POST)\.get\(\s*[\"']next[\"']", text)
            if reads_next and "url_has_allowed_host_and_scheme" not in text:
                offenders.append(f"{path.relative_to(REPO)}: reads `next` without checking it")
    assert offenders == []
