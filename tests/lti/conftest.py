"""The LMS: an independent LTI 1.3 platform (lti1p3platform) over HTTP on 127.0.0.1.

The tutor runs as pytest-django's live server; a user agent behaves like a
browser without JavaScript (it follows redirects and submits the
auto-submitting forms, as the pages' scripts do).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
import requests
from django.core import signals
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connections

from tests.lti.platform import INSTRUCTOR, LEARNER, TestPlatform

CLIENT = "tutor-client"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": []})
        elif tag == "input" and self.forms and a.get("name") and a.get("type") != "checkbox":
            self.forms[-1]["fields"].append((a["name"], a.get("value", "")))
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])


def parse(page: str) -> _Page:
    parsed = _Page()
    parsed.feed(page)
    return parsed


@dataclass
class Launch:
    response: requests.Response
    id_token: str
    state: str
    launch_url: str


class UserAgent:
    """One browser profile (its own cookies)."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def begin_launch(self, platform: TestPlatform, user_id: str, context_id: str, *,
                     client_id: str = CLIENT, **kwargs) -> dict:  # fmt: skip
        """A click in the LMS: the tutor's login, then the platform's auto-posting form."""
        response = self.http.get(
            platform.start_launch_url(client_id, user_id, context_id, **kwargs), timeout=20
        )
        assert response.status_code == 200, response.text
        return parse(response.text).forms[0]

    def launch(self, platform: TestPlatform, user_id: str, context_id: str, **kwargs) -> Launch:
        form = self.begin_launch(platform, user_id, context_id, **kwargs)
        fields = dict(form["fields"])
        response = self.http.post(form["action"], data=fields, timeout=20)
        return Launch(response, fields["id_token"], fields["state"], form["action"])

    def open_in_tutor(self, launch: Launch) -> requests.Response:
        """What the student does in the LMS's iframe: "Open in LFS158 Tutor"."""
        assert launch.response.status_code == 200, launch.response.text
        link = next(h for h in parse(launch.response.text).links if "/lti/continue/" in h)
        return self.http.get(urljoin(launch.response.url, link), timeout=20)

    def submit(self, response: requests.Response, **extra) -> requests.Response:
        form = parse(response.text).forms[0]
        data: dict = dict(form["fields"])
        data.update(extra)
        return self.http.post(urljoin(response.url, form["action"]), data=data, timeout=20)


@pytest.fixture
def platform():
    running = TestPlatform().start()
    yield running
    running.stop()


class _ToolServer(threading.Thread):
    """The tutor on 127.0.0.1, answering on the test's own database connection.

    pytest-django's live server needs a transactional test, which would flush
    the course loaded once per run; this thread shares the test's connection
    instead (as Django's LiveServerTestCase does for in-memory SQLite), so
    the test's transaction still rolls everything back. One request at a
    time: the flows here are sequential, as a user's clicks are.
    """

    def __init__(self, connection) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.connection = connection
        self.httpd = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler, allow_reuse_address=False)
        self.httpd.set_app(get_wsgi_application())
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"

    def run(self) -> None:
        connections["default"] = self.connection
        self.httpd.serve_forever(poll_interval=0.05)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def tool(db, settings) -> Iterator[str]:
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    shared = connections["default"]  # the test thread's own wrapper, not the proxy
    shared.inc_thread_sharing()
    # A request would close the test's connection (it is not in autocommit, being in the
    # test's transaction): Django's test client keeps it open the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    server = _ToolServer(shared)
    server.httpd.RequestHandlerClass = _QuietHandler
    server.start()
    try:
        yield server.url
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.join(timeout=10)
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        shared.dec_thread_sharing()


@pytest.fixture
def course(platform) -> str:
    """Users and a course that exist in the LMS."""
    platform.add_user("u-teacher", "Ada Teacher", "ada@example.edu")
    platform.add_user("u-alice", "Alice Student", "alice@example.edu")
    platform.add_user("u-bob", "Bob Student", "bob@example.edu")
    platform.add_context(
        "course-158", "LFS158 Spring",
        {"u-teacher": [INSTRUCTOR], "u-alice": [LEARNER], "u-bob": [LEARNER]},
    )  # fmt: skip
    return "course-158"


def register_manually(platform: TestPlatform, tool: str, *, client_id: str = CLIENT,
                      deployment_id: str = "dep-1"):  # fmt: skip
    """Manual registration on both sides, as two administrators would type it in."""
    from lti_tool.models import LtiDeployment, LtiRegistration

    registration = LtiRegistration.objects.create(
        name="Harness LMS", issuer=platform.issuer, client_id=client_id,
        auth_url=platform.auth_url, token_url=platform.token_url, keyset_url=platform.jwks_url,
    )  # fmt: skip
    LtiDeployment.objects.create(
        registration=registration, deployment_id=deployment_id, is_active=True
    )
    platform.add_client(
        client_id=client_id, deployment_id=deployment_id,
        oidc_login_url=f"{tool}/lti/login/{registration.uuid}/",
        launch_url=f"{tool}/lti/launch/", deeplink_url=f"{tool}/lti/launch/",
        jwks_url=f"{tool}/lti/.well-known/jwks.json",
    )  # fmt: skip
    return registration


@pytest.fixture
def registered(platform, tool, course):
    return register_manually(platform, tool)


@pytest.fixture
def ua() -> UserAgent:
    return UserAgent()
