"""Access tokens as HS256 JWTs carrying the user and the session."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt

from ignacio.domain import AccessClaims, AuthenticationFailed

_ALGORITHM = "HS256"
_ISSUER = "ignacio"
_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret


class JwtAccessTokens:
    """Every authenticated request reads its token: decoding and checking a JWT took about 3% of
    a page read, and a member sends the same token for its whole life (15 minutes by default).
    So the tokens most recently found genuine are remembered, `remembered` of them at most
    (about 500 bytes each); expiry is still checked on every read, and a token that fails is
    never remembered."""

    def __init__(self, secret: bytes, ttl: timedelta, *, remembered: int = 16_384) -> None:
        self._secret = secret
        self._ttl = ttl
        self._genuine = functools.lru_cache(maxsize=remembered)(self._verify)

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
        claims = self._genuine(token)
        if now >= claims.expires_at:
            raise AuthenticationFailed("The access token has expired. Refresh it or log in again.")
        return claims

    def _verify(self, token: str) -> AccessClaims:
        try:
            # Expiry is checked against the injected clock in `read`, not the wall clock.
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
        return AccessClaims(user_id=user_id, session_id=session_id, expires_at=expires_at)
