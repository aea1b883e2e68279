"""Webhooks from WhatsApp providers: authenticated by signature, acknowledged once the delivery is
kept in the inbox (one group-committed insert); its messages are stored right after, off the
request, so providers get their 200 fast and a crash after it loses nothing."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN

from ignacio.adapters import twilio, whatsapp_gateway
from ignacio.adapters.whatsapp_cloud import CloudApiWebhookAuth
from ignacio.domain import Provider
from ignacio.domain.channels import TwilioCredentials
from ignacio.entrypoints.http.dependencies import Webhook
from ignacio.entrypoints.http.error_responses import error_responses
from ignacio.entrypoints.http.schemas import ErrorBody, GatewayReceiptOut, WebhookReceiptOut

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "x-hub-signature-256"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


class WhatsAppWebhookController(Controller):
    path = "/webhooks/whatsapp"
    tags = ["webhooks"]
    security = []

    @get(
        "/",
        media_type="text/plain",
        responses={
            HTTP_403_FORBIDDEN: ResponseSpec(
                str,
                description="Not a subscription check with the right verify token.",
                media_type="text/plain",
                generate_examples=False,
            )
        },
    )
    async def verify(
        self,
        whatsapp_webhook_auth: NamedDependency[CloudApiWebhookAuth],
        mode: Annotated[str | None, QueryParameter(name="hub.mode")] = None,
        verify_token: Annotated[str | None, QueryParameter(name="hub.verify_token")] = None,
        challenge: Annotated[
            str | None, QueryParameter(name="hub.challenge", max_length=200)
        ] = None,
    ) -> Response[str]:
        """Meta's subscription check: echo `hub.challenge` when the verify token matches."""
        if challenge and whatsapp_webhook_auth.subscribes(mode, verify_token):
            return Response(challenge, status_code=HTTP_200_OK, media_type="text/plain")
        log.warning("webhook verification refused", mode=mode)
        return Response(
            "Verification failed.", status_code=HTTP_403_FORBIDDEN, media_type="text/plain"
        )

    @post("/", status_code=HTTP_200_OK, responses=error_responses(400, 401))
    async def receive(
        self,
        request: Request[Any, Any, Any],
        whatsapp_webhook: NamedDependency[Webhook[CloudApiWebhookAuth]],
    ) -> Response[WebhookReceiptOut | ErrorBody]:
        """A signed delivery of messages and statuses. 200 once the delivery is kept (its
        messages are stored, de-duplicated, and answered right after); 400 if the body is not
        JSON; 401 if the X-Hub-Signature-256 header does not match the raw body."""
        body = await request.body()
        if not whatsapp_webhook.auth.signed(body, request.headers.get(SIGNATURE_HEADER)):
            log.warning(
                "webhook signature rejected",
                has_header=SIGNATURE_HEADER in request.headers,
                client=request.client.host if request.client else None,
            )
            return Response(
                ErrorBody(
                    error="invalid_signature",
                    message="The X-Hub-Signature-256 header does not match the body.",
                ),
                status_code=HTTP_401_UNAUTHORIZED,
            )
        accepted = await whatsapp_webhook.accept(Provider.WHATSAPP_CLOUD, body)
        return Response(WebhookReceiptOut(messages=accepted.messages, updates=accepted.updates))


class TwilioWebhookController(Controller):
    """Twilio posts incoming messages to /webhooks/twilio (the number's "A message comes in"
    URL) and delivery reports to /webhooks/twilio/status (the StatusCallback Ignacio sets on what
    it sends); either path takes either kind, since they differ only in the URL Twilio signs."""

    path = "/webhooks/twilio"
    tags = ["webhooks"]
    security = []

    @post(
        "/",
        status_code=HTTP_200_OK,
        media_type=MediaType.XML,
        responses=error_responses(400, 403),
    )
    async def receive(
        self,
        request: Request[Any, Any, Any],
        twilio_webhook: NamedDependency[Webhook[twilio.TwilioWebhookAuth]],
    ) -> Response[str | ErrorBody]:
        """An incoming WhatsApp message, form-encoded and signed (X-Twilio-Signature). 200 with
        an empty TwiML `<Response/>` once it is kept (the answer follows through the REST API);
        403 if the signature does not match the form and the public URL."""
        return await _receive_twilio(request, twilio_webhook, status=False)

    @post(
        "/status",
        status_code=HTTP_200_OK,
        media_type=MediaType.XML,
        responses=error_responses(400, 403),
    )
    async def status(
        self,
        request: Request[Any, Any, Any],
        twilio_webhook: NamedDependency[Webhook[twilio.TwilioWebhookAuth]],
    ) -> Response[str | ErrorBody]:
        """A status callback for a message Ignacio sent (sent, delivered, read, failed with
        Twilio's ErrorCode), signed like the messages (for TWILIO_STATUS_CALLBACK_URL, when set)."""
        return await _receive_twilio(request, twilio_webhook, status=True)


