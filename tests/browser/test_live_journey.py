"""A student opens a lab, climbs a hint ladder, creates the object, and sees the check turn green.

Headless Chromium (Debian's) against gunicorn with a grading worker and a
live worker (tests/labs/live_stack.py); the object is created through the
API server, as the student's kubectl would. Nobody clicks "Check my work":
the check turns green by itself. The page must run under the site's content
security policy, and the ladder works from the keyboard.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.test_reading_journey import browser  # noqa: F401 (the shared browser fixture)
from tests.cluster.fixtures import Cluster
from tests.conftest import ARTIFACTS
from tests.labs.live_stack import DEPLOYMENT, LAB, LiveStack, live_stack

pytestmark = [pytest.mark.browser, pytest.mark.cluster]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, cluster: Cluster) -> Iterator[LiveStack]:
    yield from live_stack(tmp_path_factory, cluster, name="livejourney")


def test_a_check_turns_green_without_a_click(browser, stack: LiveStack):  # noqa: F811
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Refused" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))

    page.goto(f"{stack.url}/accounts/login/")
    page.fill("#id_username", "learner")
    page.fill("#id_password", stack.password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{stack.url}/labs/{LAB}/")

    # The page starts live checks by itself; the first look finds nothing yet.
    page.locator("#lab-checks .badge.live").wait_for(timeout=15_000)
    web = page.locator("#check-web")
    assert "rule-failed" in web.get_attribute("class")
    assert "Your namespace has 0 Deployments named web" in web.locator(".rule-message").inner_text()
    assert web.locator("a.section-link").inner_text() == "Read: Deployments"

    # The hint ladder, from the keyboard: a nudge, the idea with its section, the comparison.
    page.focus("#hint-next-web")
    page.keyboard.press("Enter")
    page.locator("#ladder-web .ladder-nudge").wait_for()
    assert "Its name must be web." in page.inner_text("#ladder-web .ladder-nudge")
    page.focus("#hint-next-web")
    page.keyboard.press("Enter")
    page.locator("#ladder-web .ladder-concept").wait_for()
    concept = page.locator("#ladder-web .ladder-concept")
    assert "A Deployment creates a ReplicaSet" in concept.inner_text()
    assert concept.locator("a").get_attribute("href").endswith("/chapters/demo/#deployments")
    page.click("#hint-next-web")
    page.locator("#ladder-web table.compare").wait_for()
    assert "Your namespace has" in page.inner_text("#ladder-web table.compare")
    # The solution is the last rung, and the page says the instructor will see it.
    assert "Your instructor sees that you opened the solution." in page.inner_text("#ladder-web")
    page.click("#hint-next-web")
    page.locator("#ladder-web .ladder-solution").wait_for()
    assert "kubectl create deployment web" in page.inner_text("#ladder-web .ladder-solution")
    page.screenshot(path=str(ARTIFACTS / "lab-live-ladder.png"), full_page=True)

    # The student creates the Deployment; the page is left alone, and the check turns green.
    stack.apply(DEPLOYMENT)
    page.locator("#check-web.rule-passed").wait_for(timeout=15_000)
    page.locator("#check-ready.rule-passed").wait_for(timeout=30_000)
    assert "2 of 4 checks pass" in page.inner_text("#lab-checks .tally")
    # Nothing else turned green, and nothing was graded: "Check my work" was never pressed.
    assert page.locator("#lab-checks li.rule-passed").count() == 2
    assert page.locator("#lab-result .lab-state").count() == 0
    page.screenshot(path=str(ARTIFACTS / "lab-live-green.png"), full_page=True)

    recorded = stack.shell(
        "from labs.models import HintStep; "
        "print([(s.user.username, s.check_id, s.rung) for s in HintStep.objects.order_by('rung')])"
    )
    assert (
        recorded
        == "[('learner', 'web', 1), ('learner', 'web', 2), ('learner', 'web', 3), ('learner', 'web', 4)]"
    )
    assert problems == [], problems
    page.close()
