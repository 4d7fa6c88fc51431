"""The accessibility statement: linked from every page's footer, says what is tested,
the known gaps and how to report one (to the operator's contact when there is one)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_every_page_links_the_statement_from_its_footer(client):
    for path in ("/", "/search/", "/accounts/login/"):
        body = client.get(path).content.decode()
        footer = body[body.index('<footer class="site-footer">') :]
        assert '<a href="/accessibility/">Accessibility</a>' in footer, path


def test_the_statement_says_what_is_tested_the_gaps_and_how_to_report(client, settings):
    settings.TUTOR_ACCESSIBILITY_CONTACT = ""
    response = client.get("/accessibility/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Accessibility</h1>" in body
    for section in ("What is checked, every time the tests run", "Known gaps", "Report a problem"):
        assert section in body
    assert "WCAG 2.2" in body and "axe-core" in body
    assert (
        "<kbd>Escape</kbd>, then <kbd>Tab</kbd>" in body and "<kbd>Ctrl</kbd>+<kbd>M</kbd>" in body
    )
    assert "Tell your instructor" in body  # no contact configured


@pytest.mark.parametrize(
    ("contact", "shown"),
    [
        ("access@example.edu", '<a href="mailto:access@example.edu">access@example.edu</a>'),
        ("https://help.example.edu/a11y", '<a href="https://help.example.edu/a11y">'),
        ("Room 101, the help desk", "Contact: Room 101, the help desk"),
        ("javascript:alert(1)", "Contact: javascript:alert(1)"),  # never a link
    ],
)
def test_the_operators_contact_is_named(client, settings, contact, shown):
    settings.TUTOR_ACCESSIBILITY_CONTACT = contact
    body = client.get("/accessibility/").content.decode()
    assert shown in body
    assert "Tell your instructor" not in body
    assert 'href="javascript:' not in body


def test_signed_in_students_see_it_too(alice_client):
    assert alice_client.get("/accessibility/").status_code == 200


def test_it_answers_only_reads(client):
    assert client.post("/accessibility/").status_code == 405
