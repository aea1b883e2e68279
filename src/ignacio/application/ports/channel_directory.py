"""ChannelDirectory port: what speaks to WhatsApp through a given number."""

from __future__ import annotations

from typing import Protocol

from ignacio.application.ports.channel import Channel
from ignacio.application.ports.media_fetcher import MediaFetcher
from ignacio.domain.channels import ChannelCredentials, WorkspaceChannel


class ChannelDirectory(Protocol):
    """For a workspace's own number, built from its sealed credentials; for None, the
    deployment's own number (IGNACIO_CHANNEL). Both raise ValueError if the credentials cannot
    be opened (sealed with another key)."""

    def channel(self, number: WorkspaceChannel | None) -> Channel:
        """What sends from the number."""
        ...

    def media(self, number: WorkspaceChannel | None) -> MediaFetcher:
        """What downloads the media people send to the number (the provider keeps it under the
        number's account)."""
        ...

    async def verify(self, credentials: ChannelCredentials) -> str | None:
        """Ask the provider whether the credentials work for their number (Meta: the token
        sees the phone-number id; Twilio: the account SID and token are its, and the account
        is active). None if they do; else why not, for the person who gave them."""
        ...
