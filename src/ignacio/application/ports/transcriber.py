"""Transcriber port: the words of a voice note or an audio file."""

from __future__ import annotations

from typing import Protocol


class Transcriber(Protocol):
    async def transcribe(self, audio: bytes, media_type: str, file_name: str) -> str:
        """The speech in the audio as text ("" when nothing is said); raises UpstreamUnavailable
        when the service cannot be reached or refuses the audio."""
        ...
