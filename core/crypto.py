"""Secrets at rest: text encrypted with Fernet, under keys that can be rotated.

``TUTOR_ENCRYPTION_KEYS`` lists Fernet keys, newest first. Encryption always
uses the first; decryption tries each in turn, so after a new key is put in
front every stored value still reads, and ``manage.py rotate_encryption_key``
re-encrypts them under the new key before the old one is dropped.

Models name their encrypted columns in an ``encrypted_fields`` class
attribute; the column holds the Fernet token (URL-safe base64 text).

This module is imported by the settings (for the local key file), so it reads
Django's settings only inside functions.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """No configured key opens this value: it was written under a key since removed."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


def local_encryption_key(data_dir: Path) -> str:
    """A key kept in the data directory, created on first use (local mode only).

    A laptop install needs no configuration, yet what is encrypted must stay
    readable across restarts, so the key is generated once and stored with
    owner-only permissions, like the local secret key.
    """
    path = data_dir / "encryption-key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _fernets() -> list[Fernet]:
    keys = list(settings.TUTOR_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured(
            "TUTOR_ENCRYPTION_KEYS is empty: set it (or TUTOR_ENCRYPTION_KEYS_FILE) to one or "
            "more Fernet keys, newest first"
        )
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError as exc:
            # Never echo the key itself: say which one is wrong.
            raise ImproperlyConfigured(
                f"TUTOR_ENCRYPTION_KEYS: key number {position} is not a Fernet key "
                "(32 bytes, URL-safe base64)"
            ) from exc
    return fernets


def _keys() -> MultiFernet:
    return MultiFernet(_fernets())


def encrypt(text: str) -> str:
    return _keys().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "cannot decrypt: none of TUTOR_ENCRYPTION_KEYS opens this value"
        ) from exc


def is_current(token: str) -> bool:
    """Was this value encrypted under the newest key?"""
    newest = _fernets()[0]
    try:
        newest.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate(token: str) -> str:
    """The same plaintext, encrypted under the newest key."""
    try:
        return _keys().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionError(
            "cannot re-encrypt: none of TUTOR_ENCRYPTION_KEYS opens this value"
        ) from exc
