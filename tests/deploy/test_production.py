"""The documented production environment, for real: check --deploy, collectstatic as the
image runs it, and its server (tutor/serve.py) behind a (simulated) TLS proxy.

The environment is read from the files the operator deploys (the Kubernetes
ConfigMap, the compose file), with generated secrets in files (``*_FILE``).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import websockets
import yaml
from cryptography.fernet import Fernet

from tests.conftest import free_port, wait_for_port

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
HOST = "tutor.example.org"


def write_secrets(folder: Path, database_url: str) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    values = {
        "secret-key": secrets.token_urlsafe(50),
        "encryption-keys": Fernet.generate_key().decode(),
        "database-url": database_url,
    }
    paths = {}
    for name, value in values.items():
        paths[name] = folder / name
        paths[name].write_text(value + "\n")
    return paths


def base_env(tmp_path: Path) -> dict[str, str]:
    """The process environment without any TUTOR_/database/broker setting of the test run."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("TUTOR_", "DATABASE_URL"))}
    keep.pop("REDIS_URL", None)
    keep["TUTOR_DATA_DIR"] = str(tmp_path / "data")
    return keep


def kubernetes_env(tmp_path: Path, *, database_url: str) -> dict[str, str]:
    config = yaml.safe_load((DEPLOY / "kubernetes" / "configmap.yaml").read_text())
    env = base_env(tmp_path)
    env.update(config["data"])
    files = write_secrets(tmp_path / "secrets", database_url)
    # The Pods mount the Secret at /etc/tutor/secrets/: point at the same names here.
    for name, value in config["data"].items():
        if name.endswith("_FILE"):
            env[name] = str(files[Path(value).name])
    return env


