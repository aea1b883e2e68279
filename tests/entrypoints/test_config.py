"""Configuration from the environment: defaults that work on a laptop, clear errors otherwise."""

from __future__ import annotations

import json
import logging
import socket
from datetime import timedelta
from pathlib import Path

import pytest
import structlog

from ignacio.domain import RegistrationPolicy
from ignacio.entrypoints.cli import _redacted, main
from ignacio.entrypoints.config import ConfigurationError, LogFormat, Settings
from ignacio.entrypoints.keys import load_keys
from ignacio.entrypoints.logging import LogFile, configure_logging


def test_the_defaults_are_the_embedded_set() -> None:
    settings = Settings.from_env({})
    assert settings.effective_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.effective_database_url.endswith("/var/ignacio.db")
    assert settings.should_migrate_on_start
    assert settings.auth.registration is RegistrationPolicy.OPEN
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 8000)


def test_variables_are_read_and_typed() -> None:
    settings = Settings.from_env(
        {
            "IGNACIO_PORT": "9000",
            "IGNACIO_DATABASE_URL": "postgresql://u:p@db/ignacio",
            "IGNACIO_OTP_TTL_SECONDS": "120",
            "IGNACIO_REGISTRATION": "invite",
            "IGNACIO_AUTO_MIGRATE": "yes",
            "IGNACIO_LOG_FORMAT": "json",
            "IGNACIO_DATA_DIR": "/srv/ignacio",
            "IGNACIO_KEEP_ALIVE_SECONDS": "120",
        }
    )
    assert settings.server.keep_alive == timedelta(seconds=120)
    assert settings.server.data_dir == Path("/srv/ignacio")
    assert settings.effective_storage_dir == Path("/srv/ignacio/files")
    assert settings.server.port == 9000
    assert settings.auth.otp_ttl == timedelta(seconds=120)
    assert settings.auth.registration is RegistrationPolicy.INVITE
    assert settings.should_migrate_on_start
    assert settings.log.format is LogFormat.JSON


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("IGNACIO_PORT", "eighty"),
        ("IGNACIO_OTP_TTL_SECONDS", "-5"),
        ("IGNACIO_REGISTRATION", "everyone"),
        ("IGNACIO_AUTO_MIGRATE", "maybe"),
        ("IGNACIO_LOG_FORMAT", "xml"),
        ("IGNACIO_KEEP_ALIVE_SECONDS", "0"),
        ("IGNACIO_EXTRACTION_MAX_MB", "0"),
        ("IGNACIO_EXTRACTION_MAX_RATIO", "1"),
        ("IGNACIO_EXTRACTION_TIMEOUT_SECONDS", "0"),
        ("IGNACIO_EXTRACTION_MEMORY_MB", "64"),
        ("IGNACIO_EXTRACTION_WORKERS", "0"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env({variable: value})
    assert variable.removeprefix("IGNACIO_").lower().split("_")[0] in str(error.value).lower()


def test_keys_are_generated_once_and_kept(tmp_path: Path) -> None:
    settings = Settings.from_variables({"IGNACIO_DATA_DIR": tmp_path})
    first = load_keys(settings)
    second = load_keys(settings)
    assert first == second
    assert (tmp_path / "keys" / "phone.key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("value", ["not base64!", "c2hvcnQ="])
def test_a_bad_phone_key_is_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigurationError, match="IGNACIO_PHONE_KEY"):
        load_keys(
            Settings.from_variables({"IGNACIO_DATA_DIR": tmp_path, "IGNACIO_PHONE_KEY": value})
        )


def test_a_short_jwt_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="JWT_SECRET_KEY"):
        load_keys(
            Settings.from_variables({"IGNACIO_DATA_DIR": tmp_path, "JWT_SECRET_KEY": "short"})
        )


def test_database_passwords_are_not_logged() -> None:
    assert (
        _redacted("postgresql://user:s3cret@host:5432/db") == "postgresql://user:***@host:5432/db"
    )
    assert _redacted("sqlite+aiosqlite:///var/ignacio.db") == "sqlite+aiosqlite:///var/ignacio.db"


def test_json_logs_carry_the_bound_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogFormat.JSON)
    try:
        with structlog.contextvars.bound_contextvars(request_id="abc123"):
            structlog.get_logger("test").info("hello", answer=42)
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        assert line["event"] == "hello"
        assert line["request_id"] == "abc123"
        assert line["answer"] == 42
        assert line["level"] == "info"
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()


def test_a_log_file_gets_json_lines_and_is_rotated_by_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.from_env(
        {
            "IGNACIO_LOG_FILE": str(tmp_path / "logs" / "ignacio.log"),
            "IGNACIO_LOG_FILE_MAX_BYTES": "2048",
            "IGNACIO_LOG_FILE_BACKUPS": "2",
        }
    )
    assert settings.log.file is not None
    configure_logging(
        LogFormat.CONSOLE,
        log_file=LogFile(
            settings.log.file,
            max_bytes=settings.log.file_max_bytes,
            backups=settings.log.file_backups,
        ),
    )
    try:
        for number in range(100):
            structlog.get_logger("test").info("hello", number=number)
    finally:
        for handler in logging.getLogger().handlers:
            handler.close()
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()

    files = sorted(path.name for path in (tmp_path / "logs").iterdir())
    assert files == ["ignacio.log", "ignacio.log.1", "ignacio.log.2"]
    newest = [
        json.loads(line) for line in (tmp_path / "logs" / "ignacio.log").read_text().splitlines()
    ]
    assert newest[-1]["event"] == "hello"
    assert newest[-1]["number"] == 99
    assert all((tmp_path / "logs" / name).stat().st_size <= 2048 for name in files)
    # Standard error still gets every line, as readable text.
    assert capsys.readouterr().err.count("hello") == 100


@pytest.mark.parametrize(
    ("variable", "value"), [("IGNACIO_LOG_FILE_MAX_BYTES", "10"), ("IGNACIO_LOG_FILE_BACKUPS", "0")]
)
def test_log_file_limits_must_make_sense(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        Settings.from_env({variable: value})


def test_serve_on_a_busy_port_says_how_to_choose_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IGNACIO_DATABASE_URL", "memory://")
    try:
        with socket.create_server(("127.0.0.1", 0)) as busy:
            port = busy.getsockname()[1]
            assert main(["serve", "--port", str(port)]) == 2
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    error = capsys.readouterr().err
    assert f"port {port} on 127.0.0.1 is already in use" in error
    assert f"IGNACIO_PORT={port + 1} make run" in error
