"""parse_webhook beyond the collected cases: batches, broken items, odd shapes, arbitrary input."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ignacio.adapters.whatsapp_cloud import parse_webhook
from ignacio.domain import (
    DeliveryStatus,
    IdentityChange,
    IdentityChangeKind,
    InvalidInput,
    MessageType,
    PhoneNumber,
    Provider,
    Sender,
    WebhookBatch,
    WhatsAppUserId,
)
from tests.adapters.whatsapp_cloud.test_conformance import FILES, load

SENDER = "34612345678"


def text_item(message_id: str, body: Any = "hello", **extra: Any) -> dict[str, Any]:
    return {
        "from": SENDER,
        "id": message_id,
        "timestamp": "1700000000",
        "type": "text",
        "text": {"body": body},
        **extra,
    }


def status_item(message_id: str, status: str = "delivered", **extra: Any) -> dict[str, Any]:
    return {
        "id": message_id,
        "status": status,
        "timestamp": "1700000100",
        "recipient_id": SENDER,
        **extra,
    }


def change(**value: Any) -> dict[str, Any]:
    return {"field": "messages", "value": {"messaging_product": "whatsapp", **value}}


def envelope(*entries: list[dict[str, Any]], **extra: Any) -> bytes:
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": f"{i}", "changes": changes} for i, changes in enumerate(entries)],
        **extra,
    }
    return json.dumps(body).encode()


# Refusing a body.


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"{", b"\xff\xfe{}", b"[]", b"[{}]", b"null", b"42", b'"text"', b"true"],
)
def test_a_body_that_is_not_a_json_object_is_invalid_input(raw: bytes) -> None:
    with pytest.raises(InvalidInput):
        parse_webhook(raw)


def test_absurdly_deep_nesting_is_invalid_input_not_a_crash() -> None:
    with pytest.raises(InvalidInput):
        parse_webhook(b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def test_an_empty_object_is_an_empty_batch() -> None:
    assert parse_webhook(b"{}") == WebhookBatch()


def test_a_body_about_something_else_than_whatsapp_is_ignored_with_a_reason() -> None:
    batch = parse_webhook(json.dumps({"object": "page", "entry": []}).encode())

    assert batch.messages == [] and batch.updates == []
    assert batch.ignored == ["the body is about 'page', not a WhatsApp account"]


# Batches.


def test_every_entry_change_message_and_status_is_kept_in_order() -> None:
    raw = envelope(
        [
            change(messages=[text_item("m1"), text_item("m2")], statuses=[status_item("s1")]),
            change(statuses=[status_item("s2", "read"), status_item("s3", "sent")]),
        ],
        [change(messages=[text_item("m3")])],
    )

    batch = parse_webhook(raw)

    assert [m.external_id for m in batch.messages] == ["m1", "m2", "m3"]
    assert [(u.external_id, u.status) for u in batch.updates] == [
        ("s1", DeliveryStatus.DELIVERED),
        ("s2", DeliveryStatus.READ),
        ("s3", DeliveryStatus.SENT),
    ]
    assert batch.ignored == []


def test_one_unreadable_item_loses_none_of_the_others() -> None:
    raw = envelope(
        [
            change(
                messages=[
                    text_item("good-1"),
                    text_item("bad-body", body={"not": "a string"}),
                    "not even an object",
                    text_item("bad-sender", **{"from": "12"}),
                    text_item("bad-time", timestamp="yesterday"),
                    text_item("good-2"),
                ],
                statuses=[status_item("s-bad", "vanished"), status_item("s-good")],
            )
        ]
    )

    batch = parse_webhook(raw)

    assert [m.external_id for m in batch.messages] == ["good-1", "good-2"]
    assert [u.external_id for u in batch.updates] == ["s-good"]
    assert len(batch.ignored) == 5
    assert "entry 0 change 0 message 1: unreadable" in batch.ignored[0]
    assert "entry 0 change 0 message 2: unreadable" in batch.ignored[1]
    assert batch.ignored[2] == "message bad-sender: the sender is not a valid phone number"
    assert batch.ignored[3] == "message bad-time: missing or invalid timestamp"
    assert batch.ignored[4] == "status of s-bad: unknown status 'vanished'"


def test_unknown_fields_everywhere_are_ignored() -> None:
    item = text_item("m1", brand_new_field={"nested": [1, 2]})
    item["text"]["also_new"] = True
    value = change(messages=[item], future_list=[1], contacts=[{"wa_id": SENDER, "x": 1}])
    raw = envelope([{**value, "extra": "field"}], top_level_novelty=3)

    batch = parse_webhook(raw)

    assert [m.text for m in batch.messages] == ["hello"]
    assert batch.ignored == []


def test_changes_to_other_fields_are_ignored_with_a_reason() -> None:
    raw = envelope([{"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}])

    assert parse_webhook(raw).ignored == [
        "entry 0 change 0: field 'account_update' carries no messages"
    ]


def test_an_error_notice_without_messages_is_ignored_with_its_error() -> None:
    errors = [{"code": 131000, "title": "Something went wrong", "message": "Something went wrong"}]

    assert parse_webhook(envelope([change(errors=errors)])).ignored == [
        "entry 0 change 0: error notice Something went wrong"
    ]


def test_lists_may_be_null() -> None:
    raw = envelope([change(messages=None, statuses=None, contacts=None)])

    assert parse_webhook(raw) == WebhookBatch()


# Mapping details.


def test_the_sender_is_matched_to_its_own_contact_only() -> None:
    contacts = [
        {"wa_id": "447700900123", "user_id": "US.other", "profile": {"name": "Someone Else"}},
        {"wa_id": SENDER, "user_id": "US.sender", "profile": {"name": "Ana"}},
    ]
    raw = envelope([change(contacts=contacts, messages=[text_item("m1")])])

    (message,) = parse_webhook(raw).messages

    assert message.sender == Sender(
        phone=PhoneNumber.parse("+34612345678"), user_id=WhatsAppUserId("US.sender"), account="0"
    )
    assert message.profile_name == "Ana"


def test_the_message_s_own_bsuid_wins_over_the_contact_s() -> None:
    contacts = [{"wa_id": SENDER, "user_id": "US.contact"}]
    raw = envelope(
        [change(contacts=contacts, messages=[text_item("m1", from_user_id="US.message")])]
    )

    (message,) = parse_webhook(raw).messages

    assert (message.sender.user_id, message.profile_name) == (WhatsAppUserId("US.message"), None)


def test_a_message_without_contacts_has_no_name_or_bsuid() -> None:
    (message,) = parse_webhook(envelope([change(messages=[text_item("m1")])])).messages

    assert message.sender == Sender(phone=PhoneNumber.parse("+34612345678"))
    assert message.profile_name is None


def username_only(message_id: str = "m1", **contact: Any) -> bytes:
    """A message from someone who uses a username, as Meta sends it since 2026: no `from`, no
    `wa_id`; `from_user_id`, and the contact's `user_id` and `profile.username`."""
    item = text_item(message_id, from_user_id="US.13491208655302741918")
    del item["from"]
    person = {
        "profile": {"name": "Lucía", "username": "lucia.g"},
        "user_id": "US.13491208655302741918",
        "parent_user_id": "US.ENT.11815799212886844830",
        **contact,
    }
    return envelope([change(contacts=[person], messages=[item])])


