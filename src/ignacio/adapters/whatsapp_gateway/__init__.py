"""An unofficial WhatsApp-Web gateway speaking seed 001's protocol: the shared secret on both
directions, the webhooks, the Channel, the numbers' sessions and the probe."""

from ignacio.adapters.whatsapp_gateway.channel import (
    LOGIN_CODE_TEXT,
    MAX_TEXT_LENGTH,
    GatewayChannel,
    GatewayMediaFetcher,
)
from ignacio.adapters.whatsapp_gateway.client import GatewayClient
from ignacio.adapters.whatsapp_gateway.health import GatewayProbe
from ignacio.adapters.whatsapp_gateway.parse import (
    CONNECTION_STATES,
    DELIVERY,
    EVENTS,
    MESSAGE,
    PROVIDER,
    STATUS,
    GatewayWebhookParser,
    envelope,
    parse_webhook,
)
from ignacio.adapters.whatsapp_gateway.sessions import WEBHOOK_PATH, GatewaySessions, NoGateway
from ignacio.adapters.whatsapp_gateway.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE_SECONDS,
    GatewayWebhookAuth,
    sign,
    signed_headers,
    verify_signature,
)

__all__ = [
    "CONNECTION_STATES",
    "DELIVERY",
    "EVENTS",
    "LOGIN_CODE_TEXT",
    "MAX_TEXT_LENGTH",
    "MESSAGE",
    "PROVIDER",
    "SIGNATURE_HEADER",
    "STATUS",
    "TIMESTAMP_HEADER",
    "TOLERANCE_SECONDS",
    "WEBHOOK_PATH",
    "GatewayChannel",
    "GatewayClient",
    "GatewayMediaFetcher",
    "GatewayProbe",
    "GatewaySessions",
    "GatewayWebhookAuth",
    "GatewayWebhookParser",
    "NoGateway",
    "envelope",
    "parse_webhook",
    "sign",
    "signed_headers",
    "verify_signature",
]
