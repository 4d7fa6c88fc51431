from __future__ import annotations

import pytest

from tutor.env import ConfigError, env_bool, env_int, env_str, local_secret_key


def test_booleans_accept_common_words_and_refuse_others(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ConfigError, match="X_FLAG='maybe'"):
        env_bool("X_FLAG")


def test_integers_refuse_garbage(monkeypatch):
    monkeypatch.setenv("X_NUM", "12")
    assert env_int("X_NUM", 1) == 12
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ConfigError, match="whole number"):
        env_int("X_NUM", 1)


def test_secrets_come_from_a_file_when_named(monkeypatch, tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-file\n")
    monkeypatch.setenv("X_SECRET", "from-env")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET") == "from-file"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="cannot read it"):
        env_str("X_SECRET")


def test_the_local_secret_key_is_created_once_and_private(tmp_path):
    first = local_secret_key(tmp_path)
    assert len(first) > 40
    assert local_secret_key(tmp_path) == first
    assert oct((tmp_path / "secret-key").stat().st_mode & 0o777) == "0o600"
