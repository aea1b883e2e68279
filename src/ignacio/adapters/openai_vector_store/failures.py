"""OpenAI's refusals and network failures, as the `UpstreamUnavailable` the DocumentIndex port raises.

Every message says what an operator can do. The API key is never part of one: a 401 says which
setting to check without repeating OpenAI's text, which quotes part of the key.
"""

from __future__ import annotations

from typing import Any

import openai

from ignacio.adapters.http_support import retry_after_seconds
from ignacio.domain.errors import UpstreamUnavailable

_MAX_DETAIL = 300


def unavailable(error: openai.OpenAIError, doing: str) -> UpstreamUnavailable:
    """The UpstreamUnavailable an SDK error raised while `doing` something ("uploading a file")."""
    if isinstance(error, openai.APITimeoutError):
        return UpstreamUnavailable(f"OpenAI did not answer in time while {doing}; try again.")
    if isinstance(error, openai.APIConnectionError):
        return UpstreamUnavailable(
            f"Could not reach OpenAI while {doing}. Check the network and IGNACIO_AI_BASE_URL."
        )
    if isinstance(error, openai.AuthenticationError):
        return UpstreamUnavailable(
            f"OpenAI refused the API key while {doing} (HTTP 401). Check OPENAI_API_KEY: it "
            "must be a current key of the project (and IGNACIO_AI_BASE_URL, if set, must be "
            "the server that key belongs to)."
        )
    if isinstance(error, openai.PermissionDeniedError):
        return UpstreamUnavailable(
            f"OpenAI denied access while {doing} (HTTP 403): the API key in OPENAI_API_KEY "
            f"needs write access to Files and Vector stores. {_detail(error)}".rstrip()
        )
    if isinstance(error, openai.RateLimitError):
        if error.code == "insufficient_quota":
            return UpstreamUnavailable(
                f"OpenAI says the account has run out of quota ({doing}): check the plan and "
                "billing of the project OPENAI_API_KEY belongs to."
            )
        wait = retry_after_seconds(error.response.headers.get("retry-after"))
        hint = f" Retry after {wait:g} s." if wait is not None else ""
        return UpstreamUnavailable(f"OpenAI is limiting requests while {doing}.{hint}")
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        if status >= 500:
            return UpstreamUnavailable(
                f"OpenAI failed while {doing} (HTTP {status}); try again later."
            )
        return UpstreamUnavailable(
            f"OpenAI refused the request while {doing} (HTTP {status}). {_detail(error)}".rstrip()
        )
    return UpstreamUnavailable(f"OpenAI failed while {doing} ({type(error).__name__}).")


def _detail(error: openai.APIStatusError) -> str:
    body: Any = error.body
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message:
        return ""
    return message if len(message) <= _MAX_DETAIL else f"{message[:_MAX_DETAIL]}…"
