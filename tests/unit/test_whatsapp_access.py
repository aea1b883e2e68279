"""Who may talk to Ignacio on WhatsApp, and how often: the access policy in each mode, the
admins' allow-list, refusal notices and the per-number message limit, whichever provider."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from ignacio.adapters.memory import ClockedRateLimiter
from ignacio.application.ports import SendFailure
from ignacio.application.use_cases.add_to_allow_list import AddToAllowListCommand
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.use_cases.list_audit_log import AuditLogQuery
from ignacio.application.use_cases.receive_inbound import (
    SLOW_DOWN_NOTICE,
    ReceiveInboundResult,
)
from ignacio.application.use_cases.update_user import UpdateUserCommand
from ignacio.domain import (
    AccessPolicy,
    Author,
    Conflict,
    InboundMessage,
    Message,
    MessageType,
    NotFound,
    PageRequest,
    PermissionDenied,
    PhoneNumber,
    ProcessingState,
    Provider,
    Sender,
    User,
    WebhookBatch,
    WhatsAppAccess,
)
from ignacio.domain.workspaces import first_workspace
from tests.support.fakes import RecordingQueue
from tests.support.system import System, build_system, settings_for_tests

REFUSAL_NOTICE = first_workspace(uuid4(), datetime.now(UTC)).refusal_notice()

STRANGER = "+34612345678"
LISTED = "+34699999999"
ADMIN = "+34600000001"


def system_with(**settings: Any) -> tuple[System, RecordingQueue]:
    system = build_system(settings_for_tests(**settings))
    queue = RecordingQueue()
    system.container.job_queue.override(queue)
    system.container.rate_limiter.override(ClockedRateLimiter(system.clock))
    return system, queue


_counter = iter(range(1, 1_000_000))


def inbound(
    sender: str = STRANGER, text: str = "Hola", message_type: MessageType = MessageType.TEXT
) -> InboundMessage:
    return InboundMessage(
        provider=Provider.TWILIO,
        external_id=f"SM{next(_counter):032x}",
        sender=Sender(phone=PhoneNumber.parse(sender)),
        profile_name="Lucía",
        sent_at=datetime(2026, 11, 22, 8, 59, tzinfo=UTC),
        message_type=message_type,
        text=text,
    )


async def receive(system: System, message: InboundMessage) -> ReceiveInboundResult:
    return await system.container.receive_inbound()(message)


async def member(system: System, phone: str) -> User | None:
    async with system.container.uow()() as uow:
        found: User | None = await uow.users.get_by_phone(PhoneNumber.parse(phone))
    return found


async def stored(system: System, message_id: UUID | None) -> Message:
    assert message_id is not None
    async with system.container.uow()() as uow:
        message: Message | None = await uow.messages.get(message_id)
    assert message is not None
    return message


async def admin(system: System) -> User:
    return await system.container.create_user()(
        None, CreateUserCommand(phone=ADMIN, name="Ana", is_admin=True)
    )


# The policy itself.


@pytest.mark.parametrize(
    ("mode", "member", "listed", "expected"),
    [
        (WhatsAppAccess.OPEN, None, False, True),
        (WhatsAppAccess.REGISTERED, None, False, False),
        (WhatsAppAccess.REGISTERED, "active", False, True),
        (WhatsAppAccess.REGISTERED, "inactive", False, False),
        (WhatsAppAccess.WHITELIST, None, True, True),
        (WhatsAppAccess.WHITELIST, None, False, None),
        (WhatsAppAccess.WHITELIST, "active", False, None),
        (WhatsAppAccess.WHITELIST, "admin", False, True),
        (WhatsAppAccess.WHITELIST, "inactive admin", False, None),
    ],
)
def test_the_policy_decides_what_it_can_without_the_allow_list(
    mode: WhatsAppAccess, member: str | None, listed: bool, expected: bool | None
) -> None:
    phone = PhoneNumber.parse(STRANGER)
    policy = AccessPolicy(mode=mode, whitelist=frozenset({phone}) if listed else frozenset())
    now = datetime(2026, 11, 22, tzinfo=UTC)
    user = (
        User(
            id=UUID(int=1),
            phone=phone,
            is_admin="admin" in member,
            is_active="inactive" not in member,
            created_at=now,
            updated_at=now,
        )
        if member
        else None
    )
    assert policy.admits_without_list(phone, user) is expected


# open


async def test_open_access_lets_a_stranger_in() -> None:
    system, queue = system_with()

    result = await receive(system, inbound())

    assert not result.refused and result.message_id is not None
    assert await member(system, STRANGER) is not None
    assert len(queue.queued) == 1


# registered


async def test_registered_access_refuses_strangers_politely_once_a_day() -> None:
    system, queue = system_with(IGNACIO_WHATSAPP_ACCESS="registered")

    first = await receive(system, inbound())
    second = await receive(system, inbound(text="¿Hola?"))
    system.clock.advance(hours=23)
    third = await receive(system, inbound(text="¿Alguien?"))
    system.clock.advance(hours=1, seconds=1)
    fourth = await receive(system, inbound(text="Otra vez"))

    assert [r.refused for r in (first, second, third, fourth)] == [True] * 4
    assert [r.message_id for r in (first, second, third, fourth)] == [None] * 4
    assert system.channel.texts_to(STRANGER) == [REFUSAL_NOTICE, REFUSAL_NOTICE]
    assert await member(system, STRANGER) is None
    assert queue.queued == []
    assert system.assistant.turns == []


async def test_registered_access_answers_active_members_only() -> None:
    system, queue = system_with(IGNACIO_WHATSAPP_ACCESS="registered")
    boss = await admin(system)
    registered = await system.container.create_user()(boss, CreateUserCommand(phone=STRANGER))

    admitted = await receive(system, inbound())
    await system.container.update_user()(boss, registered.id, UpdateUserCommand(is_active=False))
    deactivated = await receive(system, inbound(text="still there?"))

    assert not admitted.refused and len(queue.queued) == 1
    assert deactivated.refused
    assert system.channel.texts_to(STRANGER) == [REFUSAL_NOTICE]


async def test_reactions_from_strangers_get_no_notice() -> None:
    system, _ = system_with(IGNACIO_WHATSAPP_ACCESS="registered")

    result = await receive(system, inbound(text="👍", message_type=MessageType.REACTION))

    assert result.refused
    assert system.channel.texts == []


async def test_a_notice_that_cannot_be_sent_changes_nothing() -> None:
    system, _ = system_with(IGNACIO_WHATSAPP_ACCESS="registered")
    system.channel.failures = [SendFailure("Outside the window", retriable=False, code=63016)]

    result = await receive(system, inbound())

    assert result.refused
    assert system.channel.texts == []


# whitelist


async def test_whitelist_access_lets_configured_numbers_in() -> None:
    system, queue = system_with(IGNACIO_WHATSAPP_ACCESS="whitelist", WHITELISTED_USERS=[LISTED])

    listed = await receive(system, inbound(LISTED))
    stranger = await receive(system, inbound(STRANGER))

    assert not listed.refused and await member(system, LISTED) is not None
    assert stranger.refused and await member(system, STRANGER) is None
    assert len(queue.queued) == 1
    assert system.channel.texts_to(STRANGER) == [REFUSAL_NOTICE]


async def test_whitelist_access_follows_the_admins_allow_list() -> None:
    system, _ = system_with(IGNACIO_WHATSAPP_ACCESS="whitelist")
    boss = await admin(system)

    before = await receive(system, inbound())
    entry = await system.container.add_to_allow_list()(
        await system.access(boss), AddToAllowListCommand(phone="+34 612 345 678", note="  Lucía  ")
    )
    during = await receive(system, inbound())
    await system.container.remove_from_allow_list()(await system.access(boss), entry.id)
    after = await receive(system, inbound())

    assert (before.refused, during.refused, after.refused) == (True, False, True)
    assert entry.note == "Lucía"
    # The member made while listed stays a member; only the listing decides.
    assert await member(system, STRANGER) is not None


async def test_whitelist_access_always_lets_active_admins_in() -> None:
    system, _ = system_with(IGNACIO_WHATSAPP_ACCESS="whitelist")
    await admin(system)

    result = await receive(system, inbound(ADMIN))

    assert not result.refused


async def test_webhook_receipts_count_refusals() -> None:
    system, _ = system_with(IGNACIO_WHATSAPP_ACCESS="whitelist", WHITELISTED_USERS=[LISTED])

    receipt = await system.container.receive_webhook()(
        WebhookBatch(messages=[inbound(LISTED), inbound(STRANGER), inbound(STRANGER)])
    )

    assert (receipt.stored, receipt.refused, receipt.duplicates) == (1, 2, 0)


# the allow-list itself


async def test_only_admins_manage_the_allow_list_and_every_step_is_audited() -> None:
    system, _ = system_with()
    boss = await admin(system)
    someone = await system.container.create_user()(boss, CreateUserCommand(phone=STRANGER))
    add = system.container.add_to_allow_list()

    with pytest.raises(PermissionDenied):
        await add(await system.access(someone), AddToAllowListCommand(phone=LISTED))
    entry = await add(await system.access(boss), AddToAllowListCommand(phone=LISTED))
    with pytest.raises(Conflict):
        await add(await system.access(boss), AddToAllowListCommand(phone="+34 699 99 99 99"))
    listed = await system.container.list_allow_list()(await system.access(boss), PageRequest())
    await system.container.remove_from_allow_list()(await system.access(boss), entry.id)
    with pytest.raises(NotFound):
        await system.container.remove_from_allow_list()(await system.access(boss), entry.id)
    with pytest.raises(PermissionDenied):
        await system.container.list_allow_list()(await system.access(someone), PageRequest())

    assert [e.phone.e164 for e in listed.items] == [LISTED]
    assert entry.added_by == boss.id
    log = await system.container.list_audit_log()(await system.access(boss), AuditLogQuery())
    actions = sorted(e.action for e in log.items if e.action.startswith("allowlist."))
    assert actions == ["allowlist.add", "allowlist.list", "allowlist.remove"]
    assert all(LISTED not in str(e.details) for e in log.items)


# the per-number limit


async def test_over_the_limit_messages_are_kept_and_the_member_is_told_once_to_slow_down() -> None:
    system, queue = system_with(RATE_LIMIT_MESSAGES=3)
    results = [await receive(system, inbound(text=f"message {n}")) for n in range(6)]

    assert [r.throttled for r in results] == [False, False, False, True, True, True]
    messages = [await stored(system, r.message_id) for r in results]
    assert [m.processing for m in messages] == [ProcessingState.PENDING] * 4 + [
        ProcessingState.DONE
    ] * 2
    assert [queued for queued, _ in queue.queued] == [m.id for m in messages[:4]]

    for message_id, _ in queue.queued:
        await system.container.process_inbound()(message_id)

    assert [turn.message.content for turn in system.assistant.turns] == [
        "message 0",
        "message 1",
        "message 2",
    ]
    assert system.channel.texts_to(STRANGER)[-1] == SLOW_DOWN_NOTICE
    assert system.channel.texts_to(STRANGER).count(SLOW_DOWN_NOTICE) == 1
    async with system.container.uow()() as uow:
        notice = await uow.messages.reply_to(messages[3].id)
    assert notice is not None and notice.author is Author.ASSISTANT
    assert (await stored(system, messages[3].id)).processing is ProcessingState.DONE


async def test_the_limit_and_the_notice_start_again_with_the_next_window() -> None:
    system, queue = system_with(RATE_LIMIT_MESSAGES=1)

    await receive(system, inbound())
    over = await receive(system, inbound())
    system.clock.advance(seconds=61)
    again = await receive(system, inbound())
    over_again = await receive(system, inbound())

    assert (over.throttled, again.throttled, over_again.throttled) == (True, False, True)
    assert len(queue.queued) == 4  # two answers, two slow-down notices
