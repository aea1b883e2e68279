"""ReceiveInbound and ApplyIdentityChange with WhatsApp identities: a person found by their
business-scoped user id, their number or both, linked when a delivery carries both; usernames
under each access mode; changed numbers and ids."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ignacio.application.use_cases.add_to_allow_list import AddToAllowListCommand
from ignacio.application.use_cases.create_user import CreateUserCommand
from ignacio.application.workspaces import default_workspace
from ignacio.domain import (
    AuditEntry,
    Channel,
    IdentityChange,
    IdentityChangeKind,
    InboundEdit,
    InboundMessage,
    InboundRevoke,
    MessageType,
    PageRequest,
    PhoneNumber,
    Provider,
    Sender,
    User,
    WebhookBatch,
    WhatsAppAccess,
    WhatsAppIdentity,
    WhatsAppUserId,
)
from ignacio.domain.merging import survivor_of
from tests.support.fakes import RecordingQueue
from tests.support.system import System, build_system, settings_for_tests

WABA = "1234567890987654321"
PHONE = PhoneNumber.parse("+34612345678")
BSUID = WhatsAppUserId("US.13491208655302741918")
OTHER_PHONE = PhoneNumber.parse("+34699111222")
AT = datetime(2026, 11, 22, 8, 59, tzinfo=UTC)

Kind = Literal["phone", "id", "both"]
_ids = itertools.count(1)


def sender(kind: Kind, *, phone: PhoneNumber = PHONE, user_id: WhatsAppUserId = BSUID) -> Sender:
    return Sender(
        phone=phone if kind != "id" else None,
        user_id=user_id if kind != "phone" else None,
        account=WABA if kind != "phone" else None,
        username="lucia.g" if kind != "phone" else None,
    )


def inbound(who: Sender, text: str = "Hola") -> InboundMessage:
    return InboundMessage(
        provider=Provider.WHATSAPP_CLOUD,
        external_id=f"wamid.{next(_ids)}",
        sender=who,
        profile_name="Lucía",
        sent_at=AT,
        message_type=MessageType.TEXT,
        text=text,
    )


def system_with(**settings: Any) -> System:
    system = build_system(settings_for_tests(**settings))
    system.container.job_queue.override(RecordingQueue())
    return system


async def receive(system: System, who: Sender, text: str = "Hola") -> UUID | None:
    return (await system.container.receive_inbound()(inbound(who, text))).message_id


async def members(system: System) -> list[User]:
    async with system.container.uow()(read_only=True) as uow:
        listed: list[User] = (await uow.users.list(PageRequest(limit=100))).items
    return listed


async def identities(system: System, user: User) -> list[WhatsAppIdentity]:
    async with system.container.uow()(read_only=True) as uow:
        found: list[WhatsAppIdentity] = (await uow.identities.of_users([user.id])).get(user.id, [])
    return found


async def history(system: System, user: User) -> list[str]:
    """What the member sent and was sent on WhatsApp, in every conversation of theirs (two
    members joined keep each their conversation)."""
    async with system.container.uow()(read_only=True) as uow:
        home = (await default_workspace(uow)).id
        conversations = await uow.conversations.list(
            home, PageRequest(limit=100), user_id=user.id, channel=Channel.WHATSAPP
        )
        assert conversations.items
        said: list[str] = []
        for conversation in conversations.items:
            page = await uow.messages.list(home, conversation.id, PageRequest(limit=100))
            said.extend(message.content for message in page.items)
    return sorted(said)


async def audited(system: System) -> list[AuditEntry]:
    """The platform's own entries (changes to people are in no workspace)."""
    async with system.container.uow()(read_only=True) as uow:
        entries: list[AuditEntry] = (await uow.audit_log.list(None, PageRequest(limit=100))).items
    return entries


def linkable(kinds: list[Kind]) -> bool:
    """Whether anything tells that the deliveries are one person's: one of them carries both
    the number and the id, or they all named the person one way (else a number and an id came
    apart, and nothing says they are one person's)."""
    return "both" in kinds or not {"phone", "id"} <= set(kinds)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["phone", "id", "both"]), min_size=1, max_size=8))
async def test_any_mix_of_number_id_and_both_for_one_person_is_one_member(
    kinds: list[Kind],
) -> None:
    assume(linkable(kinds))
    system = system_with()
    for n, kind in enumerate(kinds):
        assert await receive(system, sender(kind), f"message {n}") is not None

    (member,) = await members(system)
    assert await history(system, member) == sorted(f"message {n}" for n in range(len(kinds)))
    # The number once any delivery showed it; the id once any delivery carried it.
    assert member.phone == (PHONE if {"phone", "both"} & set(kinds) else None)
    ids = [(i.account, i.provider_user_id, i.username) for i in await identities(system, member)]
    assert ids == ([(WABA, BSUID.value, "lucia.g")] if {"id", "both"} & set(kinds) else [])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["phone", "id"]), min_size=2, max_size=8))
