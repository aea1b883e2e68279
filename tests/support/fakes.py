"""Fakes that record what happened, so tests assert on state rather than on calls."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from ignacio.application.ports import (
    AssistantReply,
    AssistantTurn,
    FetchedMedia,
    OutgoingFile,
    SendFailure,
    SentMessage,
)
from ignacio.domain import MediaRef, PhoneNumber, Recipient, UpstreamUnavailable
from ignacio.domain.knowledge import Extraction, ExtractionStatus, Section, SectionKind
from ignacio.domain.templates import TemplateUse

TEST_JWT_SECRET = "test-secret-key-that-is-long-enough-for-hs256"
TEST_PHONE_KEY = base64.b64encode(bytes(range(32))).decode()
TEST_APP_SECRET = "test-whatsapp-app-secret"
TEST_VERIFY_TOKEN = "test-verify-token"


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after the point where it is raised runs."""


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    async def sleep(self, seconds: float) -> None:
        """A wait that only moves this clock on (for code that sleeps a little)."""
        self.advance(seconds=seconds)


class RecordingChannel:
    """A WhatsApp channel that keeps what it was asked to send, to whom: a number in E.164, or a
    WhatsApp user id as it is.

    `failures` are raised, in order, by the next sends of text (`code_failures` by those of login
    codes); `crash_on_send` raises a BaseException
    the way a killed worker stops mid-send.
    """

    max_text_length = 4096

    def __init__(self) -> None:
        self.codes: list[tuple[str, str]] = []
        self.texts: list[tuple[str, str]] = []
        self.read: list[str] = []
        self.failures: list[SendFailure] = []
        # Raised, in order, by the next login codes sent.
        self.code_failures: list[SendFailure] = []
        self.crash_on_send = False
        self.templates: list[tuple[str, TemplateUse]] = []
        self.files: list[tuple[str, OutgoingFile]] = []

    async def send_login_code(self, to: PhoneNumber, code: str) -> SentMessage:
        if self.code_failures:
            raise self.code_failures.pop(0)
        self.codes.append((to.e164, code))
        return SentMessage(external_id=f"code-{len(self.codes)}")

    async def send_text(self, to: Recipient, text: str) -> SentMessage:
        if self.crash_on_send:
            raise WorkerKilled
        if self.failures:
            raise self.failures.pop(0)
        self.texts.append((str(to), text))
        return SentMessage(external_id=f"wamid.sent.{len(self.texts)}")

    async def send_template(self, to: Recipient, template: TemplateUse) -> SentMessage:
        if self.failures:
            raise self.failures.pop(0)
        self.templates.append((str(to), template))
        return SentMessage(external_id=f"wamid.template.{len(self.templates)}")

    async def send_file(self, to: Recipient, file: OutgoingFile) -> SentMessage:
        if self.failures:
            raise self.failures.pop(0)
        self.files.append((str(to), file))
        return SentMessage(external_id=f"wamid.file.{len(self.files)}")

    async def mark_read(self, external_id: str) -> None:
        self.read.append(external_id)

    def texts_to(self, phone: str) -> list[str]:
        e164 = PhoneNumber.parse(phone).e164
        return [text for to, text in self.texts if to == e164]

    def texts_to_id(self, user_id: str) -> list[str]:
        """What went to a WhatsApp user id (a member whose number is not known)."""
        return [text for to, text in self.texts if to == user_id]

    def last_code(self, phone: str) -> str:
        e164 = PhoneNumber.parse(phone).e164
        for to, code in reversed(self.codes):
            if to == e164:
                return code
        raise AssertionError(f"no code was sent to {e164}")

    def codes_to(self, phone: str) -> list[str]:
        e164 = PhoneNumber.parse(phone).e164
        return [code for to, code in self.codes if to == e164]


class EchoAssistant:
    """Answers with what it saw, so tests can check what reached the assistant."""

    def __init__(self) -> None:
        self.turns: list[AssistantTurn] = []
        self.failing = False
        self.reply_text: str | None = None

    async def answer(self, turn: AssistantTurn) -> AssistantReply:
        if self.reply_text is not None:
            self.turns.append(turn)
            return AssistantReply(text=self.reply_text, model="scripted")
        if self.failing:
            raise UpstreamUnavailable("The assistant is unavailable right now; try again shortly.")
        self.turns.append(turn)
        # A burst's messages, oldest first, each as the assistant got it.
        said = " + ".join(message.content for message in turn.messages)
        return AssistantReply(text=f"echo: {said} (history {len(turn.history)})", model="echo")


class RecordingQueue:
    """A job queue that only records what was queued, so tests run each job by hand."""

    def __init__(self) -> None:
        self.queued: list[tuple[UUID, float]] = []
        self.syncs: list[tuple[UUID, float]] = []
        self.login_codes: list[UUID] = []
        self.summaries: list[UUID] = []
        self.drains = 0

    async def enqueue_processing(self, message_id: UUID, *, delay_seconds: float = 0) -> None:
        self.queued.append((message_id, delay_seconds))

    async def enqueue_lost(self, message_ids: Sequence[UUID]) -> int:
        # Nothing here runs by itself, so nothing queued is running: each is queued again.
        for message_id in message_ids:
            self.queued.append((message_id, 0))
        return len(message_ids)

    async def enqueue_inbox_drain(self) -> None:
        self.drains += 1

    async def enqueue_login_code(self, challenge_id: UUID) -> None:
        self.login_codes.append(challenge_id)

    async def enqueue_file_sync(self, file_id: UUID, *, delay_seconds: float = 0) -> None:
        self.syncs.append((file_id, delay_seconds))

    async def enqueue_summary(self, conversation_id: UUID) -> None:
        self.summaries.append(conversation_id)


class FakeMediaFetcher:
    """Media by provider id; unknown ids fail for good, `failures` are raised first."""

    def __init__(self) -> None:
        self.media: dict[str, tuple[bytes, str]] = {}
        self.failures: list[SendFailure] = []

    async def fetch(self, media: MediaRef) -> FetchedMedia:
        if self.failures:
            raise self.failures.pop(0)
        found = self.media.get(media.provider_media_id or "")
        if found is None:
            raise SendFailure("Media not found.", retriable=False, code=100)
        return FetchedMedia(content=found[0], mime_type=found[1])


class FakeTranscriber:
    """Hears `transcript` in any audio; `failing` makes it unavailable. Keeps what it was sent."""

    def __init__(self, transcript: str = "Necesito ayuda con el presupuesto") -> None:
        self.transcript = transcript
        self.failing = False
        self.heard: list[tuple[bytes, str, str]] = []

    async def transcribe(self, audio: bytes, media_type: str, file_name: str) -> str:
        if self.failing:
            raise UpstreamUnavailable("The transcription service is unavailable.")
        self.heard.append((audio, media_type, file_name))
        return self.transcript


class PlainTextExtractor:
    """Reads text/plain, one section per paragraph; anything else has no text it can read."""

    async def extract(self, content: bytes, media_type: str) -> Extraction:
        if media_type != "text/plain":
            return Extraction(status=ExtractionStatus.FAILED, note="Only plain text is read here.")
        paragraphs = [part.strip() for part in content.decode().split("\n\n") if part.strip()]
        if not paragraphs:
            return Extraction(status=ExtractionStatus.NO_TEXT)
        return Extraction(
            status=ExtractionStatus.EXTRACTED,
            sections=[Section(kind=SectionKind.PARAGRAPH, text=text) for text in paragraphs],
        )