def test_a_username_only_sender_is_kept_under_their_bsuid_with_their_username() -> None:
    (message,) = parse_webhook(username_only()).messages

    assert message.sender == Sender(
        user_id=WhatsAppUserId("US.13491208655302741918"),
        account="0",
        parent_user_id=WhatsAppUserId("US.ENT.11815799212886844830"),
        username="lucia.g",
    )
    assert (message.profile_name, message.text) == ("Lucía", "hello")


def test_a_message_naming_nobody_takes_the_change_s_only_contact() -> None:
    item = text_item("m1")
    del item["from"]
    contact = {"user_id": "US.1349", "profile": {"username": "@lucia.g"}}

    (message,) = parse_webhook(envelope([change(contacts=[contact], messages=[item])])).messages

    assert message.sender == Sender(
        user_id=WhatsAppUserId("US.1349"), account="0", username="lucia.g"
    )


@pytest.mark.parametrize(
    ("sender", "contacts", "reason"),
    [
        ({}, [], "no sender number or id"),
        ({"from": "97298"}, [], "the sender is not a valid phone number"),
        ({"from_user_id": "US 1349"}, [], "no sender number or id"),
        ({}, [{"user_id": "US.1"}, {"user_id": "US.2"}], "no sender number or id"),
    ],
    ids=["nothing", "impossible-number", "unreadable-id", "two-contacts"],
)
def test_a_message_naming_nobody_usable_is_ignored_with_the_reason(
    sender: dict[str, str], contacts: list[dict[str, Any]], reason: str
) -> None:
    item = {key: value for key, value in text_item("m1").items() if key != "from"} | sender

    batch = parse_webhook(envelope([change(contacts=contacts, messages=[item])]))

    assert batch.messages == []
    assert batch.ignored == [f"message m1: {reason}"]