async def _receive_twilio(
    request: Request[Any, Any, Any],
    webhook: Webhook[twilio.TwilioWebhookAuth],
    *,
    status: bool,
) -> Response[str | ErrorBody]:
    """Check the signature against each URL Twilio may have called, then keep the form.

    A form about a workspace's own number (`To`; `From` in a status callback) must be signed
    with that number's account token; any other, with the deployment's. So a number routes
    only what its own account signed: connecting someone else's number gains nothing.
    """
    body = await request.body()
    form = twilio.parse_form(body)
    address = twilio.our_number(dict(form), status=status)
    credentials = await webhook.numbers(Provider.TWILIO, address) if address else None
    if not webhook.auth.signed(
        form,
        request.headers.get(twilio.SIGNATURE_HEADER),
        request.headers.get(twilio.SETTINGS_HEADER),
        request_url=str(request.url),
        path_and_query=_path_and_query(request),
        status=status,
        auth_token=credentials.auth_token if isinstance(credentials, TwilioCredentials) else None,
    ):
        log.warning(
            "twilio webhook signature rejected",
            has_header=twilio.SIGNATURE_HEADER in request.headers,
            client=request.client.host if request.client else None,
        )
        return Response(
            ErrorBody(
                error="invalid_signature",
                message="The X-Twilio-Signature header does not match the form and the URL.",
            ),
            status_code=HTTP_403_FORBIDDEN,
            media_type=MediaType.JSON,
        )
    accepted = await webhook.accept(Provider.TWILIO, body)
    log.debug("twilio webhook kept", messages=accepted.messages, updates=accepted.updates)
    return Response(EMPTY_TWIML, status_code=HTTP_200_OK, media_type=MediaType.XML)


def _path_and_query(request: Request[Any, Any, Any]) -> str:
    """The path and query as the client sent them (behind a proxy, the public URL's host and
    scheme are not the request's own, but these are what Twilio signed after them)."""
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    query: bytes = request.scope.get("query_string", b"")
    path = raw_path.decode("latin-1")
    return f"{path}?{query.decode('latin-1')}" if query else path


class GatewayWebhookController(Controller):
    """What a WhatsApp-Web gateway posts under the `webhook_url` Ignacio gave it in `/connect`
    (`<WHATSAPP_GATEWAY_PUBLIC_URL>/webhooks/gateway`): a message to one of the workspaces'
    gateway numbers, where a number's link to WhatsApp stands, and what became of a message
    Ignacio sent. Each is signed with the shared secret (`X-Gateway-Timestamp`,
    `X-Gateway-Signature`); an unsigned or wrongly signed one is refused before anything is
    kept."""

    path = "/webhooks/gateway"
    tags = ["webhooks"]
    security = []

    @post("/message", status_code=HTTP_200_OK, responses=error_responses(400, 401))
    async def message(
        self,
        request: Request[Any, Any, Any],
        gateway_webhook: NamedDependency[Webhook[whatsapp_gateway.GatewayWebhookAuth]],
    ) -> Response[GatewayReceiptOut | ErrorBody]:
        """A message to one of our numbers: `{phone_number, message_id, from, message, type,
        timestamp, name}`. 200 once kept (it is stored, de-duplicated by `message_id`, and
        answered right after); 400 if the body is not a JSON object; 401 if unsigned."""
        return await _receive_gateway(request, gateway_webhook, whatsapp_gateway.MESSAGE)

    @post("/status", status_code=HTTP_200_OK, responses=error_responses(400, 401))
    async def status(
        self,
        request: Request[Any, Any, Any],
        gateway_webhook: NamedDependency[Webhook[whatsapp_gateway.GatewayWebhookAuth]],
    ) -> Response[GatewayReceiptOut | ErrorBody]:
        """Where a number's link to WhatsApp stands: `{phone_number, status, qr_code, reason,
        timestamp}`, `status` being `qr` (with a new `qr_code` to scan), `connected` or
        `disconnected`. A linked number that drops is shown disconnected to its workspace's
        admins, and audited."""
        return await _receive_gateway(request, gateway_webhook, whatsapp_gateway.STATUS)

    @post("/delivery", status_code=HTTP_200_OK, responses=error_responses(400, 401))
    async def delivery(
        self,
        request: Request[Any, Any, Any],
        gateway_webhook: NamedDependency[Webhook[whatsapp_gateway.GatewayWebhookAuth]],
    ) -> Response[GatewayReceiptOut | ErrorBody]:
        """What became of a message Ignacio sent: `{phone_number, message_id, status, error,
        timestamp}`, `status` being `sent`, `delivered`, `read` or `failed`."""
        return await _receive_gateway(request, gateway_webhook, whatsapp_gateway.DELIVERY)


async def _receive_gateway(
    request: Request[Any, Any, Any],
    webhook: Webhook[whatsapp_gateway.GatewayWebhookAuth],
    event: str,
) -> Response[GatewayReceiptOut | ErrorBody]:
    body = await request.body()
    if not webhook.auth.signed(
        body,
        request.headers.get(whatsapp_gateway.SIGNATURE_HEADER),
        request.headers.get(whatsapp_gateway.TIMESTAMP_HEADER),
    ):
        log.warning(
            "gateway webhook signature rejected",
            webhook=event,
            has_header=whatsapp_gateway.SIGNATURE_HEADER in request.headers,
            client=request.client.host if request.client else None,
        )
        return Response(
            ErrorBody(
                error="invalid_signature",
                message="X-Gateway-Signature does not sign X-Gateway-Timestamp and the body with "
                "the shared secret, or the timestamp is more than five minutes away.",
            ),
            status_code=HTTP_401_UNAUTHORIZED,
        )
    accepted = await webhook.accept(
        Provider.WHATSAPP_GATEWAY, whatsapp_gateway.envelope(event, body)
    )
    return Response(
        GatewayReceiptOut(
            messages=accepted.messages,
            updates=accepted.updates,
            connections=accepted.connections,
        )
    )
