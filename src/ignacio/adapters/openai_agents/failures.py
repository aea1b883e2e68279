"""What went wrong with the model, as the UpstreamUnavailable the ports raise.

Each message says what an operator can do about it, and never repeats the provider's text for
a refused key (OpenAI's quotes part of the key).
"""

from __future__ import annotations

from typing import Any

import openai

from ignacio.domain import UpstreamUnavailable

_MAX_DETAIL = 300


def unavailable(error: BaseException, doing: str) -> UpstreamUnavailable:
    """The UpstreamUnavailable for `error`, raised while `doing` something ("answering")."""
    if isinstance(error, TimeoutError | openai.APITimeoutError):
        return UpstreamUnavailable(
            f"The model did not finish {doing} in time (IGNACIO_AI_TIMEOUT_SECONDS)."
        )
    if isinstance(error, openai.APIConnectionError):
        return UpstreamUnavailable(
            f"Could not reach the model server while {doing}. Check the network and "
            "IGNACIO_AI_BASE_URL."
        )
    if isinstance(error, openai.AuthenticationError):
        return UpstreamUnavailable(
            f"The model server refused the API key while {doing} (HTTP 401). Check "
            "OPENAI_API_KEY, and IGNACIO_AI_BASE_URL if set."
        )
    if isinstance(error, openai.RateLimitError):
        if error.code == "insufficient_quota":
            return UpstreamUnavailable(
                f"The model account has run out of quota ({doing}): check its plan and billing."
            )
        return UpstreamUnavailable(f"The model server is limiting requests while {doing}.")
    if isinstance(error, openai.NotFoundError):
        return UpstreamUnavailable(
            f"The model server does not know this model or endpoint while {doing} (HTTP 404). "
            "Check IGNACIO_AI_MODEL and IGNACIO_AI_API."
        )
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status >= 500:
            return UpstreamUnavailable(
                f"The model server failed while {doing} (HTTP {status}); try again later."
            )
        return UpstreamUnavailable(
            f"The model server refused the request while {doing} (HTTP {status}). "
            f"{_detail(error)}".rstrip()
        )
    return UpstreamUnavailable(f"The model failed while {doing} ({type(error).__name__}).")


def _detail(error: openai.APIStatusError) -> str:
    body: Any = error.body
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        return ""
    return message if len(message) <= _MAX_DETAIL else f"{message[:_MAX_DETAIL]}…"
