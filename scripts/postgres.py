#!/usr/bin/env python3
"""A self-contained PostgreSQL server for the test run and the benchmarks.

`make test` runs the classroom suite a second time on PostgreSQL, and
`make bench` loads the tutor on it. Neither may depend on a server the
machine happens to run, so this script makes its own: initdb into a folder
under the temporary directory, listening on 127.0.0.1 only (a fixed port,
below the ephemeral range and clear of the control plane's), with its unix
socket in that folder. `stop` stops it and removes the folder.

    scripts/postgres.py start [--port N] [--no-fsync]   # prints the DATABASE_URL last
    scripts/postgres.py url | status | stop [--port N]

The tutor connects as role `tutor` (LOGIN CREATEDB, not a superuser: the test
run creates `test_tutor` and the stacks it starts create their own
databases) with a password generated at initdb. The binaries are Debian's
(`/usr/lib/postgresql/<version>/bin`, the newest), `$TUTOR_PG_BIN`, or on PATH.

initdb and postgres refuse to run as root. Run as root (as the test machine
does), every server command runs as the `postgres` user that Debian's package
creates, and the folder belongs to it.

Standard library only: it runs before the virtual environment exists.
"""

from __future__ import annotations

import argparse
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HOST = "127.0.0.1"
DEFAULT_PORT = int(os.environ.get("TUTOR_PG_PORT", "25432"))
ROLE = "tutor"
DATABASE = "tutor"
SERVER_USER = "postgres"  # who runs the server when this script runs as root


class PostgresError(Exception):
    pass


def bin_dir() -> Path:
    """Where initdb, pg_ctl, postgres and psql live."""
    if os.environ.get("TUTOR_PG_BIN"):
        return Path(os.environ["TUTOR_PG_BIN"])

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.name
        return tuple(int(part) for part in name.split(".") if part.isdigit())

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if candidates:
        return Path(candidates[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise PostgresError(
        "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: "
        "`make test-deps` installs Debian's postgresql package, or set TUTOR_PG_BIN"
    )


def folder(port: int) -> Path:
    # Under the temporary directory, not ~/.cache: as root the server runs as
    # `postgres`, which cannot enter /root.
    return Path(tempfile.gettempdir()) / f"lfs158-tutor-postgres-{os.getuid()}-{port}"


def _as_server(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", SERVER_USER, "--", *args]


def _server_uid() -> tuple[int, int]:
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    try:
        entry = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PostgresError(
            f"running as root, but there is no {SERVER_USER!r} user to run the server as "
            "(Debian's postgresql package creates it)"
        ) from None
    return entry.pw_uid, entry.pw_gid


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise PostgresError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def url(port: int) -> str:
    password = (folder(port) / "tutor-password").read_text().strip()
    return f"postgres://{ROLE}:{password}@{HOST}:{port}/{DATABASE}"


def running(port: int) -> bool:
    base = folder(port)
    if not (base / "data" / "postmaster.pid").exists():
        return False
    status = subprocess.run(
        _as_server([str(bin_dir() / "pg_ctl"), "status", "-D", str(base / "data")]),
        capture_output=True, check=False,
    )  # fmt: skip
    return status.returncode == 0


def _port_taken(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((HOST, port)) == 0


def start(port: int, *, fsync: bool = True) -> str:
    """Start a fresh server (or reuse the one this script started on that port)."""
    if running(port):
        return url(port)
    if _port_taken(port):
        raise PostgresError(f"{HOST}:{port} is taken by another program: choose --port")
    binaries = bin_dir()
    base = folder(port)
    uid, gid = _server_uid()
    # The temporary directory is shared: never follow or reuse what another user put there.
    if base.is_symlink() or (base.exists() and base.stat().st_uid not in (uid, os.getuid())):
        raise PostgresError(f"{base} exists and is not ours: remove it or choose --port")
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(mode=0o700)
    os.chown(base, uid, gid)
    superuser_password = secrets.token_hex(16)
    tutor_password = secrets.token_hex(16)
    for name, value in (
        ("superuser-password", superuser_password),
        ("tutor-password", tutor_password),
    ):
        path = base / name
        path.write_text(value + "\n")
        path.chmod(0o600)
        os.chown(path, uid, gid)
    data = base / "data"
    _run(_as_server([
        str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--pwfile", str(base / "superuser-password"),
        "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
    ]))  # fmt: skip
    options = [
        f"listen_addresses={HOST}", f"port={port}", f"unix_socket_directories={base}",
        "max_connections=200", "log_min_messages=warning",
    ]  # fmt: skip
    if not fsync:
        # The test run throws the data away: durability only costs time there.
        options += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
    _run(_as_server([
        str(binaries / "pg_ctl"), "start", "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60",
        "-o", " ".join(f"-c {option}" for option in options),
    ]), stdin=subprocess.DEVNULL)  # fmt: skip
    env = {**os.environ, "PGPASSWORD": superuser_password}
    psql = [str(binaries / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(base), "-p", str(port),
            "-U", "postgres", "-d", "postgres"]  # fmt: skip
    _run(
        _as_server([*psql, "-c", f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{tutor_password}'"]),
        env=env,
    )
    _run(_as_server([*psql, "-c", f"CREATE DATABASE {DATABASE} OWNER {ROLE}"]), env=env)
    return url(port)


def stop(port: int) -> None:
    base = folder(port)
    if running(port):
        _run(
            _as_server(
                [str(bin_dir() / "pg_ctl"), "stop", "-D", str(base / "data"), "-m", "fast", "-w"]
            )
        )
    shutil.rmtree(base, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status", "url"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--no-fsync", action="store_true", help="faster, for data thrown away after"
    )
    args = parser.parse_args()
    started = time.monotonic()
    try:
        if args.command == "start":
            print(f"postgres: {HOST}:{args.port}, data in {folder(args.port)}", file=sys.stderr)
            value = start(args.port, fsync=not args.no_fsync)
            print(f"postgres: ready in {time.monotonic() - started:.1f}s", file=sys.stderr)
            print(value)
        elif args.command == "stop":
            stop(args.port)
        elif args.command == "status":
            up = running(args.port)
            print("running" if up else "stopped")
            return 0 if up else 1
        else:
            if not running(args.port):
                print(f"postgres: nothing runs on port {args.port}", file=sys.stderr)
                return 1
            print(url(args.port))
    except PostgresError as exc:
        print(f"postgres: {exc}", file=sys.stderr)
        log = folder(args.port) / "server.log"
        if log.exists():
            print(log.read_text()[-3000:], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
