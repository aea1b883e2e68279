"""The Transcriber port on an OpenAI-compatible `/v1/audio/transcriptions` (Whisper and kin)."""

from __future__ import annotations

import asyncio

import openai

from ignacio.adapters.openai_agents.failures import unavailable

# The service tells formats apart by the file's extension, and knows only these; WhatsApp's
# voice notes are Ogg/Opus, which Python's own table would name `.oga`.
_EXTENSIONS = {
    "audio/ogg": "ogg",
    "audio/opus": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mp4": "m4a",
    "audio/m4a": "m4a",
    "audio/x-m4a": "m4a",
    "audio/aac": "m4a",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/webm": "webm",
    "audio/flac": "flac",
    "video/mp4": "mp4",
}


class OpenAITranscriber:
    """Transcribes with `model` (`whisper-1`, `gpt-4o-mini-transcribe`, a local Whisper server's)."""

    def __init__(
        self, client: openai.AsyncOpenAI, *, model: str, timeout_seconds: float = 60.0
    ) -> None:
        self._client = client
        self._model = model
        self._timeout = timeout_seconds

    async def transcribe(self, audio: bytes, media_type: str, file_name: str) -> str:
        bare_type = media_type.split(";")[0].strip().lower()
        name = upload_name(file_name, bare_type)
        try:
            async with asyncio.timeout(self._timeout):
                result = await self._client.audio.transcriptions.create(
                    model=self._model, file=(name, audio, bare_type)
                )
        except (TimeoutError, openai.OpenAIError) as error:
            raise unavailable(error, "transcribing a voice note") from error
        return result.text.strip()


def upload_name(file_name: str, media_type: str) -> str:
    """The file name to upload under: the stored name, with the extension the service expects."""
    extension = _EXTENSIONS.get(media_type.split(";")[0].strip().lower())
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    if extension is None:
        return file_name
    return f"{stem or 'audio'}.{extension}"
