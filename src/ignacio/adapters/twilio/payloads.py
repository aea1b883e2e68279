"""The shapes of Twilio's REST answers Ignacio reads, as lenient msgspec Structs.

Twilio adds fields without notice, so unknown fields are ignored and every field is optional.
"""

from __future__ import annotations

import msgspec


class TwilioError(msgspec.Struct, frozen=True, kw_only=True):
    """A REST refusal: `{"code": 21211, "message": "...", "more_info": "...", "status": 400}`."""

    code: int | None = None
    message: str | None = None
    more_info: str | None = None
    status: int | None = None


class MessageResource(msgspec.Struct, frozen=True, kw_only=True):
    """What `POST /2010-04-01/Accounts/{sid}/Messages.json` answers when it takes a message."""

    sid: str | None = None
    status: str | None = None
    error_code: int | None = None
    error_message: str | None = None
