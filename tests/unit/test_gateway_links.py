"""A gateway number's link to WhatsApp in the core: the rules of the gateway's word on it
(order, repeats, QR codes, what is a drop), and RecordConnectionUpdate alerting once per drop,
also when two words about one number are recorded at once."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.application.use_cases.manage_workspaces import CreateWorkspaceCommand
from ignacio.domain import (
    ConnectionState,
    ConnectionUpdate,
    InvalidInput,
    PageRequest,
    Provider,
)
from ignacio.domain.channels import (
    MAX_QR_CODE,
    CloudApiCredentials,
    Connection,
    GatewayCredentials,
    WorkspaceChannel,
)
from tests.support.system import System

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
SOL = "+34910000111"
PAIRING, CONNECTED, DISCONNECTED = (
    ConnectionState.PAIRING,
    ConnectionState.CONNECTED,
    ConnectionState.DISCONNECTED,
)


def gateway_number(workspace_id: UUID | None = None) -> WorkspaceChannel:
    return WorkspaceChannel.connect(
        id=uuid4(),
        workspace_id=workspace_id or uuid4(),
        credentials=GatewayCredentials(number="+34 910 000 111"),
        sealed_credentials=b"sealed",
        existing=[],
        limit=2,
        at=AT,
    )


def word(
    state: ConnectionState,
    seconds: float = 10,
    *,
    qr_code: str | None = None,
    reason: str | None = None,
    address: str = SOL,
) -> ConnectionUpdate:
    return ConnectionUpdate(
        provider=Provider.WHATSAPP_GATEWAY,
        address=address,
        state=state,
        at=AT + timedelta(seconds=seconds),
        qr_code=qr_code,
        reason=reason,
    )


def test_a_gateway_number_is_what_people_write_to_and_starts_waiting_for_its_code() -> None:
    number = gateway_number()
    assert (number.provider, number.address) == (Provider.WHATSAPP_GATEWAY, SOL)
    assert number.display_number is not None and number.display_number.e164 == SOL
    assert number.links_by_qr
    assert number.connection == Connection(state=PAIRING, since=AT)
    with pytest.raises(InvalidInput):
        GatewayCredentials(number="not a number")


def test_a_drop_is_a_linked_number_that_no_longer_is() -> None:
    number = gateway_number()
    linked = number.reported(word(CONNECTED)).after
    assert number.reported(word(CONNECTED)).linked
    dropped = linked.reported(word(DISCONNECTED, 20, reason="LOGOUT\\nbanned\\x00"))
    assert dropped.dropped and not dropped.linked
    connection = dropped.after.connection
    assert connection is not None and connection.reason == "LOGOUT\\nbanned\\x00"
    # Logged out and asking for a new code is a drop too.
    assert linked.reported(word(PAIRING, 20, qr_code="2@new")).dropped
    # Never linked: a code expiring is no drop.
    assert not number.reported(word(DISCONNECTED, 20)).dropped


def test_a_reason_is_kept_on_one_line_and_short() -> None:
    linked = gateway_number().reported(word(CONNECTED)).after
    noisy = "LOGOUT\n\tby the phone\x00 " + "x" * 500
    connection = linked.reported(word(DISCONNECTED, 20, reason=noisy)).after.connection
    assert connection is not None and connection.reason is not None
    assert connection.reason.startswith("LOGOUT by the phone x")
    assert len(connection.reason) == 200


def test_a_new_code_replaces_the_old_and_a_repeated_state_changes_nothing() -> None:
    number = gateway_number()
    first = number.reported(word(PAIRING, 5, qr_code="2@one")).after
    second = first.reported(word(PAIRING, 6, qr_code="2@two")).after
    assert second.connection is not None and second.connection.qr_code == "2@two"
    # A poll saying "pairing" with no code keeps the code on screen, and when it began.
    assert not second.reported(word(PAIRING, 30)).changed
    linked = second.reported(word(CONNECTED, 40)).after
    assert linked.connection is not None and linked.connection.qr_code is None
    again = linked.reported(word(CONNECTED, 90))
    assert not again.changed and not again.linked and again.touched
    # Confirmed at 90: a word from before it, arriving late, is older news.
    assert not again.after.reported(word(DISCONNECTED, 60)).touched


def test_an_older_word_changes_nothing_but_one_from_the_same_second_does() -> None:
    linked = gateway_number().reported(word(CONNECTED, 10.7)).after
    assert not linked.reported(word(DISCONNECTED, 9.7)).changed
    assert linked.reported(word(DISCONNECTED, 10)).dropped


def test_a_word_about_another_number_or_for_a_number_without_a_link_changes_nothing() -> None:
    number = gateway_number()
    assert not number.reported(word(CONNECTED, address="+34910000222")).changed
    cloud = WorkspaceChannel.connect(
        id=uuid4(),
        workspace_id=uuid4(),
        credentials=CloudApiCredentials(phone_number_id="106540352242922", access_token="t"),
        sealed_credentials=b"",
        existing=[],
        limit=2,
        at=AT,
    )
    assert cloud.connection is None
    assert not cloud.reported(word(CONNECTED, address=cloud.address)).changed
    with pytest.raises(InvalidInput):
        cloud.pairing("2@x", AT)


def test_a_qr_code_only_while_pairing_and_never_oversized() -> None:
    with pytest.raises(InvalidInput):
        Connection(state=CONNECTED, since=AT, qr_code="2@x")
    with pytest.raises(InvalidInput):
        Connection.pairing("x" * (MAX_QR_CODE + 1), AT)


words = st.builds(
    word,
    st.sampled_from(list(ConnectionState)),
    st.integers(min_value=0, max_value=1_000).map(float),
    qr_code=st.none() | st.sampled_from(["2@a", "2@b"]),
)


@given(
    reports=st.lists(words, min_size=1, max_size=12, unique_by=lambda w: w.at), seed=st.integers()
)
def test_in_whatever_order_words_arrive_the_newest_decides_the_state(
    reports: list[ConnectionUpdate], seed: int
) -> None:
    shuffled = list(reports)
    random.Random(seed).shuffle(shuffled)
    number = gateway_number()
    drops = 0
    for report in shuffled:
        change = number.reported(report)
        drops += change.dropped
        number = change.after
    newest = max(reports, key=lambda w: w.at)
    assert number.connection is not None and number.connection.state is newest.state
    # Every drop is a move away from connected, never two in a row without a link between.
    assert drops <= sum(1 for w in reports if w.state is CONNECTED)


async def test_two_words_of_a_drop_recorded_at_once_alert_once(system: System) -> None:
    sol = await system.container.create_workspace()(
        None, CreateWorkspaceCommand(name="Clínica Sol")
    )
    number = gateway_number(sol.id)
    async with system.container.uow()() as uow:
        await uow.channels.add(number)
        await uow.commit()
    record = system.container.record_connection_update()
    assert await record(word(CONNECTED, 10))
    results = await asyncio.gather(
        record(word(DISCONNECTED, 20, reason="LOGOUT")),
        record(word(DISCONNECTED, 21, reason="LOGOUT")),
    )
    assert sorted(results) == [False, True]
    assert not await record(word(CONNECTED, 10, address="+34910000999"))
    async with system.container.uow()(read_only=True) as uow:
        entries = (await uow.audit_log.list(sol.id, PageRequest(limit=10))).items
        stored = await uow.channels.get(sol.id, number.id)
    actions = sorted(entry.action for entry in entries if entry.action.startswith("channel."))
    assert actions == ["channel.link_lost", "channel.linked"]
    assert stored is not None and stored.connection is not None
    assert stored.connection.state is DISCONNECTED
