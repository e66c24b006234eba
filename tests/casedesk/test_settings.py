"""Settings: secrets generated once into .env, never shown; crypto keys derived from them."""
from pathlib import Path

import pytest

from bot.crypto import DecryptionFailed, PiiCipher
from bot.casedesk.settings import Settings, load_settings


def test_first_run_generates_secrets_once(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    first = load_settings(env_file, environ={})
    assert env_file.exists() and (env_file.stat().st_mode & 0o777) == 0o600
    text = env_file.read_text()
    assert f"CASEDESK_TOKEN={first.token}" in text
    assert f"CASEDESK_SECRET_KEY={first.secret_key}" in text
    second = load_settings(env_file, environ={})
    assert (second.token, second.secret_key) == (first.token, first.secret_key)
    assert env_file.read_text() == text


def test_environment_wins_and_nothing_is_written(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    s = load_settings(
        env_file,
        environ={
            "CASEDESK_TOKEN": "tok-from-env-123",
            "CASEDESK_SECRET_KEY": "secret-from-env-123456",
            "CASEDESK_PORT": "8123",
            "CASEDESK_DB_URL": "postgresql+asyncpg://postgres@127.0.0.1/test",
        },
    )
    assert not env_file.exists()
    assert (s.token, s.port, s.db_url) == ("tok-from-env-123", 8123, "postgresql+asyncpg://postgres@127.0.0.1/test")


def test_secrets_not_in_repr(tmp_path: Path) -> None:
    s = load_settings(tmp_path / ".env", environ={})
    assert s.token not in repr(s) and s.secret_key not in repr(s)
    assert s.secret_key not in repr(PiiCipher(s.secret_key))


def test_relative_sqlite_path_is_under_the_repository() -> None:
    s = Settings(token="t", secret_key="k" * 20)
    assert s.db_url.startswith("sqlite+aiosqlite:////") and s.db_url.endswith("/var/casedesk.db")


def test_bad_settings_refused() -> None:
    with pytest.raises(ValueError):
        Settings(token="t", secret_key="short")
    with pytest.raises(ValueError):
        Settings(token="t", secret_key="k" * 20, db_schema="Robert'); DROP")


def test_cipher_round_trip_and_keyed_hash() -> None:
    a, b = PiiCipher("a" * 32), PiiCipher("b" * 32)
    token = a.encrypt("王建国")
    assert token != "王建国" and a.decrypt(token) == "王建国"
    assert a.encrypt("王建国") != token  # random IV: equal names do not look equal at rest
    assert a.phone_hash("13812345678") == a.phone_hash("13812345678")
    assert a.phone_hash("13812345678") != b.phone_hash("13812345678")
    with pytest.raises(DecryptionFailed):
        b.decrypt(token)