async def test_a_number_and_an_id_met_apart_are_two_members_until_a_delivery_carries_both(
    kinds: list[Kind],
) -> None:
    assume(not linkable(kinds))
    system = system_with()
    for n, kind in enumerate(kinds):
        await receive(system, sender(kind), f"message {n}")
    by_id, by_number = sorted(await members(system), key=lambda m: m.phone is not None)
    assert (by_id.phone, by_number.phone) == (None, PHONE)

    # Meta vouches that this id writes from this number: one person, one member, who keeps
    # everything either half had; the older half stays (its id is the one others know).
    await receive(system, sender("both"), "both")
    (member,) = await members(system)
    survivor, joined = survivor_of(by_id, by_number)
    assert member.id == survivor.id
    assert member.phone == PHONE
    assert [i.provider_user_id for i in await identities(system, member)] == [BSUID.value]
    assert await history(system, member) == sorted(
        [*(f"message {n}" for n in range(len(kinds))), "both"]
    )
    joins = [e for e in await audited(system) if e.action == "user.merge"]
    assert [(e.target_id, e.details["joined"]) for e in joins] == [(str(member.id), str(joined.id))]
    assert not [e for e in await audited(system) if e.action.endswith("identity_conflict")]


async def test_a_number_whose_member_has_another_id_is_not_joined_and_the_clash_is_audited() -> (
    None
):
    """A number that changed hands: its member is known under this account by another id, so
    the delivery's id and number are two people's as far as anything here can tell."""
    system = system_with()
    before = WhatsAppUserId("US.44")
    await receive(system, sender("both", user_id=before), "the number's former owner")
    await receive(system, sender("id"), "the new owner, behind a username")
    await receive(system, sender("both"), "the new owner, number shown")

    by_number, by_id = sorted(await members(system), key=lambda m: m.phone is None)
    assert (by_number.phone, by_id.phone) == (PHONE, None)
    assert await history(system, by_id) == [
        "the new owner, behind a username",
        "the new owner, number shown",
    ]
    clashes = [e for e in await audited(system) if e.action.endswith("identity_conflict")]
    assert [(e.target_id, e.details["number_holder"]) for e in clashes] == [
        (str(by_id.id), str(by_number.id))
    ]
    assert not [e for e in await audited(system) if e.action == "user.merge"]


async def test_a_member_known_by_number_gains_their_id_and_is_answered_at_the_number() -> None:
    system = system_with()
    await system.container.create_user()(None, CreateUserCommand(phone=str(PHONE), name="Lu"))
    await receive(system, sender("both"))
    await receive(system, sender("id"), "from behind a username")

    (member,) = await members(system)
    assert member.name == "Lu"  # a name chosen is never overwritten
    assert [i.provider_user_id for i in await identities(system, member)] == [BSUID.value]
    assert await history(system, member) == ["Hola", "from behind a username"]


async def test_an_id_kept_before_accounts_were_recorded_is_claimed_not_duplicated() -> None:
    system = system_with()
    await receive(system, Sender(user_id=BSUID))  # no account, as migration 0024 left them
    await receive(system, sender("both"))

    (member,) = await members(system)
    assert [(i.account, i.provider_user_id) for i in await identities(system, member)] == [
        (WABA, BSUID.value)
    ]
    assert member.phone == PHONE


async def test_a_parent_id_finds_the_person_another_portfolio_knows() -> None:
    system = system_with()
    parent = WhatsAppUserId("US.ENT.11815799212886844830")
    await receive(system, Sender(user_id=BSUID, account=WABA, parent_user_id=parent))
    elsewhere = WhatsAppUserId("US.555")
    await receive(system, Sender(user_id=elsewhere, account="999", parent_user_id=parent))

    (member,) = await members(system)
    assert {(i.account, i.provider_user_id) for i in await identities(system, member)} == {
        (WABA, BSUID.value),
        ("999", elsewhere.value),
    }


# Access: a username hides the number the lists hold.


@pytest.mark.parametrize(
    ("access", "registration"),
    [(WhatsAppAccess.WHITELIST, "open"), (WhatsAppAccess.REGISTERED, "invite")],
)
async def test_a_username_only_stranger_is_refused_as_an_unknown_number_is(
    access: WhatsAppAccess, registration: str
) -> None:
    system = system_with(
        IGNACIO_WHATSAPP_ACCESS=access.value,
        IGNACIO_REGISTRATION=registration,
        WHITELISTED_USERS=str(PHONE),
    )
    result = await system.container.receive_inbound()(inbound(sender("id")))

    assert (result.refused, result.message_id) == (True, None)
    assert await members(system) == []
    # The refusal notice goes to the id: there is no number to send it to.
    assert system.channel.texts_to_id(BSUID.value) != []


async def test_a_username_only_member_whose_number_is_listed_gets_in() -> None:
    system = system_with(IGNACIO_WHATSAPP_ACCESS="whitelist")
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    await system.container.add_to_allow_list()(
        await system.access(admin), AddToAllowListCommand(phone=str(PHONE))
    )
    assert (await system.container.receive_inbound()(inbound(sender("both")))).refused is False

    # Meta hides the number now; the member's own is on the list.
    result = await system.container.receive_inbound()(inbound(sender("id")))

    assert result.message_id is not None and not result.refused


# Changed numbers and ids.


