"""Where the server's keys come from: the environment, or files the embedded default creates."""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

import structlog

from ignacio.adapters.security import KeyRing
from ignacio.entrypoints.config import ConfigurationError, Settings

log = structlog.get_logger(__name__)


def load_keys(settings: Settings) -> KeyRing:
    """Keys from JWT_SECRET_KEY and IGNACIO_PHONE_KEY, else from `<data dir>/keys/`.

    Several instances must share the same keys, so production sets both variables; the files
    exist so that a laptop needs no set-up, and are created (readable by the owner only) on first use.
    """
    jwt_secret = (
        settings.auth.jwt_secret_key.get_secret_value().encode()
        if settings.auth.jwt_secret_key
        else _key_file(settings.server.data_dir / "keys" / "jwt.key", "JWT_SECRET_KEY")
    )
    if settings.auth.phone_key:
        phone_key = _decode(settings.auth.phone_key.get_secret_value(), "IGNACIO_PHONE_KEY")
    else:
        phone_key = _decode(
            _key_file(
                settings.server.data_dir / "keys" / "phone.key", "IGNACIO_PHONE_KEY"
            ).decode(),
            "IGNACIO_PHONE_KEY",
        )
    try:
        return KeyRing(jwt_secret=jwt_secret, phone_key=phone_key)
    except ValueError as error:
        raise ConfigurationError(str(error)) from error


def _key_file(path: Path, variable: str) -> bytes:
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = base64.b64encode(secrets.token_bytes(32))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key + b"\n")
    log.warning(
        "generated a new key; back it up, and set the variable instead when running several instances",
        path=str(path),
        variable=variable,
    )
    return key


def _decode(value: str, variable: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ConfigurationError(
            f"{variable} must be base64 (try: openssl rand -base64 32)."
        ) from error
    if len(key) != 32:
        raise ConfigurationError(
            f"{variable} must encode exactly 32 bytes (openssl rand -base64 32)."
        )
    return key


def whatsapp_app_secret(settings: Settings) -> str:
    """The secret webhook deliveries are signed with: WHATSAPP_APP_SECRET, or (console channel
    only, so `ignacio dev whatsapp` can sign what it sends) a secret kept in the data directory."""
    if settings.whatsapp_cloud.app_secret:
        return settings.whatsapp_cloud.app_secret.get_secret_value()
    return _key_file(
        settings.server.data_dir / "keys" / "whatsapp_app_secret", "WHATSAPP_APP_SECRET"
    ).decode()
