"""The messaging providers Ignacio speaks WhatsApp through."""

from __future__ import annotations

from enum import StrEnum


class Provider(StrEnum):
    """A provider Ignacio speaks WhatsApp through: who signed a webhook delivery (and so which
    format its body is in), and who carried a message. The names are `IGNACIO_CHANNEL`'s."""

    WHATSAPP_CLOUD = "whatsapp_cloud"
    TWILIO = "twilio"
    WHATSAPP_GATEWAY = "whatsapp_gateway"
    """An unofficial WhatsApp-Web gateway (seed 001): workspaces' own numbers only, each linked
    by scanning a QR code; never `IGNACIO_CHANNEL`."""
