"""Encrypted fields and key rotation (rotate_encryption_key), on the rows that hold kubeconfigs."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from core import crypto
from workspaces.models import StudentNamespace

pytestmark = pytest.mark.django_db


def test_rotation_reencrypts_and_old_rows_still_decrypt(settings, alice, bob):
    old, new = crypto.generate_key(), crypto.generate_key()
    settings.TUTOR_ENCRYPTION_KEYS = [old]
    rows = [
        StudentNamespace.objects.create(
            user=user, namespace=f"ns-{user.username}", cluster_server="https://x",
            kubeconfig_encrypted=crypto.encrypt(f"secret of {user.username}"),
        )
        for user in (alice, bob)
    ]  # fmt: skip
    settings.TUTOR_ENCRYPTION_KEYS = [new, old]
    # Before rotation: written under the old key, still readable.
    assert crypto.decrypt(rows[0].kubeconfig_encrypted) == "secret of alice"
    assert not crypto.is_current(rows[0].kubeconfig_encrypted)
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert "re-encrypted 2, already under the newest key 0" in out.getvalue()
    settings.TUTOR_ENCRYPTION_KEYS = [new]  # the old key is gone
    for row, owner in zip(rows, ("alice", "bob"), strict=True):
        row.refresh_from_db()
        assert crypto.decrypt(row.kubeconfig_encrypted) == f"secret of {owner}"
    out = io.StringIO()
    call_command("rotate_encryption_key", stdout=out)
    assert "re-encrypted 0, already under the newest key 2" in out.getvalue()


def test_rotation_names_values_no_key_opens(settings, alice):
    settings.TUTOR_ENCRYPTION_KEYS = [crypto.generate_key()]
    StudentNamespace.objects.create(
        user=alice, namespace="ns-alice", cluster_server="https://x",
        kubeconfig_encrypted=crypto.encrypt("lost"),
    )  # fmt: skip
    settings.TUTOR_ENCRYPTION_KEYS = [crypto.generate_key()]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(StudentNamespace.objects.get().kubeconfig_encrypted)
    with pytest.raises(CommandError, match=r"workspaces\.StudentNamespace\.kubeconfig_encrypted"):
        call_command("rotate_encryption_key", stdout=io.StringIO())
