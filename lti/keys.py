"""The tool's signing keys (django-lti's Key rows): served as a JWKS, rotated by `rotate_keys`."""

from __future__ import annotations

from lti_tool.models import Key


def key_ensure() -> None:
    """A first key when there is none (a new installation); `manage.py rotate_keys` rotates."""
    if not Key.objects.active().exists():
        Key.objects.generate()
