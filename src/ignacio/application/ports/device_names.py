"""DeviceNames port: what a person would call the device behind a User-Agent header."""

from __future__ import annotations

from typing import Protocol


class DeviceNames(Protocol):
    def name(self, user_agent: str) -> str | None:
        """A short readable name for the browser and device a User-Agent describes ("Firefox on
        Windows", "Safari on iPhone", "curl"); None when it tells nothing. Never raises, whatever
        the header holds."""
        ...
