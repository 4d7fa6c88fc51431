"""Reading configuration from the environment.

Every setting that differs between a laptop and a classroom comes from an
environment variable. Secrets may also come from a file named by the same
variable with a ``_FILE`` suffix, which is how Kubernetes mounts Secrets.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A configuration value is present but unusable."""


def env_str(name: str, default: str = "") -> str:
    """The variable's value, or the content of the file named by ``NAME_FILE``."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file_name}: cannot read it ({exc.strerror})") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r}: expected one of true/false, yes/no, 1/0")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key(data_dir: Path) -> str:
    """A secret key kept in the data directory, created on first use.

    A laptop install should not need any configuration, yet sessions must
    survive a restart, so the key is generated once and stored with
    owner-only permissions.
    """
    path = data_dir / "secret-key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def private_file(path: Path) -> None:
    """Owner-only permissions on a file we own, if it exists and others may read it.

    SQLite creates its database with the process's umask (often 0644), and the
    database holds sessions and password hashes. Its -wal and -shm files take
    the database file's permissions when SQLite creates them, so tightening
    the database file right after it is made covers them too.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        return
    if status.st_mode & 0o077 and status.st_uid == os.getuid():
        path.chmod(0o600)
