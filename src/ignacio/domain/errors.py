"""Domain errors: every rule the core enforces fails with one of these, never with a framework error.

Entrypoints map each class to a status in one place; the message is written for the person who
made the request, so it says what went wrong and what to do about it.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """A value from outside breaks a rule (bad phone number, empty message, too long a name)."""

    code = "invalid_input"


class TooLarge(InvalidInput):
    """The content is bigger than Ignacio keeps (a file over 25 MB)."""

    code = "too_large"


class UnsupportedFileType(InvalidInput):
    """The content is not of a type Ignacio accepts, whatever its name says."""

    code = "unsupported_media_type"


class NotFound(DomainError):
    """The resource does not exist, or the caller may not know that it exists."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    code = "permission_denied"


class AuthenticationFailed(DomainError):
    """The caller could not be identified (missing, expired, forged or revoked credentials)."""

    code = "authentication_failed"


class InvalidCode(AuthenticationFailed):
    """The login code is wrong or there is no code waiting for this number."""

    code = "invalid_code"


class CodeExpired(AuthenticationFailed):
    """The login code was right once but is no longer valid."""

    code = "code_expired"


class TooManyAttempts(AuthenticationFailed):
    """Too many wrong codes: the code is locked and a new one must be requested."""

    code = "too_many_attempts"


class RateLimited(DomainError):
    """The caller asked too often; `retry_after` says how many seconds to wait."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Conflict(DomainError):
    """The request clashes with the current state (a number already registered, the last admin)."""

    code = "conflict"


class UpstreamUnavailable(DomainError):
    """A service the core depends on (the model, the channel) failed; nothing was lost."""

    code = "upstream_unavailable"


class Busy(DomainError):
    """This server has no room for the request now (its live streams are all taken, or it is
    stopping); another instance, or this one in `retry_after` seconds, will take it."""

    code = "busy"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
