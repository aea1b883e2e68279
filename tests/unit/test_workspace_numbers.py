"""A workspace's own numbers in the core: which workspace a message is for (`route`), which
number answers it, what happens once a number is gone, and the rules of connecting one."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.adapters.security import AesGcmSealer
from ignacio.application.ports import Channel, MediaFetcher
from ignacio.application.routing import route
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.manage_workspaces import CreateWorkspaceCommand
from ignacio.application.use_cases.workspace_channels import ConnectChannelCommand
from ignacio.application.workspaces import default_workspace
from ignacio.domain import (
    Conflict,
    InboundMessage,
    InvalidInput,
    MessageType,
    PhoneNumber,
    Provider,
    Sender,
)
from ignacio.domain.channels import (
    ChannelAddress,
    ChannelCredentials,
    CloudApiCredentials,
    TwilioCredentials,
    UnknownRecipient,
    WorkspaceChannel,
    encode_credentials,
)
from ignacio.domain.workspaces import AssistantSettings
from ignacio.entrypoints.channel_directory import Line, SealedChannelDirectory
from tests.support.fakes import FakeMediaFetcher, RecordingChannel
from tests.support.system import System

ANA = "+34612345678"
HOME = ChannelAddress(provider=Provider.WHATSAPP_CLOUD, address="111111111111111")
SOL_NUMBER = "222222222222222"
SOL = CloudApiCredentials(phone_number_id=SOL_NUMBER, access_token="sol-token")
AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


class PerNumber:
    """A ChannelDirectory of recording channels, one per number, the deployment's its own."""

    def __init__(self, home: RecordingChannel, media: FakeMediaFetcher) -> None:
        self.home = home
        self.media_fetcher = media
        self.numbers: dict[UUID, RecordingChannel] = {}
        self.verified: list[ChannelCredentials] = []
        self.refusal: str | None = None

    def channel(self, number: WorkspaceChannel | None) -> Channel:
        if number is None:
            return self.home
        return self.numbers.setdefault(number.id, RecordingChannel())

    def media(self, number: WorkspaceChannel | None) -> MediaFetcher:
        return self.media_fetcher

    async def verify(self, credentials: ChannelCredentials) -> str | None:
        self.verified.append(credentials)
        return self.refusal


def to(number: str | None, text: str = "Hola") -> InboundMessage:
    return InboundMessage(
        provider=Provider.WHATSAPP_CLOUD,
        external_id=f"wamid.{uuid4().hex}",
        recipient=number,
        sender=Sender(phone=PhoneNumber.parse(ANA)),
        sent_at=AT,
        message_type=MessageType.TEXT,
        text=text,
    )


async def clinica_sol(system: System) -> tuple[UUID, WorkspaceChannel, PerNumber]:
    directory = PerNumber(system.channel, system.media)
    system.container.channel_directory.override(directory)
    system.container.receive_inbound.add_kwargs(home=HOME)
    sol = await system.container.create_workspace()(
        None, CreateWorkspaceCommand(name="Clínica Sol", assistant=AssistantSettings(name="Sol"))
    )
    async with system.container.uow()() as uow:
        number = WorkspaceChannel.connect(
            id=uuid4(),
            workspace_id=sol.id,
            credentials=SOL,
            sealed_credentials=b"sealed",
            existing=[],
            limit=2,
            at=AT,
        )
        await uow.channels.add(number)
        await uow.commit()
    return sol.id, number, directory


async def test_route_finds_the_workspace_by_its_number_and_refuses_a_stranger_s(
    system: System,
) -> None:
    sol_id, number, _ = await clinica_sol(system)
    async with system.container.uow()() as uow:
        home = await default_workspace(uow)
        to_sol = await route(uow, Provider.WHATSAPP_CLOUD, SOL_NUMBER, HOME)
        to_home = await route(uow, Provider.WHATSAPP_CLOUD, HOME.address, HOME)
        unnamed = await route(uow, Provider.WHATSAPP_CLOUD, None, HOME)
        unknown_home = await route(uow, Provider.WHATSAPP_CLOUD, "999999999", None)
        with pytest.raises(UnknownRecipient):
            await route(uow, Provider.WHATSAPP_CLOUD, "999999999", HOME)
        # The same address under another provider is another number.
        with pytest.raises(UnknownRecipient):
            await route(uow, Provider.TWILIO, SOL_NUMBER, HOME)

    assert (to_sol[0].id, to_sol[1]) == (sol_id, number)
    assert [r[0].id for r in (to_home, unnamed, unknown_home)] == [home.id] * 3
    assert [r[1] for r in (to_home, unnamed, unknown_home)] == [None] * 3


async def test_a_message_to_a_workspace_number_is_answered_from_that_number_only(
    system: System,
) -> None:
    sol_id, number, directory = await clinica_sol(system)

    received = await system.container.receive_inbound()(to(SOL_NUMBER))
    assert received.message_id is not None
    await system.container.process_inbound()(received.message_id)

    assert directory.numbers[number.id].texts_to(ANA) == ["echo: Hola (history 0)"]
    assert system.channel.texts_to(ANA) == []
    async with system.container.uow()() as uow:
        message = await uow.messages.get(received.message_id)
        assert message is not None and message.workspace_id == sol_id


