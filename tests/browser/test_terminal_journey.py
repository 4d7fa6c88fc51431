"""The browser terminal in headless Chromium, against the tutor as `make run` serves it.

Classroom mode on the local control plane (each student a namespace, the
shell in their toolbox Pod through kwok's exec): a student opens a lab, types
`kubectl get pods` and sees their namespace's Pods; a Run button types a
command; a reload finds the scrollback; a second student sees none of it;
reset deletes the lab's objects. The WebSocket is refused without a session
and from a foreign origin. In local mode, an idle terminal is warned, then
stopped, and starts again with one click. No page may violate the CSP.
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.test_reading_journey import CHROMIUM_ARGS
from tests.cluster.fixtures import TEST_LABEL, Cluster, wait_for
from tests.conftest import ARTIFACTS, REPO, TutorServer, free_port, manage
from workspaces.terminal.toolbox import remove_simulated_home

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

LAB = "webserver"


def start_tutor(tmp: Path, **environment: str) -> Iterator[TutorServer]:
    """scripts/run.sh (uvicorn, a Celery worker, beat) with its own data and settings."""
    port = free_port()
    env = {
        **os.environ, "TUTOR_DATA_DIR": str(tmp), "PORT": str(port),
        "VENV": str(Path(sys.executable).parent.parent),
        "TUTOR_TERMINAL_CONNECTS_PER_MINUTE": "200", **environment,
    }  # fmt: skip
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_content")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "ensure_learner", "--url", f"http://127.0.0.1:{port}")
    log = tmp / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["bash", "scripts/run.sh"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the tutor did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        password = (tmp / "learner-password").read_text().strip()
        yield TutorServer(url=url, data_dir=tmp, learner_password=password, log=log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def classroom_server(tmp_path_factory, cluster: Cluster) -> Iterator[TutorServer]:
    from cryptography.fernet import Fernet

    yield from start_tutor(
        tmp_path_factory.mktemp("terminal-classroom"),
        TUTOR_MODE="classroom",
        TUTOR_KUBECONFIG=str(cluster.kubeconfig),
        TUTOR_KUBE_CONTEXT=cluster.context or "",
        TUTOR_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )


LOCAL_NAMESPACE = f"t-terminal-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory, cluster: Cluster) -> Iterator[TutorServer]:
    """Local mode (a shell on this machine), its lab namespace one of its own."""
    cluster.run_kubectl("create", "namespace", LOCAL_NAMESPACE)
    cluster.run_kubectl("label", "namespace", LOCAL_NAMESPACE, f"{TEST_LABEL}=true")
    try:
        yield from start_tutor(
            tmp_path_factory.mktemp("terminal-idle"),
            TUTOR_KUBECONFIG=str(cluster.kubeconfig),
            TUTOR_LAB_NAMESPACE=LOCAL_NAMESPACE,
            TUTOR_TERMINAL_IDLE_SECONDS="8",
            TUTOR_TERMINAL_IDLE_WARNING_SECONDS="5",
        )
    finally:
        cluster.run_kubectl("delete", "namespace", LOCAL_NAMESPACE, "--wait=false")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run `make test-deps`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Student:
    """A person in a browser context of their own, with their CSP violations recorded."""

    def __init__(self, chromium, server: TutorServer, name: str, **options) -> None:
        options.setdefault("viewport", {"width": 1400, "height": 900})
        self.context = chromium.new_context(**options)
        self.page = self.context.new_page()
        self.server = server
        self.name = name
        self.violations: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.violations.append(m.text) if "Content Security Policy" in m.text else None
            ),
        )

    def sign_up(self) -> None:
        page = self.page
        page.goto(f"{self.server.url}/accounts/signup/")
        password = "Terminal-pass-" + uuid.uuid4().hex[:8]
        page.fill("#id_username", self.name)
        page.fill("#id_password1", password)
        page.fill("#id_password2", password)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{self.server.url}/")

    def open(self, path: str) -> None:
        self.page.goto(f"{self.server.url}{path}")

    def wait_connected(self, timeout: float = 120) -> None:
        self.page.wait_for_function(
            "() => document.querySelector('[data-terminal-part=state]').textContent === 'Connected'",
            timeout=timeout * 1000,
        )

    def screen(self) -> str:
        # What the terminal holds (scrollback and screen), wrapped lines joined.
        return self.page.evaluate(
            "() => { const t = document.querySelector('[data-terminal]').terminalPanel.term;"
            " const b = t.buffer.active; const lines = [];"
            " for (let i = 0; i < b.length; i++) { const l = b.getLine(i);"
            "   const text = l.translateToString(true);"
            "   if (l.isWrapped && lines.length) lines[lines.length - 1] += text; else lines.push(text); }"
            " return lines.join('\\n'); }"
        )

    def type(self, text: str) -> None:
        self.page.click(".xterm-screen")
        self.page.keyboard.type(text)

    def wait_screen(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while True:
            shown = self.screen()
            if text in shown:
                return shown
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} not on {self.name}'s terminal:\n{shown[-1500:]}")
            time.sleep(0.25)

    def close(self) -> None:
        self.context.close()


def namespace_of(server: TutorServer, username: str) -> str:
    env = {**os.environ, "TUTOR_DATA_DIR": str(server.data_dir)}
    code = (
        "from workspaces.models import StudentNamespace as S;"
        f"print(S.objects.get(user__username={username!r}).namespace)"
    )
    return manage(env, "shell", "-c", code).strip().splitlines()[-1]


def test_students_work_in_their_own_terminals(chromium, classroom_server, cluster: Cluster):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    alice = Student(chromium, classroom_server, f"alice-{uuid.uuid4().hex[:6]}")
    bob = Student(chromium, classroom_server, f"bob-{uuid.uuid4().hex[:6]}")
    namespaces: list[str] = []
    try:
        alice.sign_up()
        alice.open(f"/labs/{LAB}/")
        terminal = alice.page.locator("[data-terminal]")
        assert terminal.count() == 1
        # Her namespace is prepared by a worker; the terminal waits for it, then starts.
        alice.wait_connected()
        namespace = namespace_of(classroom_server, alice.name)
        namespaces.append(namespace)
        probe = f"probe-{uuid.uuid4().hex[:6]}"
        made = cluster.run_kubectl("-n", namespace, "run", probe, "--image=nginx:alpine")
        assert made.returncode == 0, made.stderr
        alice.type("kubectl get pods\n")
        shown = alice.wait_screen(probe)
        assert "lfs158-toolbox" in shown
        # Accessible: screen reader mode on, the input labelled and described.
        assert alice.page.locator(".xterm-accessibility").count() >= 1
        textarea = alice.page.locator(".xterm-helper-textarea")
        assert textarea.get_attribute("aria-label") == "Terminal input"
        assert textarea.get_attribute("aria-describedby") == "terminal-keys"
        alice.page.screenshot(path=str(ARTIFACTS / "terminal-lab.png"))

        # Run: the lab's first block makes the lab namespace kubectl's default; the
        # terminal puts the student's namespace where the lab writes LAB_NAMESPACE.
        run_buttons = alice.page.locator("[data-runnable] .run-button")
        assert run_buttons.count() >= 5
        assert alice.page.locator("[data-runnable] .copy-button").count() >= 5
        run_buttons.nth(0).click()
        alice.wait_screen(f'Context "{namespace}" modified.')
        # The second (save the Deployment, apply it).
        run_buttons.nth(1).click()
        alice.wait_screen("deployment.apps/webserver created")
        wait_for(
            lambda: (
                cluster.run_kubectl("-n", namespace, "get", "deploy", "webserver").returncode == 0
            ),
            "the Deployment the Run button applied",
        )

        # Reload: the same session, its scrollback back on the screen.
        alice.page.reload()
        alice.wait_connected(timeout=30)
        alice.wait_screen(probe)
        alice.wait_screen("deployment.apps/webserver created")

        # Escape, then Tab: the focus leaves the terminal (and nothing reaches the shell).
        alice.page.click(".xterm-screen")
        alice.page.keyboard.press("Escape")
        alice.page.keyboard.press("Tab")
        focus = alice.page.evaluate("document.activeElement.className")
        assert "xterm-helper-textarea" not in focus

        # Bob: a terminal of his own, and nothing of alice's.
        bob.sign_up()
        bob.open("/terminal/")
        bob.wait_connected()
        namespaces.append(namespace_of(classroom_server, bob.name))
        bob.type("kubectl get pods; kubectl get pods -n " + namespace + "\n")
        shown = bob.wait_screen("Forbidden")
        assert probe not in shown and 'cannot list resource "pods"' in shown

        # Reset (with a confirmation): the lab's objects go, the toolbox stays.
        alice.open(f"/labs/{LAB}/reset")
        assert "Reset your workspace for this lab?" in alice.page.inner_text("h1")
        alice.page.click("text=Yes, delete them")
        alice.page.wait_for_url(f"**/labs/{LAB}/")
        assert "Resetting" in alice.page.inner_text(".messages")
        wait_for(
            lambda: cluster.run_kubectl("-n", namespace, "get", "deploy", "webserver").returncode != 0,
            "the reset to delete the Deployment", timeout=60,
        )  # fmt: skip
        pods = cluster.run_kubectl("-n", namespace, "get", "pods", "-o", "name").stdout
        assert "pod/lfs158-toolbox" in pods
        assert alice.violations == [] and bob.violations == []
    finally:
        alice.close()
        bob.close()
        for namespace in namespaces:
            cluster.run_kubectl("delete", "namespace", namespace, "--wait=false")
            remove_simulated_home(namespace)


def test_a_phone_stacks_the_terminal_and_it_can_be_maximised(chromium, classroom_server):
    phone = Student(
        chromium, classroom_server, f"phone-{uuid.uuid4().hex[:6]}",
        viewport={"width": 390, "height": 844}, is_mobile=True,
    )  # fmt: skip
    try:
        phone.sign_up()
        phone.open(f"/labs/{LAB}/")
        brief = phone.page.locator(".lab-brief").bounding_box()
        panel = phone.page.locator("[data-terminal]").bounding_box()
        assert brief and panel and panel["y"] > brief["y"] + brief["height"] - 1
        assert not phone.page.locator(".split-bar").is_visible()
        phone.page.click("[data-terminal-action=maximise]")
        box = phone.page.locator("[data-terminal]").bounding_box()
        assert box and box["width"] >= 389 and box["height"] >= 843
        assert phone.page.get_attribute("[data-terminal-action=maximise]", "aria-pressed") == "true"
    finally:
        phone.close()


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>elsewhere</title><p>another site</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


OPEN_SOCKET = """url => new Promise(resolve => {
  const ws = new WebSocket(url);
  let opened = false;
  ws.onopen = () => { opened = true; };
  ws.onclose = event => resolve({opened, code: event.code});
  setTimeout(() => resolve({opened, code: 'timeout'}), 10000);
})"""


def test_the_websocket_is_refused_without_a_session_and_from_another_site(
    chromium, classroom_server
):
    ws_url = classroom_server.url.replace("http://", "ws://") + "/ws/terminal/"
    # No session: a visitor's page on the tutor's own origin.
    visitor = Student(chromium, classroom_server, "visitor")
    try:
        visitor.open("/")
        assert visitor.page.evaluate(OPEN_SOCKET, ws_url) == {"opened": False, "code": 1006}
        # The pages offer no terminal to a visitor either.
        visitor.open("/terminal/")
        assert "/accounts/login/" in visitor.page.url
    finally:
        visitor.close()
    # Another site, in the browser of a signed-in student.
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    student = Student(chromium, classroom_server, f"carla-{uuid.uuid4().hex[:6]}")
    try:
        student.sign_up()
        student.page.goto(f"http://127.0.0.2:{server.server_address[1]}/")
        assert student.page.evaluate(OPEN_SOCKET, ws_url) == {"opened": False, "code": 1006}
    finally:
        student.close()
        server.shutdown()


def test_an_idle_terminal_is_warned_then_stopped_and_starts_again(chromium, idle_server):
    learner = Student(chromium, idle_server, "learner")
    try:
        page = learner.page
        page.goto(f"{idle_server.url}/accounts/login/")
        page.fill("#id_username", "learner")
        page.fill("#id_password", idle_server.learner_password)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{idle_server.url}/")
        learner.open("/terminal/")
        learner.wait_connected(timeout=30)
        idle = page.locator("[data-terminal-part=idle]")
        idle.wait_for(state="visible", timeout=15000)
        assert "stops in about" in idle.inner_text()
        banner = page.locator("[data-terminal-part=banner]")
        banner.wait_for(state="visible", timeout=15000)
        assert "without typing" in banner.inner_text()
        page.click("[data-terminal-part=banner] >> text=Start a new session")
        learner.wait_connected(timeout=30)
        learner.type("echo back-$((40+2))\n")
        learner.wait_screen("back-42")
        assert learner.violations == []
    finally:
        learner.close()


def test_a_chapter_try_box_runs_and_applies_in_a_terminal_drawer(
    chromium, idle_server, cluster: Cluster
):
    reader = Student(chromium, idle_server, f"reader-{uuid.uuid4().hex[:6]}")
    try:
        reader.sign_up()
        reader.open("/chapters/kubernetes-architecture/")
        runs = reader.page.locator(".callout-try .run-button")
        assert runs.count() >= 2
        assert reader.page.locator(".callout-try .copy-button").count() >= runs.count()
        assert not reader.page.locator("[data-terminal]").is_visible()
        # The first box's commands: Run opens the drawer and types them.
        assert runs.first.inner_text() == "Run"
        runs.first.click()
        reader.page.locator("[data-terminal]").wait_for(state="visible")
        reader.wait_connected(timeout=30)
        reader.wait_screen("kubectl get nodes -o wide")
        reader.wait_screen("kwok-node-0")
        # A manifest: Apply sends it to `kubectl apply -f -` as a here-document, into the
        # lab namespace (local mode: TUTOR_LAB_NAMESPACE).
        apply = reader.page.locator(".callout-try .run-button", has_text="Apply").first
        apply.click()
        reader.wait_screen("pod/shared-network created")
        made = cluster.run_kubectl("-n", LOCAL_NAMESPACE, "get", "pod", "shared-network")
        assert made.returncode == 0, made.stderr
        assert reader.violations == []
    finally:
        reader.close()


def test_a_visitor_gets_no_terminal_on_a_lab_page(classroom_server):
    with urllib.request.urlopen(f"{classroom_server.url}/labs/{LAB}/") as response:
        policy = response.headers["Content-Security-Policy"]
        html = response.read().decode()
    assert "script-src 'self'" in policy
    assert "data-terminal" not in html and "terminal.js" not in html
