"""Meta's WhatsApp Cloud API: webhook signatures and parsing, the Channel and the MediaFetcher."""

from ignacio.adapters.whatsapp_cloud.channel import (
    DEFAULT_API_VERSION,
    DEFAULT_BASE_URL,
    MAX_TEXT_LENGTH,
    CloudApiChannel,
)
from ignacio.adapters.whatsapp_cloud.failures import RETRIABLE_ERROR_CODES
from ignacio.adapters.whatsapp_cloud.media import DEFAULT_MAX_BYTES, CloudApiMediaFetcher
from ignacio.adapters.whatsapp_cloud.parse import PROVIDER, CloudApiWebhookParser, parse_webhook
from ignacio.adapters.whatsapp_cloud.signature import CloudApiWebhookAuth, sign, verify_signature

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_BYTES",
    "MAX_TEXT_LENGTH",
    "PROVIDER",
    "RETRIABLE_ERROR_CODES",
    "CloudApiChannel",
    "CloudApiMediaFetcher",
    "CloudApiWebhookAuth",
    "CloudApiWebhookParser",
    "parse_webhook",
    "sign",
    "verify_signature",
]
