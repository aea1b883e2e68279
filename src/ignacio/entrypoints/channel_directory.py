"""The ChannelDirectory: the deployment's own number as configured, and each workspace's own
numbers built from their sealed credentials with the provider's adapters (composed here, since
adapters do not know one another)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from uuid import UUID

import httpx

from ignacio.adapters import whatsapp_gateway
from ignacio.adapters.twilio import TwilioChannel, TwilioMediaFetcher
from ignacio.adapters.twilio.health import TwilioProbe
from ignacio.adapters.whatsapp_cloud import CloudApiChannel, CloudApiMediaFetcher
from ignacio.adapters.whatsapp_cloud.health import CloudApiProbe
from ignacio.application.ports import (
    Channel,
    HealthProbe,
    MediaFetcher,
    NumberSessions,
    Sealer,
)
from ignacio.domain import PhoneNumber, Provider
from ignacio.domain.channels import (
    ChannelAddress,
    ChannelCredentials,
    CloudApiCredentials,
    GatewayCredentials,
    TwilioCredentials,
    WorkspaceChannel,
    decode_credentials,
)
from ignacio.entrypoints.config import ChannelKind, Settings, reveal

Line = tuple[Channel, MediaFetcher]
LineFactory = Callable[[ChannelCredentials], Line]
ProbeFactory = Callable[[ChannelCredentials], HealthProbe]


class SealedChannelDirectory:
    """Builds a number's Channel and MediaFetcher once, on first use, and keeps them while its
    sealed credentials stay the same (a number connected again gets new ones, so it is built
    again). Credentials are opened only here, in memory, never logged."""

    def __init__(
        self,
        home_channel: Channel,
        home_media: MediaFetcher,
        sealer: Sealer,
        factories: Mapping[Provider, LineFactory],
        built: dict[UUID, tuple[bytes, Line]],
        probes: Mapping[Provider, ProbeFactory],
    ) -> None:
        self._home: Line = (home_channel, home_media)
        self._sealer = sealer
        self._factories = factories
        self._probes = probes
        # Shared by every directory of the process: numbers are built once, not per message.
        self._lines = built

    def channel(self, number: WorkspaceChannel | None) -> Channel:
        return self._line(number)[0]

    def media(self, number: WorkspaceChannel | None) -> MediaFetcher:
        return self._line(number)[1]

    async def verify(self, credentials: ChannelCredentials) -> str | None:
        check = await self._probes[credentials.provider](credentials).check()
        return None if check.ok else check.detail

    def _line(self, number: WorkspaceChannel | None) -> Line:
        if number is None:
            return self._home
        known = self._lines.get(number.id)
        if known is not None and known[0] == number.sealed_credentials:
            return known[1]
        credentials = decode_credentials(self._sealer.open(number.sealed_credentials))
        if credentials.provider is not number.provider:
            raise ValueError("the number's credentials are another provider's")
        line = self._factories[number.provider](credentials)
        self._lines[number.id] = (number.sealed_credentials, line)
        return line


def provider_lines(client: httpx.AsyncClient, settings: Settings) -> dict[Provider, LineFactory]:
    """How each provider's adapters are built for a workspace's number: its own credentials,
    the deployment's API addresses (and its Twilio status callback, since this deployment
    receives the statuses)."""
    cloud = settings.whatsapp_cloud
    twilio_settings = settings.twilio

    def cloud_line(credentials: ChannelCredentials) -> Line:
        assert isinstance(credentials, CloudApiCredentials)
        channel = CloudApiChannel(
            client,
            phone_number_id=credentials.phone_number_id,
            access_token=credentials.access_token,
            login_template_name=cloud.login_template,
            login_template_language=cloud.login_template_language,
            base_url=cloud.api_base_url,
            api_version=cloud.api_version,
        )
        media = CloudApiMediaFetcher(
            client,
            access_token=credentials.access_token,
            base_url=cloud.api_base_url,
            api_version=cloud.api_version,
        )
        return channel, media

    def twilio_line(credentials: ChannelCredentials) -> Line:
        assert isinstance(credentials, TwilioCredentials)
        channel = TwilioChannel(
            client,
            account_sid=credentials.account_sid,
            auth_token=credentials.auth_token,
            from_number=PhoneNumber.parse(credentials.number),
            api_base_url=twilio_settings.api_base_url,
            messaging_base_url=twilio_settings.messaging_base_url,
            status_callback_url=twilio_settings.status_callback,
        )
        media = TwilioMediaFetcher(
            client,
            account_sid=credentials.account_sid,
            auth_token=credentials.auth_token,
            api_base_url=twilio_settings.api_base_url,
        )
        return channel, media

    gateway = gateway_client(client, settings)

    def gateway_line(credentials: ChannelCredentials) -> Line:
        assert isinstance(credentials, GatewayCredentials)
        if gateway is None:
            raise ValueError("no WhatsApp-Web gateway is configured (WHATSAPP_GATEWAY_URL)")
        channel = whatsapp_gateway.GatewayChannel(
            gateway, number=PhoneNumber.parse(credentials.number)
        )
        return channel, whatsapp_gateway.GatewayMediaFetcher()

    return {
        Provider.WHATSAPP_CLOUD: cloud_line,
        Provider.TWILIO: twilio_line,
        Provider.WHATSAPP_GATEWAY: gateway_line,
    }


def provider_probes(client: httpx.AsyncClient, settings: Settings) -> dict[Provider, ProbeFactory]:
    """The providers' health probes, for a workspace's number: they say whether the credentials
    work for it, naming them as the workspace's admin typed them."""

    def cloud_probe(credentials: ChannelCredentials) -> HealthProbe:
        assert isinstance(credentials, CloudApiCredentials)
        return CloudApiProbe(
            client,
            phone_number_id=credentials.phone_number_id,
            access_token=credentials.access_token,
            base_url=settings.whatsapp_cloud.api_base_url,
            api_version=settings.whatsapp_cloud.api_version,
            names={
                "WHATSAPP_ACCESS_TOKEN": "the access token",
                "WHATSAPP_PHONE_NUMBER_ID": "the phone number id",
            },
        )

    def twilio_probe(credentials: ChannelCredentials) -> HealthProbe:
        assert isinstance(credentials, TwilioCredentials)
        return TwilioProbe(
            client,
            account_sid=credentials.account_sid,
            auth_token=credentials.auth_token,
            api_base_url=settings.twilio.api_base_url,
            names={"TWILIO_ACCOUNT_SID": "the account SID", "TWILIO_AUTH_TOKEN": "the auth token"},
        )

    gateway = gateway_client(client, settings)

    def gateway_probe(credentials: ChannelCredentials) -> HealthProbe:
        assert isinstance(credentials, GatewayCredentials)
        return whatsapp_gateway.GatewayProbe(gateway, number=PhoneNumber.parse(credentials.number))

    return {
        Provider.WHATSAPP_CLOUD: cloud_probe,
        Provider.TWILIO: twilio_probe,
        Provider.WHATSAPP_GATEWAY: gateway_probe,
    }