def change(
    kind: IdentityChangeKind,
    who: Sender,
    *,
    new_phone: PhoneNumber | None = None,
    new_user_id: WhatsAppUserId | None = None,
) -> WebhookBatch:
    return WebhookBatch(
        identity_changes=[
            IdentityChange(
                provider=Provider.WHATSAPP_CLOUD,
                external_id=f"wamid.{next(_ids)}",
                kind=kind,
                who=who,
                new_phone=new_phone,
                new_user_id=new_user_id,
                at=AT,
            )
        ]
    )


async def test_a_changed_number_keeps_one_member_with_their_history_and_roles() -> None:
    system = system_with()
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    await receive(system, sender("both"), "before")
    new_id = WhatsAppUserId("US.2")
    receipt = await system.container.receive_webhook()(
        change(IdentityChangeKind.NUMBER, sender("both"), new_phone=OTHER_PHONE, new_user_id=new_id)
    )
    await receive(system, sender("both", phone=OTHER_PHONE, user_id=new_id), "after")
    # A message sent before the change, arriving after it, still finds them.
    await receive(system, sender("id"), "late")

    assert receipt.identity_changes == 1
    (member,) = [m for m in await members(system) if m.id != admin.id]
    assert member.phone == OTHER_PHONE
    assert await history(system, member) == ["after", "before", "late"]
    assert {i.provider_user_id for i in await identities(system, member)} == {
        BSUID.value,
        new_id.value,
    }
    (entry,) = [e for e in await audited(system) if e.target_id == str(member.id)]
    assert (entry.action, entry.actor_id, entry.details) == (
        "user.whatsapp_number_changed",
        None,
        {
            "by": "whatsapp",
            "previous": PHONE.masked(),
            "to": OTHER_PHONE.masked(),
            "new_id": "US.****",
        },
    )
    # Meta retries a notice: nothing changes the second time.
    again = await system.container.receive_webhook()(
        change(IdentityChangeKind.NUMBER, sender("both"), new_phone=OTHER_PHONE, new_user_id=new_id)
    )
    assert again.identity_changes == 0


async def test_a_new_number_someone_else_has_moves_nothing_and_is_audited() -> None:
    system = system_with()
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    await receive(system, sender("both"))
    await receive(system, Sender(phone=OTHER_PHONE))

    receipt = await system.container.receive_webhook()(
        change(IdentityChangeKind.NUMBER, Sender(phone=PHONE), new_phone=OTHER_PHONE)
    )

    assert receipt.identity_changes == 0
    phones = sorted(str(m.phone) for m in await members(system) if m.id != admin.id)
    assert phones == sorted([str(PHONE), str(OTHER_PHONE)])
    (clash,) = [e for e in await audited(system) if e.action.endswith("conflict")]
    assert clash.details["change"] == "number" and clash.details["to"] == OTHER_PHONE.masked()


async def test_a_changed_id_and_a_new_security_code_are_kept_for_the_admins() -> None:
    system = system_with()
    admin = await system.container.create_user()(
        None, CreateUserCommand(phone="+34600000001", is_admin=True)
    )
    await receive(system, sender("id"))
    new_id = WhatsAppUserId("US.2")

    await system.container.receive_webhook()(
        change(IdentityChangeKind.USER_ID, sender("id"), new_user_id=new_id)
    )
    await system.container.receive_webhook()(
        change(IdentityChangeKind.SECURITY_CODE, sender("id", user_id=new_id))
    )
    await system.container.receive_webhook()(
        change(IdentityChangeKind.SECURITY_CODE, Sender(phone=OTHER_PHONE))  # nobody we know
    )

    (member,) = [m for m in await members(system) if m.id != admin.id]
    assert member.phone is None
    assert {i.provider_user_id for i in await identities(system, member)} == {
        BSUID.value,
        new_id.value,
    }
    actions = [e.action for e in await audited(system) if e.target_id == str(member.id)]
    assert sorted(actions) == ["user.whatsapp_id_changed", "user.whatsapp_security_code_changed"]


async def test_a_username_only_member_may_edit_and_delete_what_they_sent() -> None:
    system = system_with()
    original = inbound(sender("id"), "Whta time do you open?")
    await system.container.receive_inbound()(original)
    someone_else = Sender(user_id=WhatsAppUserId("US.999"), account=WABA)

    def edit(who: Sender, text: str) -> InboundEdit:
        return InboundEdit(
            provider=Provider.WHATSAPP_CLOUD,
            external_id=f"wamid.{next(_ids)}",
            original_external_id=original.external_id,
            sender=who,
            sent_at=AT,
            text=text,
        )

    revise = system.container.revise_inbound()
    # Known by their id alone, they are the message's sender; someone else's id is not.
    assert (await revise(edit(someone_else, "Mine now"))).message_id is None
    assert (await revise(edit(sender("id"), "What time do you open?"))).message_id is not None
    deleted = InboundRevoke(
        provider=Provider.WHATSAPP_CLOUD,
        external_id=f"wamid.{next(_ids)}",
        original_external_id=original.external_id,
        sender=sender("id"),
        sent_at=AT,
    )
    assert (await revise(deleted)).message_id is not None
