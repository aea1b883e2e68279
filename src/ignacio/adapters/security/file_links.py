"""Public links to stored files, as signed, expiring tokens (HS256 JWTs under a key of their own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from ignacio.application.ports.file_links import NO_SUCH_LINK, LinkedFile
from ignacio.domain import NotFound

_ALGORITHM = "HS256"
_TOKEN_TYPE = "file"  # noqa: S105 - a claim value, not a secret
LINK_PATH = "/media/"


class SignedFileLinks:
    """`{base_url}/media/{token}`, where the token names the file and expires after `ttl`.

    Anyone holding a link reads the file until it expires, so links go only to the provider
    that sends the file; an hour covers Twilio's fetch and its retries, and nothing else
    has to be revoked afterwards."""

    def __init__(
        self, secret: bytes, base_url: str | None, ttl: timedelta = timedelta(hours=1)
    ) -> None:
        self._secret = secret
        self._base_url = base_url.rstrip("/") if base_url else None
        self._ttl = ttl

    def link(self, file: LinkedFile, now: datetime) -> str | None:
        if self._base_url is None:
            return None
        token = jwt.encode(
            {
                "typ": _TOKEN_TYPE,
                "path": file.path,
                "type": file.media_type,
                "name": file.file_name,
                "exp": int((now + self._ttl).timestamp()),
            },
            self._secret,
            algorithm=_ALGORITHM,
        )
        return f"{self._base_url}{LINK_PATH}{token}"

    def read(self, token: str, now: datetime) -> LinkedFile:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                options={"require": ["exp", "path"], "verify_exp": False},
            )
            expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
            file = LinkedFile(
                path=str(claims["path"]),
                media_type=str(claims.get("type") or "application/octet-stream"),
                file_name=str(claims.get("name") or "file"),
            )
        except (jwt.InvalidTokenError, ValueError, TypeError, KeyError) as error:
            raise NotFound(NO_SUCH_LINK) from error
        # Expiry against the injected clock, as for access tokens.
        if claims.get("typ") != _TOKEN_TYPE or now >= expires_at:
            raise NotFound(NO_SUCH_LINK)
        return file