def compose_env(tmp_path: Path, *, database_url: str) -> dict[str, str]:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    web = compose["services"]["web"]["environment"]
    env = base_env(tmp_path)
    files = write_secrets(tmp_path / "secrets", database_url)
    for name, value in web.items():
        # compose's own interpolation, for the two forms the file uses.
        value = re.sub(r"\$\{TUTOR_HOST(:\?[^}]*)?\}", HOST, str(value))
        value = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
        env[name] = value
    secret_files = {"secret_key": "secret-key", "encryption_keys": "encryption-keys",
                    "database_url": "database-url"}  # fmt: skip
    for name, value in web.items():
        if name.endswith("_FILE"):
            env[name] = str(files[secret_files[Path(value).name]])
    env.pop("TUTOR_KUBECONFIG")  # a file only the container has; not read at start
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize(
    "environment", [kubernetes_env, compose_env], ids=["kubernetes", "compose"]
)
def test_check_deploy_finds_nothing_in_the_documented_environment(tmp_path, environment):
    env = environment(tmp_path, database_url="postgres://tutor:pw@tutor-postgres:5432/tutor")
    assert env["TUTOR_HTTPS"] == "true" and env["TUTOR_MODE"] == "classroom"
    result = manage(env, "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_without_the_production_switch(tmp_path):
    """The same command does see the gaps (so 0 above is not a blind check)."""
    env = kubernetes_env(tmp_path, database_url="postgres://tutor:pw@tutor-postgres:5432/tutor")
    del env["TUTOR_HTTPS"], env["TUTOR_HSTS_PRELOAD"]
    result = manage(env, "check", "--deploy")
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr + result.stdout


def test_collectstatic_as_the_image_runs_it_keeps_no_key(tmp_path):
    """The Dockerfile's collectstatic step: throwaway keys, no broker folders, hashed files."""
    env = base_env(tmp_path)
    env.update(
        TUTOR_SECRET_KEY="collectstatic-only-" + secrets.token_urlsafe(40),
        TUTOR_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        REDIS_URL="redis://unused:6379/0",
    )
    result = manage(env, "collectstatic", "--no-input", "-v", "0")
    assert result.returncode == 0, result.stderr[-3000:]
    data = tmp_path / "data"
    assert sorted(p.name for p in data.iterdir()) == ["staticfiles"]
    manifest = json.loads((data / "staticfiles" / "staticfiles.json").read_text())["paths"]
    for name in ("js/editor.js", "css/tutor.css", "vendor/htmx-2.0.11.min.js",
                 "vendor/codemirror-6.0.2.bundle.min.js"):  # fmt: skip
        hashed = data / "staticfiles" / manifest[name]
        assert hashed.is_file() and hashed.with_name(hashed.name + ".gz").is_file()


def request(port: int, path: str, *, host: str = HOST, https: bool = True,
            method: str = "GET", body: str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, str]:  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent = {"Host": host, **(headers or {})}
    if https:
        sent["X-Forwarded-Proto"] = "https"  # what the Ingress or the host's proxy adds
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    text = response.read().decode(errors="replace")
    connection.close()
    return response.status, response.headers, text


@pytest.fixture
def production_server(tmp_path, redis_url):
    """The image's server (tutor/serve.py), the ConfigMap's settings, SQLite for the data."""
    env = kubernetes_env(tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env["REDIS_URL"] = redis_url
    for args in (("migrate", "--no-input", "-v", "0"), ("collectstatic", "--no-input", "-v", "0")):
        result = manage(env, *args)
        assert result.returncode == 0, result.stderr[-3000:]
    result = manage(env, "shell", "-c",
                    "from django.contrib.auth.models import User; "
                    "User.objects.create_user('dana', password='correct-horse-9')")  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    port = free_port()
    log = tmp_path / "server.log"
    # The image binds 0.0.0.0 (in a container); the test stays on loopback.
    env.update(TUTOR_BIND="127.0.0.1", PORT=str(port), TUTOR_WEB_WORKERS="1")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tutor.serve"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for_port(port, timeout=30)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_it_serves_https_only_behind_the_proxy(production_server: int):
    port = production_server
    # Probes: plain HTTP, the Pod's own address as Host, never redirected.
    for path in ("/healthz", "/readyz"):
        status, _, body = request(port, path, host="10.244.1.7:8000", https=False)
        assert (status, json.loads(body)["status"]) == (200, "ok"), body
    # A browser that came over http is sent to https.
    status, headers, _ = request(port, "/chapters/services/", https=False)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/chapters/services/"
    # Over https (as the proxy says): HSTS, the policy, secure cookies.
    status, headers, page = request(port, "/accounts/login/")
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("csrftoken=") and "Secure" in cookie
    # An unknown host is refused.
    status, _, _ = request(port, "/", host="evil.example.net")
    assert status == 400

    # Logging in over https: CSRF passes for the site's own origin; the session cookie is Secure.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    csrf_cookie = cookie.split(";")[0]
    form = f"csrfmiddlewaretoken={token}&username=dana&password=correct-horse-9"
    status, headers, _ = request(port, "/accounts/login/", method="POST", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": csrf_cookie,
        "Origin": f"https://{HOST}", "Referer": f"https://{HOST}/accounts/login/",
    })  # fmt: skip
    assert status == 302, "login over https failed"
    sessions = [c for c in headers.get_all("Set-Cookie") if c.startswith("sessionid=")]
    assert sessions and "Secure" in sessions[0] and "HttpOnly" in sessions[0]

    # The browser terminal's WebSocket passes the production checks (the site's own
    # origin over https, the session cookie) and answers; another origin is refused.
    session_cookie = sessions[0].split(";")[0]
    assert terminal_event(port, session_cookie, f"https://{HOST}")["type"] == "unavailable"
    with pytest.raises(websockets.InvalidStatus):
        terminal_event(port, session_cookie, "https://evil.example.net")

    # Static files from the collected, hashed set, cached for good.
    stylesheet = re.search(r'href="(/static/css/tutor\.[0-9a-f]{12}\.css)"', page).group(1)
    status, headers, _ = request(port, stylesheet)
    assert status == 200
    assert "immutable" in headers["Cache-Control"]


def terminal_event(port: int, cookie: str, origin: str) -> dict:
    """The first event of a terminal WebSocket opened as a browser behind the proxy would."""

    async def first() -> dict:
        sock = socket.create_connection(("127.0.0.1", port))
        async with websockets.connect(
            f"ws://{HOST}/ws/terminal/", sock=sock, origin=websockets.Origin(origin),
            additional_headers={"Cookie": cookie, "X-Forwarded-Proto": "https"},
        ) as ws:  # fmt: skip
            return dict(json.loads(await asyncio.wait_for(ws.recv(), timeout=10)))

    return asyncio.run(first())


def settings_in(env: dict[str, str], *names: str) -> dict[str, object]:
    code = "import json; from django.conf import settings; print(json.dumps({n: getattr(settings, n, None) for n in %r}))"
    result = manage(env, "shell", "-c", code % (names,))
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_each_part_of_the_production_switch_can_be_set_on_its_own(tmp_path):
    env = kubernetes_env(tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    env.update(
        TUTOR_SSL_REDIRECT="false", TUTOR_HSTS_SECONDS="600", TUTOR_HSTS_INCLUDE_SUBDOMAINS="no",
        TUTOR_PROXY_SSL_HEADER="X-Forwarded-Scheme",
    )  # fmt: skip
    found = settings_in(env, "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
                        "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
                        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE")  # fmt: skip
    assert found == {
        "SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_SCHEME", "https"],
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True,
    }  # fmt: skip
    # Without the switch (a laptop): nothing of it, and no proxy header is trusted.
    laptop = base_env(tmp_path)
    found = settings_in(laptop, "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
                        "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE")  # fmt: skip
    assert found == {"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0,
                     "SECURE_PROXY_SSL_HEADER": None, "SESSION_COOKIE_SECURE": False}  # fmt: skip


def test_a_wrong_switch_value_is_a_clear_error(tmp_path):
    env = base_env(tmp_path)
    env["TUTOR_HTTPS"] = "sure"
    result = manage(env, "check")
    assert result.returncode != 0
    assert "TUTOR_HTTPS='sure': expected one of true/false" in result.stderr