def system_item(message_id: str, system: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": message_id,
        "timestamp": "1700000000",
        "type": "system",
        "system": system,
        **extra,
    }


def test_a_changed_number_names_the_person_before_and_their_new_number_and_id() -> None:
    item = system_item(
        "s1",
        {
            "body": "User A changed from 34612345678 to 34699111222",
            "wa_id": "34699111222",
            "user_id": "US.2002",
            "type": "user_changed_number",
        },
        **{"from": SENDER, "from_user_id": "US.1001"},
    )

    (notice,) = parse_webhook(envelope([change(messages=[item])])).identity_changes

    assert notice == IdentityChange(
        provider=Provider.WHATSAPP_CLOUD,
        external_id="s1",
        kind=IdentityChangeKind.NUMBER,
        who=Sender(
            phone=PhoneNumber.parse("+34612345678"), user_id=WhatsAppUserId("US.1001"), account="0"
        ),
        new_phone=PhoneNumber.parse("+34699111222"),
        new_user_id=WhatsAppUserId("US.2002"),
        at=datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
    )


def test_a_changed_user_id_names_the_old_id_and_the_new_one() -> None:
    item = system_item(
        "s1",
        {"body": "User A changed", "user_id": "US.2002", "type": "user_changed_user_id"},
        from_user_id="US.1001",
    )

    (notice,) = parse_webhook(envelope([change(messages=[item])])).identity_changes

    assert (notice.kind, notice.who, notice.new_user_id, notice.new_phone) == (
        IdentityChangeKind.USER_ID,
        Sender(user_id=WhatsAppUserId("US.1001"), account="0"),
        WhatsAppUserId("US.2002"),
        None,
    )


