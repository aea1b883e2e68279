"""Twilio's WhatsApp API: webhook signatures and forms, the Channel and the MediaFetcher."""

from ignacio.adapters.twilio.channel import (
    DEFAULT_API_BASE_URL,
    DEFAULT_MESSAGING_BASE_URL,
    LOGIN_CODE_TEXT,
    MAX_TEXT_LENGTH,
    TwilioChannel,
)
from ignacio.adapters.twilio.failures import ERROR_TITLES, RETRIABLE_ERROR_CODES, error_title
from ignacio.adapters.twilio.media import DEFAULT_MAX_BYTES, TwilioMediaFetcher
from ignacio.adapters.twilio.parse import (
    PROVIDER,
    WHATSAPP_PREFIX,
    TwilioWebhookParser,
    our_number,
    parse_form,
    parse_webhook,
)
from ignacio.adapters.twilio.signature import (
    SETTINGS_HEADER,
    SIGNATURE_HEADER,
    TwilioWebhookAuth,
    sign,
    url_variants,
    verify_signature,
)

__all__ = [
    "DEFAULT_API_BASE_URL",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MESSAGING_BASE_URL",
    "ERROR_TITLES",
    "LOGIN_CODE_TEXT",
    "MAX_TEXT_LENGTH",
    "PROVIDER",
    "RETRIABLE_ERROR_CODES",
    "SETTINGS_HEADER",
    "SIGNATURE_HEADER",
    "WHATSAPP_PREFIX",
    "TwilioChannel",
    "TwilioMediaFetcher",
    "TwilioWebhookAuth",
    "TwilioWebhookParser",
    "error_title",
    "our_number",
    "parse_form",
    "parse_webhook",
    "sign",
    "url_variants",
    "verify_signature",
]
