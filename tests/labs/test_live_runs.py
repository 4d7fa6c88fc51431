"""Live checks for real: the page asks over HTTP, a live worker watches the API server.

gunicorn, a grading worker and a live worker (Celery, thread pool) run as
separate processes (tests/labs/live_stack.py); the test changes the
namespace through the API server, as the student's kubectl would, and polls
the page's endpoint as htmx does, until the check flips, within a bound.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest
import yaml

from kube.kubeconfig import token_kubeconfig
from tests.cluster.fixtures import Cluster, ca_data
from tests.labs.live_stack import DEPLOYMENT, LAB, RBAC, SERVICE, LiveStack, live_stack, path_of
from tests.labs.test_lab_flow import Browser

pytestmark = pytest.mark.cluster
LIVE = f"/labs/{LAB}/live"
# A change shows on the page within this many seconds (watch: about the settle time,
# the minimum interval and one poll of the page; poll: one poll interval more).
FLIP_SECONDS = 15


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, cluster: Cluster) -> Iterator[LiveStack]:
    yield from live_stack(tmp_path_factory, cluster, name="liveruns")


def states(body: str) -> dict[str, str]:
    return dict(re.findall(r'<li id="check-([\w-]+)" class="rule-(\w+)">', body))


def message(body: str, check: str) -> str:
    item = re.search(rf'<li id="check-{check}".*?</li>', body, re.S)
    assert item, body[:3000]
    found = re.search(r'<div class="rule-message">(.*?)</div>', item.group(0), re.S)
    return found.group(1) if found else ""


def poll(
    browser: Browser, until: Callable[[str], bool], what: str, timeout: float = FLIP_SECONDS
) -> tuple[str, float]:
    """Ask as the page does (every 0.5 s here) until ``until(body)``; the body and the seconds taken."""
    started = time.monotonic()
    while True:
        status, _, body = browser.get(LIVE, htmx=True)
        assert status in (200, 286), (status, body[:2000])
        if until(body):
            return body, time.monotonic() - started
        assert status == 200, f"live checks stopped while waiting for {what}:\n{body[:3000]}"
        assert time.monotonic() - started < timeout, f"not {what} after {timeout}s:\n{body[:3000]}"
        time.sleep(0.5)


def test_checks_flip_by_themselves_as_the_namespace_changes(stack: LiveStack):
    browser = Browser(stack.url)
    browser.login("learner", stack.password)
    status, _, started = browser.post(LIVE, htmx=True)
    assert status == 200 and 'hx-trigger="every 2s"' in started
    body, _ = poll(
        browser, lambda b: len(set(states(b).values()) - {"pending"}) and "Last look" in b, "looked"
    )
    assert states(body) == {
        "web": "failed",
        "ready": "failed",
        "selects": "failed",
        "bob-lists": "failed",
    }
    assert message(body, "web") == (
        "Your namespace has 0 Deployments named <code>web</code>; the lab expects exactly 1."
    )
    assert "as soon as something changes" in body  # watching, not polling
    # Nothing changed: the page's copy is current, and htmx gets a 204.
    revision = re.search(r"live\?v=(\d+)", body).group(1)
    assert browser.get(f"{LIVE}?v={revision}", htmx=True)[0] == 204

    # "Check my work" with nothing deployed: the page says what a waiting check waits for.
    _, _, graded = browser.post(f"/labs/{LAB}/check", htmx=True)
    first = re.search(r'hx-get="([^"]+)"', graded).group(1)
    deadline = time.monotonic() + 15
    waiting = "Waiting up to 20 s for this to become true. Now: "
    while waiting not in (graded := browser.get(first, htmx=True)[2]):
        assert time.monotonic() < deadline, graded[:3000]
        time.sleep(0.3)
    assert "Checking your namespace…" in graded and 'value="0"' in graded
    assert "Now: There is no Deployment <code>web</code> in your namespace" in graded

    stack.apply(DEPLOYMENT)
    body, created = poll(browser, lambda b: states(b).get("web") == "passed", "the Deployment seen")
    body, ready = poll(
        browser, lambda b: states(b).get("ready") == "passed", "the Pods ready", timeout=40
    )
    stack.apply(SERVICE.format(app="wbe"))
    body, _ = poll(
        browser,
        lambda b: "selects <code>app=wbe</code>" in message(b, "selects"),
        "the wrong selector seen",
    )
    assert message(body, "selects") == (
        "Service <code>web</code> selects <code>app=wbe</code>; the Pods of Deployment "
        "<code>web</code> are labelled <code>app=web</code>."
    )
    stack.apply(SERVICE.format(app="web"))
    body, fixed = poll(
        browser, lambda b: states(b).get("selects") == "passed", "the fixed selector seen"
    )
    # Access checks are answered by the API server: the run watches Roles and RoleBindings.
    stack.apply(RBAC)
    body, granted = poll(
        browser, lambda b: states(b).get("bob-lists") == "passed", "the RoleBinding seen"
    )
    assert "4 of 4 checks pass" in body and "all green" in body
    print(
        f"\nlive flips (s): created {created:.1f}, ready {ready:.1f}, selector {fixed:.1f}, rbac {granted:.1f}"
    )

    # Live results are not submissions; "Check my work" records one each time.
    deadline = time.monotonic() + 40
    while browser.get(first, htmx=True)[0] != 286:
        assert time.monotonic() < deadline, "the first graded run never ended"
        time.sleep(0.5)
    assert (
        stack.shell("from labs.models import LabSubmission; print(LabSubmission.objects.count())")
        == "1"
    )
    _, url, _ = browser.post(f"/labs/{LAB}/check")
    deadline = time.monotonic() + 60
    while (answer := browser.get(path_of(url), htmx=True))[0] != 286:
        assert time.monotonic() < deadline, answer[2][:2000]
        time.sleep(0.5)
    assert "5 / 5 points" in answer[2] and "All checks pass" in answer[2]
    assert (
        stack.shell("from labs.models import LabSubmission; print(LabSubmission.objects.count())")
        == "2"
    )
    assert stack.shell("from labs.models import LiveCheck; print(LiveCheck.objects.count())") == "1"


def test_a_page_that_stops_asking_stops_its_run_and_resumes_on_return(stack: LiveStack):
    browser = Browser(stack.url)
    browser.login("learner", stack.password)
    browser.post(LIVE, htmx=True)
    poll(browser, lambda b: "Last look" in b, "watching")
    # The page goes away: no poll for longer than TUTOR_LAB_LIVE_IDLE_SECONDS (6) plus a beat.
    time.sleep(11)
    status, _, body = browser.get(LIVE, htmx=True)
    assert status == 286 and "paused while this page was in the background" in body
    assert 'hx-trigger="tutor-visible from:body"' in body  # coming back resumes
    assert (
        stack.shell("from labs.models import LiveCheck; print(LiveCheck.objects.get().stop_reason)")
        == "closed"
    )
    status, _, body = browser.post(LIVE, htmx=True)
    assert status == 200 and 'hx-trigger="every 2s"' in body
    poll(browser, lambda b: "Last look" in b, "watching again")


def test_without_the_right_to_watch_it_looks_every_few_seconds(stack: LiveStack, cluster: Cluster):
    """A student's own cluster whose credentials may list but not watch: the run polls."""
    namespace = f"{stack.namespace}-own"
    kube = stack.kube
    kube.create_namespace(namespace, labels={"lfs158-tutor/test": "true"})
    try:
        kube.apply(yaml.safe_dump_all([
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "lister"}},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "list-only"},
             "rules": [{"apiGroups": ["", "apps", "rbac.authorization.k8s.io"], "resources": ["*"], "verbs": ["get", "list"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "lister"},
             "subjects": [{"kind": "ServiceAccount", "name": "lister", "namespace": namespace}],
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "list-only"}},
        ]), namespace)  # fmt: skip
        token = kube.request(
            "POST", f"/api/v1/namespaces/{namespace}/serviceaccounts/lister/token",
            body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}},
        )["status"]["token"]  # fmt: skip
        config = token_kubeconfig(
            server=kube.server, token=token, ca_data=ca_data(cluster), namespace=namespace,
            cluster="mine", user="me", context="mine",
        )  # fmt: skip
        browser = Browser(stack.url)
        browser.login("learner", stack.password)
        status, _, page = browser.post("/labs/my-cluster/", {"kubeconfig": yaml.safe_dump(config)})
        assert status == 200 and "testing the connection" in page, page[:2000]
        deadline = time.monotonic() + 60  # a worker tests the connection; the page shows it
        while "answered, Kubernetes v1." not in page and time.monotonic() < deadline:
            time.sleep(0.5)
            status, _, page = browser.get("/labs/my-cluster/")
        assert "answered, Kubernetes v1." in page, page[:2000]
        browser.post(LIVE, htmx=True)
        # The first look opens the watches; the API server refuses them, and the run polls.
        body, _ = poll(
            browser, lambda b: "run again every few seconds" in b and namespace in b, "polling"
        )
        assert states(body)["web"] == "failed"
        kube.apply(DEPLOYMENT, namespace)
        poll(browser, lambda b: states(b).get("web") == "passed", "the Deployment seen by polling")
    finally:
        cleanup = Browser(stack.url)
        cleanup.login("learner", stack.password)
        cleanup.post("/labs/my-cluster/delete")
        kube.delete_namespace(namespace)


def test_a_live_worker_that_shuts_down_ends_its_runs_at_once(stack: LiveStack):
    browser = Browser(stack.url)
    browser.login("learner", stack.password)
    browser.post(LIVE, htmx=True)
    poll(browser, lambda b: "Last look" in b, "watching")
    started = time.monotonic()
    stack.stop("live")  # SIGTERM: Celery's warm shutdown waits for running tasks
    stopped_in = time.monotonic() - started
    assert stopped_in < 10, f"the live worker took {stopped_in:.1f}s to stop"
    status, _, body = browser.get(LIVE, htmx=True)
    assert status == 286 and "Live checks stopped." in body and "Resume live checks" in body