@pytest.mark.parametrize(
    ("system", "reason"),
    [
        ({"type": "user_changed_number"}, "a user_changed_number notice without its new value"),
        ({"type": "user_changed_user_id"}, "a user_changed_user_id notice without its new value"),
        ({"type": "something_new"}, "a system notice (something_new), not understood"),
    ],
)
def test_a_notice_that_cannot_be_applied_is_ignored_with_the_reason(
    system: dict[str, Any], reason: str
) -> None:
    item = system_item("s1", system, **{"from": SENDER})

    batch = parse_webhook(envelope([change(messages=[item])]))

    assert (batch.identity_changes, batch.messages) == ([], [])
    assert batch.ignored == [f"message s1: {reason}"]


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        ("1700000000", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (1700000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("1700000000.5", datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps_are_unix_seconds_in_utc(timestamp: Any, expected: datetime) -> None:
    raw = envelope([change(messages=[text_item("m1", timestamp=timestamp)])])

    assert parse_webhook(raw).messages[0].sent_at == expected


@pytest.mark.parametrize("timestamp", [None, "", "soon", "1e999", "nan", 10**30, True, [1]])
def test_a_message_without_a_usable_timestamp_is_ignored(timestamp: Any) -> None:
    item = text_item("m1", timestamp=timestamp)
    if timestamp is None:
        del item["timestamp"]

    batch = parse_webhook(envelope([change(messages=[item])]))

    assert batch.messages == []
    assert len(batch.ignored) == 1


def test_an_unknown_message_type_is_unsupported_not_dropped() -> None:
    item = {"from": SENDER, "id": "m1", "timestamp": "1700000000", "type": "hologram"}

    (message,) = parse_webhook(envelope([change(messages=[item])])).messages

    assert (message.message_type, message.text) == (
        MessageType.UNSUPPORTED,
        "Unsupported message (hologram)",
    )


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"type": "text"}, "a text message without a body"),
        ({"type": "image"}, "a image message without its image"),
        ({"type": "image", "image": {"caption": "no id"}}, "a image message without its image"),
        ({"type": "reaction", "reaction": {"emoji": "👍"}}, "a reaction to no message"),
    ],
)
def test_a_message_missing_its_content_is_ignored_with_a_reason(
    item: dict[str, Any], reason: str
) -> None:
    raw_item = {"from": SENDER, "id": "m1", "timestamp": "1700000000", **item}

    batch = parse_webhook(envelope([change(messages=[raw_item])]))

    assert batch.ignored == [f"message m1: {reason}"]


def test_a_message_without_an_id_is_ignored() -> None:
    item = text_item("m1")
    del item["id"]

    assert parse_webhook(envelope([change(messages=[item])])).ignored == [
        "entry 0 change 0 message 0: a message without an id"
    ]


def test_a_failed_status_takes_its_first_error_title_or_message() -> None:
    statuses = [
        status_item("s1", "failed", errors=[{"code": 131047, "message": "Re-engagement message"}]),
        status_item("s2", "failed"),
    ]

    first, second = parse_webhook(envelope([change(statuses=statuses)])).updates

    assert (first.status, first.error_code, first.error_title) == (
        DeliveryStatus.FAILED,
        131047,
        "Re-engagement message",
    )
    assert (second.error_code, second.error_title) == (None, None)


def test_errors_are_only_kept_on_failed_statuses() -> None:
    statuses = [status_item("s1", "delivered", errors=[{"code": 1, "title": "odd"}])]

    (update,) = parse_webhook(envelope([change(statuses=statuses)])).updates

    assert (update.error_code, update.error_title) == (None, None)


# Edits and deletions of earlier messages.

_EDITABLE = st.sampled_from(["text", "image", "video", "document"])
_WORDS = st.text(max_size=300).filter(lambda text: "\x00" not in text)
_IDS = st.text(min_size=1, max_size=60).filter(lambda text: "\x00" not in text)


def edit_item(message_id: str, original: str, kind: str, words: str) -> dict[str, Any]:
    edited: dict[str, Any] = {"type": kind, "context": {"id": "M0"}}
    edited[kind] = {"body": words} if kind == "text" else {"id": "9", "caption": words}
    return {
        "from": SENDER,
        "id": message_id,
        "timestamp": "1700000300",
        "type": "edit",
        "edit": {"original_message_id": original, "message": edited},
    }


@given(original=_IDS, kind=_EDITABLE, words=_WORDS)
def test_an_edit_is_the_message_it_edits_and_its_words_now(
    original: str, kind: str, words: str
) -> None:
    batch = parse_webhook(
        envelope([change(messages=[text_item("m1"), edit_item("e1", original, kind, words)])])
    )

    (message,) = batch.messages
    (revision,) = batch.revisions
    assert (message.external_id, batch.ignored) == ("m1", [])
    assert (revision.external_id, revision.original_external_id) == ("e1", original)
    assert getattr(revision, "text", None) == words
    assert str(revision.sender.phone) == "+" + SENDER
    assert revision.sent_at == datetime(2023, 11, 14, 22, 18, 20, tzinfo=UTC)


