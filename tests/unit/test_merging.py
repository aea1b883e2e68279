"""The rules for joining two members who are one person (`ignacio.domain.merging`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import PhoneNumber, Provider, User, WhatsAppIdentity
from ignacio.domain.merging import (
    LINK_INACTIVE,
    LINK_OTHER_ID,
    LINK_OTHER_NUMBER,
    LINK_TEAM,
    halves_of_one_person,
    higher_role,
    joined,
    link_refusal,
    survivor_of,
)
from ignacio.domain.workspaces import WorkspaceRole

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
WABA = "1234567890987654321"
PHONE = PhoneNumber.parse("+34612345678")


def person(*, phone: PhoneNumber | None = None, created: float = 0, **fields: Any) -> User:
    moment = AT + timedelta(seconds=created)
    return User(id=uuid4(), phone=phone, created_at=moment, updated_at=moment, **fields)


def identity_of(user: User, user_id: str = "US.1", account: str | None = WABA) -> WhatsAppIdentity:
    return WhatsAppIdentity(
        id=uuid4(),
        user_id=user.id,
        provider=Provider.WHATSAPP_CLOUD,
        account=account,
        provider_user_id=user_id,
        created_at=AT,
        updated_at=AT,
    )


def test_an_id_without_a_number_and_a_number_without_an_id_are_halves() -> None:
    by_id, by_number = person(), person(phone=PHONE)
    assert halves_of_one_person(by_id, by_number, [], Provider.WHATSAPP_CLOUD, WABA)
    # Known elsewhere (another business account, another provider) contradicts nothing.
    twilio = WhatsAppIdentity(
        id=uuid4(),
        user_id=by_number.id,
        provider=Provider.TWILIO,
        account="AC1",
        provider_user_id="US.8",
        created_at=AT,
        updated_at=AT,
    )
    elsewhere = [identity_of(by_number, "US.9", "999"), twilio]
    assert halves_of_one_person(by_id, by_number, elsewhere, Provider.WHATSAPP_CLOUD, WABA)


def test_halves_that_contradict_each_other_are_not_joined() -> None:
    by_id, by_number = person(), person(phone=PHONE)
    # The number's member has another id under this account (the number changed hands)...
    other = identity_of(by_number, "US.2")
    assert not halves_of_one_person(by_id, by_number, [other], Provider.WHATSAPP_CLOUD, WABA)
    # ...or one kept before accounts were recorded, which may be this account's.
    unscoped = identity_of(by_number, "US.3", None)
    assert not halves_of_one_person(by_id, by_number, [unscoped], Provider.WHATSAPP_CLOUD, WABA)
    # The id's member has a number of their own (a person with two phones, or a new number).
    two_phones = person(phone=PhoneNumber.parse("+34699111222"))
    assert not halves_of_one_person(two_phones, by_number, [], Provider.WHATSAPP_CLOUD, WABA)
    assert not halves_of_one_person(by_number, by_number, [], Provider.WHATSAPP_CLOUD, WABA)


@given(st.floats(min_value=-1e6, max_value=1e6), st.floats(min_value=-1e6, max_value=1e6))
def test_the_older_half_stays_whichever_order_they_come_in(one: float, other: float) -> None:
    a, b = person(created=one), person(created=other)
    stays, goes = survivor_of(a, b)
    assert survivor_of(b, a) == (stays, goes)
    assert {stays.id, goes.id} == {a.id, b.id}
    assert stays.created_at <= goes.created_at


def test_the_survivor_takes_what_it_lacked_and_keeps_what_it_had() -> None:
    later = AT + timedelta(hours=1)
    survivor, joining = person(), person(phone=PHONE, name="Lucía", is_admin=True)
    after = joined(survivor, joining, later)
    assert (after.id, after.phone, after.name, after.is_admin) == (
        survivor.id,
        PHONE,
        "Lucía",
        True,
    )
    assert after.updated_at == later
    named = person(name="Lu", phone=PhoneNumber.parse("+34699111222"))
    assert joined(named, joining, later).name == "Lu"
    assert joined(named, joining, later).phone == named.phone
    # A deactivated half keeps the person deactivated; nothing new keeps the same user.
    assert not joined(survivor, person(is_active=False), later).is_active
    assert joined(named, person(), later) is named


@given(st.sampled_from(WorkspaceRole), st.sampled_from(WorkspaceRole))
def test_the_higher_role_stays(one: WorkspaceRole, other: WorkspaceRole) -> None:
    kept = higher_role(one, other)
    assert kept == higher_role(other, one)
    assert kept in (one, other)
    if WorkspaceRole.ADMIN in (one, other):
        assert kept is WorkspaceRole.ADMIN
    elif WorkspaceRole.AGENT in (one, other):
        assert kept is WorkspaceRole.AGENT


def test_a_members_whatsapp_may_join_an_account() -> None:
    account, sender = person(phone=PHONE), person()
    assert link_refusal(account, sender, [], [identity_of(sender)], [WorkspaceRole.MEMBER]) is None


def test_a_link_that_would_hand_over_more_than_a_members_conversations_is_refused() -> None:
    account, sender = person(phone=PHONE), person()
    theirs = [identity_of(sender)]
    member = [WorkspaceRole.MEMBER]
    assert link_refusal(account, sender, [], theirs, [WorkspaceRole.AGENT]) == LINK_TEAM
    admin = person(is_admin=True)
    assert link_refusal(account, admin, [], [identity_of(admin)], member) == LINK_TEAM
    other_phone = person(phone=PhoneNumber.parse("+34699111222"))
    assert link_refusal(account, other_phone, [], [], member) == LINK_OTHER_NUMBER
    already = [identity_of(account, "US.7")]
    assert link_refusal(account, sender, already, theirs, member) == LINK_OTHER_ID
    off = person(is_active=False)
    assert link_refusal(account, off, [], [], member) == LINK_INACTIVE
    assert link_refusal(person(is_active=False), sender, [], theirs, member) == LINK_INACTIVE
