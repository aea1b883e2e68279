"""The values a WhatsApp identity is made of: user ids, senders, usernames, where answers go."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import (
    InvalidInput,
    PhoneNumber,
    Provider,
    Sender,
    User,
    WhatsAppIdentity,
    WhatsAppUserId,
)
from ignacio.domain.identity import clean_username, recipient_for

START = datetime(2026, 4, 1, tzinfo=UTC)
ID_CHARACTERS = string.ascii_letters + string.digits + "._:-"

bsuids = st.builds(
    lambda country, digits: f"{country}.{digits}",
    st.text(string.ascii_uppercase, min_size=2, max_size=2),
    st.text(string.digits, min_size=1, max_size=128),
)
phones = st.integers(min_value=600_000_000, max_value=699_999_999).map(
    lambda n: PhoneNumber.parse(f"+34{n}")
)


@given(bsuids)
def test_every_id_meta_can_send_is_a_user_id_kept_exactly(value: str) -> None:
    user_id = WhatsAppUserId(value)
    assert str(user_id) == value
    masked = user_id.masked()
    assert masked.startswith(value[:3]) and "****" in masked
    assert value not in masked or len(value) <= 6


@given(st.text(max_size=200))
def test_a_user_id_is_one_plain_word_of_at_most_160_characters(value: str) -> None:
    plain = (
        0 < len(value) <= 160
        and value[0].isascii()
        and value[0].isalnum()
        and all(character in ID_CHARACTERS for character in value)
    )
    if plain:
        assert WhatsAppUserId(value).value == value
    else:
        with pytest.raises(InvalidInput):
            WhatsAppUserId(value)


@given(
    phone=st.none() | phones,
    user_id=st.none() | bsuids.map(WhatsAppUserId),
    parent=st.none() | bsuids.map(lambda value: WhatsAppUserId("US.ENT." + value[3:])),
    account=st.none() | st.text(string.digits, min_size=1, max_size=20),
    username=st.none() | st.text(string.ascii_lowercase + "._", min_size=1, max_size=30),
)
def test_a_sender_is_named_by_a_number_or_an_id_never_by_neither(
    phone: PhoneNumber | None,
    user_id: WhatsAppUserId | None,
    parent: WhatsAppUserId | None,
    account: str | None,
    username: str | None,
) -> None:
    username = clean_username(username)

    def sender() -> Sender:
        return Sender(
            phone=phone,
            user_id=user_id,
            parent_user_id=parent,
            account=account,
            username=username,
        )

    if (phone is None and user_id is None) or (parent is not None and user_id is None):
        with pytest.raises(InvalidInput):
            sender()
        return
    made = sender()
    # Answers go to the number when the delivery carried one, else to the id.
    assert made.recipient == (phone if phone is not None else user_id)
    # Counted and ordered by the id where there is one: the same whether the number came or not.
    if user_id is not None:
        assert made.key == Sender(user_id=user_id, account=account).key
        assert made.key != Sender(user_id=user_id, account=f"{account}0").key
    else:
        assert phone is not None and made.key == phone.e164
    masked = made.masked()
    assert (phone is None or phone.e164 not in masked) and (
        user_id is None or len(user_id.value) <= 6 or user_id.value not in masked
    )


@given(st.text(max_size=150))
def test_a_username_is_cleaned_once_and_for_all(raw: str) -> None:
    cleaned = clean_username(raw)
    assert clean_username(cleaned) == cleaned
    if cleaned is not None:
        assert 0 < len(cleaned) <= 100
        assert not cleaned.startswith(("@", " ")) and cleaned == cleaned.rstrip()
        Sender(user_id=WhatsAppUserId("US.1"), username=cleaned)


def test_a_username_that_is_not_clean_is_refused() -> None:
    with pytest.raises(InvalidInput):
        Sender(user_id=WhatsAppUserId("US.1"), username="@ana")


def identity_of(user: User, value: str, provider: Provider, seconds: int) -> WhatsAppIdentity:
    moment = START + timedelta(seconds=seconds)
    return WhatsAppIdentity(
        id=uuid4(),
        user_id=user.id,
        provider=provider,
        account="1",
        provider_user_id=value,
        created_at=moment,
        updated_at=moment,
    )


def test_answers_go_to_the_number_else_the_newest_id_of_the_sending_provider() -> None:
    number = PhoneNumber.parse("+34612345678")
    hidden = User(id=uuid4(), created_at=START, updated_at=START)
    cloud_old = identity_of(hidden, "US.1", Provider.WHATSAPP_CLOUD, 1)
    cloud_new = identity_of(hidden, "US.2", Provider.WHATSAPP_CLOUD, 2)
    twilio = identity_of(hidden, "US.3", Provider.TWILIO, 3)
    others = identity_of(
        User(id=uuid4(), created_at=START, updated_at=START), "US.4", Provider.TWILIO, 4
    )
    mine = [cloud_old, twilio, cloud_new, others]

    assert recipient_for(hidden, mine, Provider.WHATSAPP_CLOUD) == WhatsAppUserId("US.2")
    assert recipient_for(hidden, mine, Provider.TWILIO) == WhatsAppUserId("US.3")
    assert recipient_for(hidden, [cloud_old], Provider.TWILIO) == WhatsAppUserId("US.1")
    assert recipient_for(hidden, mine, None) == WhatsAppUserId("US.3")
    assert recipient_for(hidden, [others], None) is None
    numbered = User(id=hidden.id, phone=number, created_at=START, updated_at=START)
    assert recipient_for(numbered, mine, Provider.WHATSAPP_CLOUD) == number


def test_an_identity_seen_again_keeps_what_is_new_and_claims_an_account() -> None:
    ana = User(id=uuid4(), created_at=START, updated_at=START)
    kept = WhatsAppIdentity.of(
        id=uuid4(),
        user_id=ana.id,
        provider=Provider.WHATSAPP_CLOUD,
        sender=Sender(user_id=WhatsAppUserId("US.1"), username="ana"),
        at=START,
    )
    later = START + timedelta(days=1)
    assert kept.account is None
    same = Sender(user_id=WhatsAppUserId("US.1"), username="ana")
    assert kept.seen(same, later) is kept
    # A username or parent left out is not taken as removed.
    assert kept.seen(Sender(user_id=WhatsAppUserId("US.1")), later) is kept
    seen = kept.seen(
        Sender(
            user_id=WhatsAppUserId("US.1"),
            account="waba",
            parent_user_id=WhatsAppUserId("US.ENT.1"),
            username="ana.g",
        ),
        later,
    )
    assert (seen.account, seen.parent_user_id, seen.username, seen.updated_at) == (
        "waba",
        "US.ENT.1",
        "ana.g",
        later,
    )
    with pytest.raises(InvalidInput):
        WhatsAppIdentity.of(
            id=uuid4(),
            user_id=ana.id,
            provider=Provider.WHATSAPP_CLOUD,
            sender=Sender(phone=PhoneNumber.parse("+34612345678")),
            at=START,
        )
