"""Login with a code sent over WhatsApp; refresh and logout."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from ignacio.application.use_cases.authenticate import Principal
from ignacio.application.use_cases.logout import Logout, LogoutCommand
from ignacio.application.use_cases.refresh_session import RefreshSession, RefreshSessionCommand
from ignacio.application.use_cases.request_otp import RequestOtp, RequestOtpCommand
from ignacio.application.use_cases.verify_otp import VerifyOtp, VerifyOtpCommand
from ignacio.domain import AuthenticationFailed, IssuedTokens, without_nul
from ignacio.entrypoints.http.dependencies import client_address
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.schemas import (
    LoggedOutBody,
    LoginOut,
    LogoutBody,
    OtpRequestBody,
    OtpRequestedBody,
    OtpVerifyBody,
    RefreshBody,
    TokensOut,
)

REFRESH_COOKIE = "ignacio_refresh"
_COOKIE_PATH = "/auth"


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/request-otp", status_code=HTTP_200_OK, security=[])
    async def request_otp(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[OtpRequestBody],
        request_otp: NamedDependency[RequestOtp],
    ) -> OtpRequestedBody:
        """Send a six-digit login code to a phone number over WhatsApp.

        The answer is the same, and comes as fast, whether or not the number has an account: the
        code is sent right after it. If WhatsApp refuses the code, none arrives; ask again.
        Limited per number and per client address (429 with Retry-After).
        """
        result = await request_otp(
            RequestOtpCommand(phone=data.phone_number, client_address=client_address(request))
        )
        return OtpRequestedBody(
            message=(f"If {result.phone.masked()} can log in, a code is on its way over WhatsApp."),
            expires_in=result.expires_in_seconds,
        )

    @post("/verify-otp", status_code=HTTP_200_OK, security=[], responses=error_responses(401))
    async def verify_otp(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[OtpVerifyBody],
        verify_otp: NamedDependency[VerifyOtp],
    ) -> Response[LoginOut]:
        """Exchange the code for an access token and a refresh token (also set as an httpOnly cookie).

        Wrong codes count; after five the code is locked. Codes expire after five minutes.
        """
        result = await verify_otp(
            VerifyOtpCommand(
                phone=data.phone_number,
                code=data.code,
                user_agent=without_nul(request.headers.get("user-agent") or "") or None,
                client_address=client_address(request),
            )
        )
        now = datetime.now(UTC)
        body = LoginOut.of_login(result.tokens, result.user, result.is_new_user, now)
        return Response(body, cookies=[refresh_cookie(request, result.tokens, now)])

    @post("/refresh", status_code=HTTP_200_OK, security=[], responses=error_responses(401))
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        refresh_session: NamedDependency[RefreshSession],
        data: JSONBody[RefreshBody | None] = None,
    ) -> Response[TokensOut]:
        """Trade the refresh token (in the body, or the cookie) for new tokens; each works once."""
        token = (data.refresh_token if data else None) or request.cookies.get(REFRESH_COOKIE)
        if not token:
            raise AuthenticationFailed("No refresh token was sent. Log in again.")
        tokens = await refresh_session(RefreshSessionCommand(refresh_token=token))
        now = datetime.now(UTC)
        return Response(TokensOut.of(tokens, now), cookies=[refresh_cookie(request, tokens, now)])

    @post("/logout", status_code=HTTP_200_OK)
    async def logout(
        self,
        principal: NamedDependency[Principal],
        logout: NamedDependency[Logout],
        data: JSONBody[LogoutBody | None] = None,
    ) -> Response[LoggedOutBody]:
        """End this session, or with `allDevices` every session of the member (as
        `POST /auth/logout-all` does)."""
        result = await logout(
            LogoutCommand(
                user_id=principal.user.id,
                session_id=principal.session_id,
                all_devices=bool(data and data.all_devices),
            )
        )
        return Response(
            LoggedOutBody(sessions_ended=result.sessions_ended),
            cookies=[cleared_refresh_cookie()],
        )


def cleared_refresh_cookie() -> Cookie:
    """Tells the browser to drop its refresh token, once the session behind it has ended."""
    return Cookie(key=REFRESH_COOKIE, value="", path=_COOKIE_PATH, max_age=0, httponly=True)


def refresh_cookie(request: Request[Any, Any, Any], tokens: IssuedTokens, now: datetime) -> Cookie:
    return Cookie(
        key=REFRESH_COOKIE,
        value=tokens.refresh_token,
        path=_COOKIE_PATH,
        max_age=max(0, int((tokens.refresh_expires_at - now).total_seconds())),
        httponly=True,
        samesite="strict",
        secure=bool(request.app.state.get("secure_cookies", False)),
    )
