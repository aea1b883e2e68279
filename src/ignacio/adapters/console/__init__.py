"""The console channel: prints what would go out on WhatsApp, for laptops and demos; and its
health probe, which has nothing to check."""

from __future__ import annotations

import sys
import uuid
from typing import TextIO

from ignacio.application.ports import FetchedMedia, OutgoingFile, SendFailure, SentMessage
from ignacio.domain import CheckName, HealthCheck, MediaRef, PhoneNumber, Recipient
from ignacio.domain.templates import TemplateUse


class ConsoleChannel:
    """Writes every outgoing message, login codes included, to standard output.

    Printed rather than logged on purpose: the code must reach the person trying Ignacio, but
    never a log collector.
    """

    max_text_length = 4096

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send_login_code(self, to: PhoneNumber, code: str) -> SentMessage:
        self._print(to, f"Your Ignacio login code is {code}. It expires in a few minutes.")
        return SentMessage()

    async def send_text(self, to: Recipient, text: str) -> SentMessage:
        self._print(to, text)
        return SentMessage(external_id=f"console.{uuid.uuid4().hex}")

    async def send_template(self, to: Recipient, template: TemplateUse) -> SentMessage:
        self._print(to, template.preview())
        return SentMessage(external_id=f"console.{uuid.uuid4().hex}")

    async def send_file(self, to: Recipient, file: OutgoingFile) -> SentMessage:
        described = f"[file: {file.file_name}, {file.media_type}, {len(file.content)} bytes]"
        self._print(to, f"{described}\n{file.caption}" if file.caption else described)
        return SentMessage(external_id=f"console.{uuid.uuid4().hex}")

    async def mark_read(self, external_id: str) -> None:
        return None

    def _print(self, to: Recipient, text: str) -> None:
        stream = self._stream or sys.stdout
        first, *rest = text.splitlines() or [""]
        # A message of several lines is indented under its first and followed by a blank line,
        # so that it reads as one message among the log lines around it.
        lines = [f"[whatsapp -> {to}] {first}", *(f"    {line}".rstrip() for line in rest)]
        stream.write("\n".join(lines) + ("\n\n" if rest else "\n"))
        stream.flush()


class ConsoleMediaFetcher:
    """With no provider there is nowhere to fetch media from; say so rather than pretend."""

    async def fetch(self, media: MediaRef) -> FetchedMedia:
        raise SendFailure(
            "No WhatsApp provider is configured, so media cannot be downloaded.", retriable=False
        )


__all__ = ["ConsoleChannel", "ConsoleChannelProbe", "ConsoleMediaFetcher"]


class ConsoleChannelProbe:
    """The console channel needs nothing outside this process: there is nothing to check."""

    async def check(self) -> HealthCheck:
        return HealthCheck.passed(CheckName.WHATSAPP, "console (nothing to check)")