@given(original=_IDS)
def test_a_revoke_is_the_message_deleted(original: str) -> None:
    item = {
        "from": SENDER,
        "id": "r1",
        "timestamp": "1700000300",
        "type": "revoke",
        "revoke": {"original_message_id": original},
    }

    (revision,) = parse_webhook(envelope([change(messages=[item])])).revisions

    assert (revision.external_id, revision.original_external_id) == ("r1", original)
    assert not hasattr(revision, "text")


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"type": "edit"}, "an edit that names no message"),
        ({"type": "edit", "edit": {"message": {"type": "text"}}}, "an edit that names no message"),
        (
            {"type": "edit", "edit": {"original_message_id": "m0"}},
            "an edit of a message of no type, which has no words",
        ),
        (
            {"type": "edit", "edit": {"original_message_id": "m0", "message": {"type": "text"}}},
            "an edit of a text without its new body",
        ),
        (
            {
                "type": "edit",
                "edit": {"original_message_id": "m0", "message": {"type": "location"}},
            },
            "an edit of a location, which has no words",
        ),
        ({"type": "revoke"}, "a deletion that names no message"),
        (
            {"type": "revoke", "revoke": {"original_message_id": ""}},
            "a deletion that names no message",
        ),
    ],
)
def test_an_edit_or_revoke_missing_its_parts_is_ignored_with_a_reason(
    item: dict[str, Any], reason: str
) -> None:
    raw_item = {"from": SENDER, "id": "m1", "timestamp": "1700000000", **item}

    batch = parse_webhook(envelope([change(messages=[raw_item])]))

    assert (batch.messages, batch.revisions) == ([], [])
    assert batch.ignored == [f"message m1: {reason}"]


# Arbitrary input never raises anything but InvalidInput.

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


def parse_or_invalid(raw: bytes) -> WebhookBatch | None:
    try:
        return parse_webhook(raw)
    except InvalidInput:
        return None


@settings(deadline=None)
@given(json_values)
def test_any_json_value_parses_or_is_invalid_input(value: Any) -> None:
    batch = parse_or_invalid(json.dumps(value).encode())

    if isinstance(value, dict):
        assert batch is not None
    else:
        assert batch is None


@settings(deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_parse_or_are_invalid_input(raw: bytes) -> None:
    parse_or_invalid(raw)


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from(["object", "entry", "x"]), json_values, max_size=3))
def test_any_envelope_of_arbitrary_values_parses(value: dict[str, Any]) -> None:
    assert parse_or_invalid(json.dumps(value).encode()) is not None


CONFORMANCE_BODIES = [load(file)[case] for file in FILES for case in load(file)]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside `value` a key or an item can be deleted or replaced."""
    found: list[tuple[Any, ...]] = []
    children: list[tuple[Any, Any]] = (
        list(value.items())
        if isinstance(value, dict)
        else list(enumerate(value))
        if isinstance(value, list)
        else []
    )
    for key, child in children:
        found.append((*prefix, key))
        found.extend(paths(child, (*prefix, key)))
    return found


@st.composite
def mutated_bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(CONFORMANCE_BODIES)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        places = paths(body)
        if not places:
            break
        *parents, last = draw(st.sampled_from(places))
        container: Any = body
        for key in parents:
            container = container[key]
        if draw(st.booleans()):
            del container[last]
        else:
            container[last] = draw(json_values)
    return body


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bodies())
def test_mutated_conformance_bodies_always_parse(body: dict[str, Any]) -> None:
    assert parse_or_invalid(json.dumps(body).encode()) is not None
