"""Channel port: how Ignacio reaches a person on WhatsApp."""

from __future__ import annotations

from typing import Protocol

import msgspec

from ignacio.domain import PhoneNumber, Recipient
from ignacio.domain.pacing import Throttle
from ignacio.domain.templates import TemplateUse


class SentMessage(msgspec.Struct, frozen=True, kw_only=True):
    """What the provider said when it accepted a message."""

    external_id: str | None = None


class OutgoingFile(msgspec.Struct, frozen=True, kw_only=True):
    """A file to send a person, with what they read under it.

    `link` is a short-lived public address of the same bytes, for providers that fetch a file
    themselves rather than take an upload (Twilio); None where none can be made."""

    file_name: str
    media_type: str
    content: bytes
    caption: str | None = None
    link: str | None = None


class SendFailure(Exception):
    """The provider did not take the message.

    `retriable`: it may pass (throttling, a server error, the network); `retry_after` is the
    provider's own wish, in seconds. Otherwise the message will never go through as it is
    (outside the 24-hour window, an invalid recipient, ...); `code` and `title` say why.

    `throttled`: the provider refused because of one of its rate limits (too many to this person,
    or from this number: Meta's 131056, 130429), which passes with time; it is waited out rather
    than counted as a failed attempt (see `Pacing`). Always retriable.
    """

    def __init__(
        self,
        title: str,
        *,
        retriable: bool,
        code: int | None = None,
        retry_after: float | None = None,
        throttled: Throttle | None = None,
    ) -> None:
        super().__init__(title)
        self.title = title
        self.retriable = retriable or throttled is not None
        self.code = code
        self.retry_after = retry_after
        self.throttled = throttled


class Channel(Protocol):
    """Messages go to a `Recipient`: a phone number, or the person's id with the provider
    (Meta's BSUID) for someone whose number is not known. A provider that cannot send to an id
    raises SendFailure (not retriable) saying so. Login codes go to numbers only: WhatsApp's
    authentication templates need one."""

    max_text_length: int
    """The longest text the provider accepts in one message, in characters."""

    async def send_login_code(self, to: PhoneNumber, code: str) -> SentMessage:
        """Deliver a one-time login code (a template where the provider requires one); raises SendFailure."""
        ...

    async def send_text(self, to: Recipient, text: str) -> SentMessage:
        """Deliver one text of at most `max_text_length` characters; raises SendFailure."""
        ...

    async def send_template(self, to: Recipient, template: TemplateUse) -> SentMessage:
        """Deliver an approved template with its values (allowed outside the 24-hour window);
        raises SendFailure."""
        ...

    async def send_file(self, to: Recipient, file: OutgoingFile) -> SentMessage:
        """Deliver a file (a photo, a document...) with its caption; raises SendFailure."""
        ...

    async def mark_read(self, external_id: str) -> None:
        """Show the person their message (and those before it) was read and that an answer is
        being typed, until the answer or for ~25 s; called again, the indicator shows again.
        Best effort, never raises."""
        ...
