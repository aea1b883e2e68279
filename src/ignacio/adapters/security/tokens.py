"""Access tokens as HS256 JWTs carrying the user and the session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from ignacio.domain import AccessClaims, AuthenticationFailed

_ALGORITHM = "HS256"
_ISSUER = "ignacio"
_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret


class JwtAccessTokens:
    def __init__(self, secret: bytes, ttl: timedelta) -> None:
        self._secret = secret
        self._ttl = ttl

    def issue(self, user_id: UUID, session_id: UUID, now: datetime) -> tuple[str, datetime]:
        expires_at = now + self._ttl
        token = jwt.encode(
            {
                "iss": _ISSUER,
                "typ": _TOKEN_TYPE,
                "sub": str(user_id),
                "sid": str(session_id),
                "iat": int(now.timestamp()),
                "exp": int(expires_at.timestamp()),
            },
            self._secret,
            algorithm=_ALGORITHM,
        )
        return token, datetime.fromtimestamp(int(expires_at.timestamp()), UTC)

    def read(self, token: str, now: datetime) -> AccessClaims:
        try:
            # Expiry is checked against the injected clock below, not the wall clock.
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=_ISSUER,
                options={
                    "require": ["exp", "sub", "sid", "iss"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
            expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
            if claims.get("typ") != _TOKEN_TYPE:
                raise AuthenticationFailed("That is not an access token.")
            user_id, session_id = UUID(str(claims["sub"])), UUID(str(claims["sid"]))
        except (jwt.InvalidTokenError, ValueError, TypeError) as error:
            raise AuthenticationFailed("The access token is not valid. Log in again.") from error
        if now >= expires_at:
            raise AuthenticationFailed("The access token has expired. Refresh it or log in again.")
        return AccessClaims(user_id=user_id, session_id=session_id, expires_at=expires_at)