async def test_a_queued_message_whose_number_was_disconnected_is_not_answered_from_another(
    system: System,
) -> None:
    sol_id, number, directory = await clinica_sol(system)
    received = await system.container.receive_inbound()(to(SOL_NUMBER))
    assert received.message_id is not None
    async with system.container.uow()() as uow:
        assert await uow.channels.remove(sol_id, number.id)
        await uow.commit()

    await system.container.process_inbound()(received.message_id)

    assert system.channel.texts_to(ANA) == []
    assert number.id not in directory.numbers
    async with system.container.uow()() as uow:
        message = await uow.messages.get(received.message_id)
        assert message is not None and message.processing is not None
        assert message.processing.value == "done"


def test_a_workspace_may_connect_only_up_to_its_limit() -> None:
    def connect(existing: list[WorkspaceChannel]) -> WorkspaceChannel:
        return WorkspaceChannel.connect(
            id=uuid4(),
            workspace_id=uuid4(),
            credentials=SOL,
            sealed_credentials=b"",
            existing=existing,
            limit=2,
            at=AT,
        )

    first = connect([])
    second = connect([first])
    with pytest.raises(InvalidInput, match="at most 2"):
        connect([first, second])


@given(
    phone_number_id=st.text(max_size=40),
    token=st.text(max_size=40),
    sid=st.text(max_size=40),
    number=st.text(max_size=30),
)
def test_credentials_from_outsiders_are_valid_or_refused_with_a_reason(
    phone_number_id: str, token: str, sid: str, number: str
) -> None:
    for make in (
        lambda: CloudApiCredentials(phone_number_id=phone_number_id, access_token=token),
        lambda: TwilioCredentials(account_sid=sid, auth_token=token, number=number),
    ):
        reason = ""
        try:
            credentials = make()
        except InvalidInput as refused:
            reason = str(refused)
        assert reason or credentials.address


def test_the_directory_builds_a_number_once_and_again_when_its_credentials_change() -> None:
    sealer = AesGcmSealer(key=bytes(32))
    built: list[str] = []

    def cloud(credentials: object) -> Line:
        assert isinstance(credentials, CloudApiCredentials)
        built.append(credentials.access_token)
        return RecordingChannel(), FakeMediaFetcher()

    home = RecordingChannel()
    directory = SealedChannelDirectory(
        home, FakeMediaFetcher(), sealer, {Provider.WHATSAPP_CLOUD: cloud}, {}, {}
    )
    number = WorkspaceChannel.connect(
        id=uuid4(),
        workspace_id=uuid4(),
        credentials=SOL,
        sealed_credentials=sealer.seal(encode_credentials(SOL)),
        existing=[],
        limit=2,
        at=AT,
    )
    renewed = CloudApiCredentials(phone_number_id=SOL_NUMBER, access_token="renewed")
    again = WorkspaceChannel(
        **{
            **{f: getattr(number, f) for f in number.__struct_fields__},
            "sealed_credentials": sealer.seal(encode_credentials(renewed)),
        }
    )

    assert directory.channel(None) is home
    first = directory.channel(number)
    assert directory.channel(number) is first and directory.media(number) is not None
    assert directory.channel(again) is not first
    assert built == ["sol-token", "renewed"]
    other_key = AesGcmSealer(key=bytes([1] * 32))
    stranger = WorkspaceChannel(
        **{
            **{f: getattr(number, f) for f in number.__struct_fields__},
            "id": uuid4(),
            "sealed_credentials": other_key.seal(encode_credentials(SOL)),
        }
    )
    with pytest.raises(ValueError, match="wrong key"):
        directory.channel(stranger)


async def test_connecting_asks_the_provider_first_and_seals_the_credentials(
    system: System,
) -> None:
    directory = PerNumber(system.channel, system.media)
    system.container.channel_directory.override(directory)
    system.container.connect_channel.add_kwargs(home=HOME)
    platform = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000009", name="Admin", is_admin=True)
    )
    connect = system.container.connect_channel()

    directory.refusal = "Meta refused the access token (HTTP 401, code 190): check the token"
    with pytest.raises(InvalidInput, match="Meta refused the access token"):
        await connect(platform, "default", ConnectChannelCommand(credentials=SOL))
    home = CloudApiCredentials(phone_number_id=HOME.address, access_token="anything")
    with pytest.raises(Conflict, match="deployment's own"):
        await connect(platform, "default", ConnectChannelCommand(credentials=home))
    directory.refusal = None
    connected = await connect(platform, "default", ConnectChannelCommand(credentials=SOL))

    # The deployment's number was refused before the provider was asked.
    assert directory.verified == [SOL, SOL]
    assert b"sol-token" not in connected.sealed_credentials
    assert b"sol-token" in system.container.sealer().open(connected.sealed_credentials)
    async with system.container.uow()() as uow:
        assert await uow.channels.list(connected.workspace_id) == [connected]
