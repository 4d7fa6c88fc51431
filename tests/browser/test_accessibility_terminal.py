"""axe's WCAG 2.2 AA rules on a lab page with its terminal connected (classroom mode on
the local control plane): xterm.js's screen, its screen-reader mode and the Run buttons
are on the page as a student meets them, in light and dark, at 1280 and 320 px."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.a11y import axe_script, check_page
from tests.browser.test_terminal_journey import (  # noqa: F401 (the shared fixtures)
    LAB,
    Student,
    chromium,
    classroom_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


def test_a_lab_page_with_a_connected_terminal_meets_wcag_22_aa(chromium, classroom_server):  # noqa: F811
    script = axe_script()
    # bypass_csp: the injected axe script would be refused (the CSP is test_csp.py's).
    student = Student(chromium, classroom_server, f"axe-{uuid.uuid4().hex[:6]}", bypass_csp=True)
    try:
        student.sign_up()
        student.open(f"/labs/{LAB}/")
        student.wait_connected()
        student.type("kubectl get pods\n")
        student.wait_screen("lfs158-toolbox")
        found = check_page(student.page, script, "lab with its terminal")
        student.open("/terminal/")
        student.wait_connected()
        found += check_page(student.page, script, "terminal page, connected")
        assert not found, "\n".join(found)
    finally:
        student.close()