def gateway_client(
    client: httpx.AsyncClient, settings: Settings
) -> whatsapp_gateway.GatewayClient | None:
    """The deployment's WhatsApp-Web gateway, where one is configured."""
    gateway = settings.gateway
    secret = reveal(gateway.secret)
    if not gateway.url or not secret:
        return None
    return whatsapp_gateway.GatewayClient(client, base_url=gateway.url, secret=secret)


def gateway_sessions(client: httpx.AsyncClient, settings: Settings) -> NumberSessions:
    """The numbers' sessions at the deployment's gateway; without one, refusals that say so."""
    gateway = gateway_client(client, settings)
    if gateway is None or not settings.gateway.public_url:
        return whatsapp_gateway.NoGateway()
    return whatsapp_gateway.GatewaySessions(
        gateway,
        webhook_url=settings.gateway.public_url.rstrip("/") + whatsapp_gateway.WEBHOOK_PATH,
    )


# The number `ignacio dev whatsapp` says its deliveries are sent to, on the console channel.
CONSOLE_NUMBER = PhoneNumber.from_provider("+15550000000")


def home_number(settings: Settings) -> PhoneNumber | None:
    """The deployment's own number as people see it (for wa.me links): Twilio's sender,
    WHATSAPP_DISPLAY_NUMBER on the Cloud API, the demo number on the console channel."""
    kind = settings.channel.kind
    if kind is ChannelKind.TWILIO and settings.twilio.whatsapp_number:
        return settings.twilio.number
    if kind is ChannelKind.WHATSAPP_CLOUD:
        return settings.whatsapp_cloud.number
    if kind is ChannelKind.CONSOLE:
        return CONSOLE_NUMBER
    return None


def home_address(settings: Settings) -> ChannelAddress | None:
    """The deployment's own number as webhooks name it, where the configuration says it."""
    kind = settings.channel.kind
    if kind is ChannelKind.WHATSAPP_CLOUD and settings.whatsapp_cloud.phone_number_id:
        return ChannelAddress(
            provider=Provider.WHATSAPP_CLOUD, address=settings.whatsapp_cloud.phone_number_id
        )
    if kind is ChannelKind.TWILIO and settings.twilio.whatsapp_number:
        return ChannelAddress(provider=Provider.TWILIO, address=settings.twilio.number.e164)
    return None
