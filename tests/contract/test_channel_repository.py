"""ChannelRepository contract: a workspace's own WhatsApp numbers, on every adapter."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignacio.adapters.sql import SqlUnitOfWorkFactory, create_engine
from ignacio.application.ports import UnitOfWorkFactory
from ignacio.domain import Conflict, ConnectionState, InvalidInput, NotFound, Provider
from ignacio.domain.channels import (
    CloudApiCredentials,
    Connection,
    WorkspaceChannel,
    encode_credentials,
)
from tests.contract.builders import address, allowed, at, channel, phone, store, workspace
from tests.contract.conftest import FixedKeyPhoneCipher

CLOUD, TWILIO = Provider.WHATSAPP_CLOUD, Provider.TWILIO
GATEWAY = Provider.WHATSAPP_GATEWAY


async def test_a_number_reads_back_unchanged(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    described = channel(1, home, TWILIO, display_number=phone(1), label="Front desk")
    bare = channel(2, home, created=1)
    await store(uow_factory, described, bare)
    async with uow_factory() as uow:
        assert await uow.channels.get(home, described.id) == described
        assert await uow.channels.get(home, bare.id) == bare
        assert await uow.channels.get(home, uuid4()) is None
    assert (bare.display_number, bare.label) == (None, None)


async def test_list_is_oldest_first_then_by_id(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    # Added out of order, two of them at the same moment.
    numbers = [channel(n, home, created=created) for n, created in enumerate([2, 0, 1, 0])]
    await store(uow_factory, *numbers)
    async with uow_factory() as uow:
        listed = await uow.channels.list(home)
        assert await uow.channels.list(uuid4()) == []
    assert listed == sorted(numbers, key=lambda c: (c.created_at, c.id))


async def test_another_workspace_s_numbers_are_not_there_nor_removed(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    ours, theirs = channel(1, home), channel(2, lab.id, TWILIO)
    await store(uow_factory, lab, ours, theirs)
    async with uow_factory() as uow:
        assert await uow.channels.get(home, theirs.id) is None
        assert await uow.channels.list(home) == [ours]
        assert await uow.channels.lock(home) == [ours]
        assert not await uow.channels.remove(home, theirs.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.channels.get(lab.id, theirs.id) == theirs
        assert await uow.channels.list(lab.id) == [theirs]
        assert await uow.channels.get(lab.id, ours.id) is None


async def test_find_names_a_number_whichever_workspace_has_it(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    ours, theirs = channel(1, home), channel(2, lab.id, TWILIO)
    await store(uow_factory, lab, ours, theirs)
    async with uow_factory() as uow:
        assert await uow.channels.find(CLOUD, ours.address) == ours
        assert await uow.channels.find(TWILIO, theirs.address) == theirs
        # The address under the other provider, or one nobody has, is no number.
        assert await uow.channels.find(TWILIO, ours.address) is None
        assert await uow.channels.find(CLOUD, theirs.address) is None
        assert await uow.channels.find(CLOUD, address(3)) is None


async def test_an_address_belongs_to_one_workspace(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    ours = channel(1, home)
    await store(uow_factory, lab, ours)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.channels.add(channel(1, home, created=1))
        with pytest.raises(Conflict):
            await uow.channels.add(channel(1, lab.id, created=1))
        # The transaction stays usable after a clash; the same address under the other
        # provider is another number.
        other_provider = channel(1, lab.id, TWILIO, address=ours.address)
        await uow.channels.add(other_provider)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.channels.list(home) == [ours]
        assert await uow.channels.list(lab.id) == [other_provider]
        assert await uow.channels.find(CLOUD, ours.address) == ours
        assert await uow.channels.find(TWILIO, ours.address) == other_provider


async def test_concurrent_additions_of_one_address_keep_one(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    await store(uow_factory, lab)

    async def add(index: int) -> bool:
        try:
            await store(uow_factory, channel(7, home if index % 2 else lab.id))
        except Conflict:
            return False
        return True

    assert sorted(await asyncio.gather(*(add(index) for index in range(4)))) == [
        False,
        False,
        False,
        True,
    ]


async def test_a_number_needs_an_existing_workspace(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    nowhere = uuid4()
    with pytest.raises(NotFound):
        await store(uow_factory, channel(1, nowhere))
    async with uow_factory() as uow:
        assert await uow.channels.list(nowhere) == []
        assert await uow.channels.find(CLOUD, address(1)) is None


async def test_remove_forgets_the_number_once(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    gone, kept = channel(1, home), channel(2, home, created=1)
    await store(uow_factory, gone, kept)
    async with uow_factory() as uow:
        assert await uow.channels.remove(home, gone.id)
        assert not await uow.channels.remove(home, gone.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.channels.get(home, gone.id) is None
        assert await uow.channels.find(CLOUD, gone.address) is None
        assert await uow.channels.list(home) == [kept]
        # Its address is free again.
        again = channel(1, home, created=2)
        await uow.channels.add(again)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.channels.list(home) == [kept, again]


async def test_a_removal_without_commit_is_undone(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    number = channel(1, home)
    await store(uow_factory, number)
    async with uow_factory() as uow:
        assert await uow.channels.remove(home, number.id)
    async with uow_factory() as uow:
        assert await uow.channels.find(CLOUD, number.address) == number


# Text UTF-8 can encode (no lone surrogate) and PostgreSQL's text can hold (no NUL).
_LABEL_CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sealed=st.binary(max_size=2_048),
    label=st.none() | st.text(_LABEL_CHARACTERS, max_size=60),
    display=st.none() | st.integers(min_value=0, max_value=99_999_999),
    provider=st.sampled_from(list(Provider)),
)
async def test_any_sealed_credentials_and_label_read_back_exactly(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
    sealed: bytes,
    label: str | None,
    display: int | None,
    provider: Provider,
) -> None:
    # Each example a number of its own, so examples share the database without clashing.
    number = channel(
        0,
        home,
        provider,
        address=f"{provider.value}:{uuid4().hex}",
        sealed_credentials=sealed,
        label=label,
        display_number=None if display is None else phone(display),
    )
    await store(uow_factory, number)
    async with uow_factory() as uow:
        found = await uow.channels.find(provider, number.address)
        assert await uow.channels.get(home, number.id) == number
    assert found == number
    assert found is not None and found.sealed_credentials == sealed


async def test_lock_returns_what_list_does(uow_factory: UnitOfWorkFactory, home: UUID) -> None:
    lab = workspace(1)
    numbers = [channel(n, home, created=2 - n) for n in range(3)]
    await store(uow_factory, lab, *numbers, channel(5, lab.id))
    async with uow_factory() as uow:
        listed = await uow.channels.list(home)
        assert await uow.channels.lock(home) == listed
        assert await uow.channels.lock(uuid4()) == []
    assert listed == sorted(numbers, key=lambda c: (c.created_at, c.id))


def _connect(
    workspace_id: UUID, n: int, existing: list[WorkspaceChannel], limit: int
) -> WorkspaceChannel:
    credentials = CloudApiCredentials(phone_number_id=address(n), access_token="token")
    return WorkspaceChannel.connect(
        id=uuid4(),
        workspace_id=workspace_id,
        credentials=credentials,
        sealed_credentials=encode_credentials(credentials),
        existing=existing,
        limit=limit,
        at=at(n),
    )


@pytest.mark.parametrize("already", [0, 1])
async def test_two_numbers_added_at_once_cannot_both_take_the_last_place(
    uow_factory: UnitOfWorkFactory, already: int
) -> None:
    """What lock is for: the second to lock waits for the first and counts again, including
    a number the first added (with no number yet, there is nothing but the lock to wait on)."""
    limit = already + 1

    async def connect(workspace_id: UUID, n: int) -> bool:
        async with uow_factory() as uow:
            existing = await uow.channels.lock(workspace_id)
            await asyncio.sleep(0.01)  # the other has time to lock meanwhile, if it can
            try:
                number = _connect(workspace_id, n, existing, limit)
            except InvalidInput:
                return False
            await uow.channels.add(number)
            await uow.commit()
            return True

    for round_ in range(3):
        team = workspace(round_)
        await store(
            uow_factory, team, *(channel(100 * round_ + k, team.id) for k in range(already))
        )
        first, second = 100 * round_ + 50, 100 * round_ + 51
        outcomes = await asyncio.gather(connect(team.id, first), connect(team.id, second))
        assert sorted(outcomes) == [False, True]
        async with uow_factory() as uow:
            assert len(await uow.channels.list(team.id)) == limit


async def test_a_second_lock_waits_until_the_first_unit_of_work_ends(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    before = channel(1, home)
    await store(uow_factory, before)
    added = channel(2, home, created=1)

    async def second() -> list[WorkspaceChannel]:
        async with uow_factory() as uow:
            return await uow.channels.lock(home)

    async with uow_factory() as uow:
        assert await uow.channels.lock(home) == [before]
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.2)
        assert not waiting.done()
        await uow.channels.add(added)
        await uow.commit()
    # It then sees what the first committed.
    assert await asyncio.wait_for(waiting, 5) == [before, added]


@pytest.mark.postgres
async def test_lock_leaves_the_workspace_free_for_other_writes_on_postgres(
    postgres_url: str, cipher: FixedKeyPhoneCipher
) -> None:
    """Only adding numbers waits for the lock: rows that merely refer to the workspace (an
    allow-listed number here) go in meanwhile. SQLite and the memory store serialise every
    writer anyway."""
    engine = create_engine(postgres_url)
    try:
        uow_factory = SqlUnitOfWorkFactory(engine, cipher)
        team = workspace(1)
        await store(uow_factory, team)
        async with uow_factory() as uow:
            await uow.channels.lock(team.id)
            await asyncio.wait_for(store(uow_factory, allowed(1, team.id)), 5)
            await uow.channels.add(channel(1, team.id))
            await uow.commit()
        async with uow_factory() as uow:
            assert len(await uow.channels.list(team.id)) == 1
            assert await uow.allow_list.contains(team.id, phone(1))
    finally:
        await engine.dispose()


async def test_a_gateway_number_s_link_is_stored_and_read_back(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    ours = channel(1, home, GATEWAY, connection=Connection.pairing(None, at(0)))
    theirs = channel(2, lab.id, GATEWAY)
    await store(uow_factory, lab, ours, theirs)
    pairing = Connection.pairing("data:image/png;base64,iVBORw0KGgo=", at(1.5))
    async with uow_factory() as uow:
        assert await uow.channels.get(home, ours.id) == ours
        assert await uow.channels.set_connection(home, ours.id, pairing)
        # Another workspace's number is not there to change.
        assert not await uow.channels.set_connection(home, theirs.id, pairing)
        assert not await uow.channels.set_connection(home, uuid4(), pairing)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.channels.find(GATEWAY, ours.address)
        assert found is not None and found.connection == pairing
        assert (await uow.channels.list(home))[0].connection == pairing
        assert await uow.channels.get(lab.id, theirs.id) == theirs
        dropped = Connection(
            state=ConnectionState.DISCONNECTED, since=at(9), reason="logged out on the phone"
        )
        assert await uow.channels.set_connection(home, ours.id, dropped)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.channels.lock(home))[0].connection == dropped
        assert await uow.channels.set_connection(home, ours.id, None)
        # Not committed: undone.
    async with uow_factory() as uow:
        assert (await uow.channels.get(home, ours.id)) == channel_with(ours, dropped)
        assert await uow.channels.set_connection(home, ours.id, None)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.channels.get(home, ours.id)) == channel_with(ours, None)


def channel_with(number: WorkspaceChannel, connection: Connection | None) -> WorkspaceChannel:
    return WorkspaceChannel(**(msgspec.structs.asdict(number) | {"connection": connection}))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    qr_code=st.text(_LABEL_CHARACTERS, min_size=1, max_size=400),
    reason=st.none() | st.text(_LABEL_CHARACTERS, min_size=1, max_size=200),
    state=st.sampled_from(list(ConnectionState)),
    microseconds=st.integers(min_value=0, max_value=10**12),
)
async def test_any_link_reads_back_exactly(
    uow_factory: UnitOfWorkFactory,
    home: UUID,
    qr_code: str,
    reason: str | None,
    state: ConnectionState,
    microseconds: int,
) -> None:
    since = at(microseconds / 1_000_000)
    connection = Connection(
        state=state,
        since=since,
        qr_code=qr_code if state is ConnectionState.PAIRING else None,
        reason=reason if state is ConnectionState.DISCONNECTED else None,
        reported_at=since + timedelta(seconds=3) if state is ConnectionState.CONNECTED else None,
    )
    number = channel(0, home, GATEWAY, address=f"+{uuid4().int % 10**12:012d}")
    await store(uow_factory, number)
    async with uow_factory() as uow:
        assert await uow.channels.set_connection(home, number.id, connection)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.channels.get(home, number.id)
    assert found is not None and found.connection == connection


async def test_of_provider_lists_every_workspace_s_numbers_on_it_oldest_first(
    uow_factory: UnitOfWorkFactory, home: UUID
) -> None:
    lab = workspace(1)
    late, early = channel(1, home, GATEWAY, created=5), channel(2, lab.id, GATEWAY, created=1)
    await store(uow_factory, lab, late, early, channel(3, home), channel(4, lab.id, TWILIO))
    async with uow_factory(read_only=True) as uow:
        assert await uow.channels.of_provider(GATEWAY) == [early, late]
        assert [c.provider for c in await uow.channels.of_provider(TWILIO)] == [TWILIO]
