"""ensure_learner: the local account `make run` prints the login of."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_ensure_learner_creates_once_and_prints_the_login(settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    call_command("ensure_learner", "--url", "http://127.0.0.1:9999")
    first = capsys.readouterr().out
    assert "Created the local account 'learner'" in first
    password = (tmp_path / "learner-password").read_text().strip()
    assert f"with password '{password}'" in first
    assert oct((tmp_path / "learner-password").stat().st_mode & 0o777) == "0o600"
    call_command("ensure_learner")
    assert "Created" not in capsys.readouterr().out
    from django.contrib.auth.models import User

    assert User.objects.get(username="learner").check_password(password)
