"""Serving the tutor (today's uvicorn, or gunicorn as the reference) and loading it with wrk."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Load:
    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def prepare(data_dir: Path, env: dict[str, str] | None = None) -> None:
    """Migrated, content loaded, static collected, the learner account made."""
    env = {**os.environ, "TUTOR_DATA_DIR": str(data_dir), **(env or {})}
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_content")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "ensure_learner")


@contextmanager
def gunicorn(
    data_dir: Path,
    port: int,
    workers: int = 2,
    threads: int = 1,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """A prepared tutor under gunicorn (WSGI only): how the tutor was served before the
    browser terminal, kept as the benchmarks' reference."""
    extra = {"TUTOR_DATA_DIR": str(data_dir), **(env or {})}
    prepare(data_dir, extra)
    argv = [sys.executable, "-m", "gunicorn", "tutor.wsgi:application", "--bind",
            f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
            "--log-level", "warning"]  # fmt: skip
    with _serving(argv, extra, port) as url:
        yield url


@contextmanager
def tutor(
    data_dir: Path, port: int, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[str]:
    """A prepared tutor as `make run` and the image serve it: uvicorn (tutor/serve.py)."""
    extra = {"TUTOR_DATA_DIR": str(data_dir), **(env or {})}
    prepare(data_dir, extra)
    extra.update(PORT=str(port), TUTOR_WEB_WORKERS=str(workers), TUTOR_ACCESS_LOG="false")
    argv = [sys.executable, "-m", "tutor.serve"]
    with _serving(argv, extra, port) as url:
        yield url


@contextmanager
def _serving(argv: list[str], extra: dict[str, str], port: int) -> Iterator[str]:
    env = {**os.environ, **extra}
    proc = subprocess.Popen(
        argv, cwd=REPO, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server_pid[port] = proc.pid
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"{argv[2]} did not start") from None
                time.sleep(0.2)
        yield url
    finally:
        server_pid.pop(port, None)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


# The server process (its group) behind each port being served, for measurements.
server_pid: dict[int, int] = {}


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*")


def login_cookie(url: str, username: str, password: str) -> str:
    """Log in through the real form; returns the Cookie header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{url}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    opener.open(f"{url}/accounts/login/", data=data)
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("could not log in for the benchmark")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    label: str,
    url: str,
    seconds: int = 8,
    connections: int = 8,
    threads: int = 1,
    headers: dict[str, str] | None = None,
) -> Load:
    """Load ``url`` with wrk (one thread: the machine has two cores and gunicorn needs them)."""
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *extra, url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = result.stdout
    latency = {m.group(1): _ms(m.group(2), m.group(3)) for m in _LATENCY.finditer(out)}
    errors = sum(int(m.group(1) or 0) for m in _ERRORS.finditer(out) if m.group(1))
    if "Socket errors" in out:
        errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Load(
        label=label,
        requests_per_second=float(_RPS.search(out).group(1)),  # type: ignore[union-attr]
        p50_ms=latency["50"],
        p99_ms=latency["99"],
        errors=errors,
    )


def table(title: str, rows: list[Load], reference: Load) -> str:
    lines = [
        title,
        f"{'what':52} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'of ref':>7}",
    ]
    for row in rows:
        share = row.requests_per_second / reference.requests_per_second
        lines.append(
            f"{row.label:52} {row.requests_per_second:9.0f} {row.p50_ms:8.2f} {row.p99_ms:8.2f} "
            f"{row.errors:7d} {share:7.0%}"
        )
    return "\n".join(lines)
