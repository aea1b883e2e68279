"""The transcriber against the fake's `/v1/audio/transcriptions` (multipart, over HTTP)."""

from __future__ import annotations

import openai
import pytest

from ignacio.adapters.openai_agents import OpenAITranscriber
from ignacio.adapters.openai_agents.transcriber import upload_name
from ignacio.domain import UpstreamUnavailable
from tests.support.fake_openai import FakeOpenAI, TranscriptionRequest


async def test_a_voice_note_is_uploaded_and_its_words_returned(
    fake: FakeOpenAI, client: openai.AsyncOpenAI
) -> None:
    fake.transcribe_as("  Necesito ayuda con el presupuesto.  ")
    transcriber = OpenAITranscriber(client, model="whisper-1")

    words = await transcriber.transcribe(b"OggS voice", "audio/ogg; codecs=opus", "audio.oga")

    assert words == "Necesito ayuda con el presupuesto."
    assert fake.transcriptions == [
        TranscriptionRequest(
            model="whisper-1",
            file_name="audio.ogg",
            content_type="audio/ogg",
            audio=b"OggS voice",
        )
    ]


async def test_a_failing_service_is_reported_unavailable(
    fake: FakeOpenAI, client: openai.AsyncOpenAI
) -> None:
    for _ in range(3):
        fake.fail_transcription(503, retry_after=0.01)

    with pytest.raises(UpstreamUnavailable, match="transcribing"):
        await OpenAITranscriber(client, model="whisper-1").transcribe(b"x", "audio/mpeg", "a.mp3")

    assert fake.refusals == [503, 503, 503]


@pytest.mark.parametrize(
    ("name", "media_type", "expected"),
    [
        ("audio.oga", "audio/ogg", "audio.ogg"),
        ("voice", "audio/mpeg", "voice.mp3"),
        ("memo.m4a", "audio/mp4", "memo.m4a"),
        ("clip.amr", "audio/amr", "clip.amr"),
    ],
)
def test_the_upload_is_named_for_the_format_the_service_expects(
    name: str, media_type: str, expected: str
) -> None:
    assert upload_name(name, media_type) == expected
