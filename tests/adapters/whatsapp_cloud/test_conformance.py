"""Every webhook body in shared/conformance/whatsapp-cloud, and the exact events it must become.

The collected bodies use a made-up sender, 972987654321, which is possible for Israel though not
in a range phonenumbers knows; one test swaps in an impossible number and checks that it is left
out (the message kept under the sender's business-scoped user id), or, where the number was all
there was, ignored with a reason rather than crashing. The edit and the
deletion come from Meta's reference pages, with another sender (and a placeholder): they are
given the same one, so that the sender matches its contact card as in a real delivery.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from ignacio.adapters.whatsapp_cloud import PROVIDER, parse_webhook
from ignacio.domain import (
    DeliveryStatus,
    DeliveryUpdate,
    IdentityChange,
    IdentityChangeKind,
    InboundEdit,
    InboundMessage,
    InboundRevoke,
    MediaRef,
    MessageType,
    PhoneNumber,
    Sender,
    WebhookBatch,
    WhatsAppUserId,
)

CONFORMANCE = (
    Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "whatsapp-cloud"
)
FILES = (
    "callback_button",
    "callback_selection",
    "deleted_message",
    "edited_message",
    "message",
    "message_status",
    "system",
)
CORPUS_SENDER = "972987654321"  # possible for Israel, though not in a range phonenumbers knows
# The senders of Meta's own samples (an edit's, a deletion's placeholder), made the corpus's.
META_SENDERS = ('"16505551234"', '"<WHATSAPP_USER_PHONE_NUMBER>"')
IMPOSSIBLE_SENDER = "97298"
SENDER = PhoneNumber.from_provider(CORPUS_SENDER)
BSUID = "US.13491208655302741918"
PARENT_BSUID = "US.ENT.11815799212886844830"
BUSINESS_NUMBER = "1122334455667"  # metadata.phone_number_id in every collected body
WABA = "1234567890987654321"  # entry[].id, the WhatsApp Business Account, in most bodies
BUTTON_WABA = "5467539754836534"  # callback_button.json's


def sender(account: str = WABA) -> Sender:
    """The corpus's sender as every body's contact card names them: number, BSUID and parent,
    the ids scoped by the body's WhatsApp Business Account."""
    return Sender(
        phone=SENDER,
        user_id=WhatsAppUserId(BSUID),
        account=account,
        parent_user_id=WhatsAppUserId(PARENT_BSUID),
    )


def load(file: str, *, impossible_sender: bool = False) -> dict[str, Any]:
    text = (CONFORMANCE / f"{file}.json").read_text()
    for sender in META_SENDERS:
        text = text.replace(sender, f'"{CORPUS_SENDER}"')
    if impossible_sender:
        text = text.replace(f'"{CORPUS_SENDER}"', f'"{IMPOSSIBLE_SENDER}"')
    cases: dict[str, Any] = json.loads(text)
    return cases


def body(file: str, case: str, *, impossible_sender: bool = False) -> bytes:
    return json.dumps(load(file, impossible_sender=impossible_sender)[case]).encode()


def at(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def message(
    timestamp: int,
    message_type: MessageType,
    text: str,
    *,
    external_id: str = "wamid.xyzxyz",
    media: MediaRef | None = None,
    reply_to: str | None = None,
    forwarded: bool = False,
    account: str = WABA,
    profile_name: str | None = "Test Name",
) -> WebhookBatch:
    return WebhookBatch(
        messages=[
            InboundMessage(
                provider=PROVIDER,
                external_id=external_id,
                recipient=BUSINESS_NUMBER,
                sender=sender(account),
                profile_name=profile_name,
                sent_at=at(timestamp),
                message_type=message_type,
                text=text,
                media=media,
                reply_to_external_id=reply_to,
                forwarded=forwarded,
            )
        ]
    )


def update(
    timestamp: int,
    status: DeliveryStatus,
    *,
    external_id: str = "wamid.xyzxyz",
    error_code: int | None = None,
    error_title: str | None = None,
    recipient: str = BUSINESS_NUMBER,
) -> WebhookBatch:
    return WebhookBatch(
        updates=[
            DeliveryUpdate(
                provider=PROVIDER,
                external_id=external_id,
                recipient=recipient,
                status=status,
                at=at(timestamp),
                error_code=error_code,
                error_title=error_title,
            )
        ]
    )


def edit(timestamp: int, text: str, *, external_id: str, original: str) -> WebhookBatch:
    return WebhookBatch(
        revisions=[
            InboundEdit(
                provider=PROVIDER,
                external_id=external_id,
                original_external_id=original,
                recipient="106540352242922",
                sender=sender("102290129340398"),
                sent_at=at(timestamp),
                text=text,
            )
        ]
    )


def ignored(*reasons: str) -> WebhookBatch:
    return WebhookBatch(ignored=list(reasons))


UNSUPPORTED_ERROR = "Message type unknown — Message type is currently not supported."

EXPECTED: dict[tuple[str, str], WebhookBatch] = {
    # callback_button.json
    ("callback_button", "button"): message(
        1698266730,
        MessageType.INTERACTIVE,
        "title",
        reply_to="wamid.xyzxyz",
        account=BUTTON_WABA,
    ),
    ("callback_button", "quick_reply"): message(
        1698269027,
        MessageType.INTERACTIVE,
        "title",
        external_id="wamid.xsidjw",
        reply_to="wamid.xyzxyz==",
        account=BUTTON_WABA,
    ),
    ("callback_button", "quick_reply_without_context"): message(
        1698269027,
        MessageType.INTERACTIVE,
        "title",
        external_id="wamid.xsidjx",
        account=BUTTON_WABA,
    ),
    # callback_selection.json
    ("callback_selection", "callback"): message(
        1698266905,
        MessageType.INTERACTIVE,
        "title",
        external_id="wamid.zyzxyz",
        reply_to="wamid.xyzxyz",
    ),
    ("callback_selection", "description"): message(
        1698266905,
        MessageType.INTERACTIVE,
        "title — description",
        external_id="wamid.zyzxyz",
        reply_to="wamid.xyzxyz",
    ),
    # deleted_message.json: Meta's reference page left its placeholders in.
    ("deleted_message", "revoke"): WebhookBatch(
        revisions=[
            InboundRevoke(
                provider=PROVIDER,
                external_id="<WHATSAPP_MESSAGE_ID>",
                original_external_id="<ORIGINAL_WHATSAPP_MESSAGE_ID>",
                recipient="<BUSINESS_PHONE_NUMBER_ID>",
                sender=sender("<WHATSAPP_BUSINESS_ACCOUNT_ID>"),
                sent_at=at(1697043223),
            )
        ]
    ),
    # edited_message.json: a photo's caption edited.
    ("edited_message", "image"): edit(
        1749854575,
        "Updated image caption",
        external_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
        original="wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
    ),
    # message.json
    ("message", "text"): message(1697043223, MessageType.TEXT, "Body Text"),
    ("message", "image"): message(
        1697043379,
        MessageType.IMAGE,
        "",
        media=MediaRef(provider_media_id="65463453", mime_type="image/jpeg", sha256="4654+8g="),
    ),
    ("message", "media_with_url"): message(
        1697043379,
        MessageType.IMAGE,
        "",
        media=MediaRef(
            provider_media_id="65463453",
            url="https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=65463453"
            "&source=webhook&ext=487r9re&hash=heiwchueowbcew-dnedcw",
            mime_type="image/jpeg",
            sha256="4654+8g=",
        ),
    ),
    ("message", "video"): message(
        1697044362,
        MessageType.VIDEO,
        "caption",
        forwarded=True,
        media=MediaRef(
            provider_media_id="765756756",
            mime_type="video/mp4",
            sha256="Jh+2ij6PzUv/J2y+grrtegr/ZMzRxkEPwc24Oyib4s03w9Jc=",
        ),
    ),
    ("message", "document"): message(
        1697043666,
        MessageType.DOCUMENT,
        "caption",
        forwarded=True,
        media=MediaRef(
            provider_media_id="1234567890987654321",
            mime_type="application/pdf",
            filename="filename.pdf",
            sha256="grwfwe/ZPx0wAbdfbdeFUNItPZ0RylL8gGUvdt3YFqc18SY=",
        ),
    ),
    ("message", "audio"): message(
        1697043509,
        MessageType.AUDIO,
        "",
        forwarded=True,
        media=MediaRef(
            provider_media_id="1234567890987654321",
            mime_type="audio/ogg; codecs=opus",
            sha256="E3dxS/PdYZE7ppA3pQ4mpCFaXBJ8pX4SRN/dsfvds/iPGA=",
            is_voice=False,
        ),
    ),
    ("message", "voice"): message(
        1697043473,
        MessageType.AUDIO,
        "",
        media=MediaRef(
            provider_media_id="1234567890987654321",
            mime_type="audio/ogg; codecs=opus",
            sha256="m04pFf2ERdaopTyFkGPA0+bX3i+YY2dYgVFwOgDLSDI=",
            is_voice=True,
        ),
    ),
    ("message", "static_sticker"): message(
        1697043760,
        MessageType.STICKER,
        "",
        media=MediaRef(
            provider_media_id="1234567890987654321",
            mime_type="image/webp",
            sha256="OmT4nhjUhCMIPNmj7eeOZeCYjTXkLxoOv85OMCFwSuc=",
        ),
    ),
    ("message", "animated_sticker"): message(
        1697043785,
        MessageType.STICKER,
        "",
        media=MediaRef(
            provider_media_id="1234567890987654321",
            mime_type="image/webp",
            sha256="HcwyCKrTKXHk0a00ms4HWIA76GY0Du6q4Z/iuwevw=",
        ),
    ),
    ("message", "reaction"): message(
        1697044456, MessageType.REACTION, "\U0001f62e", reply_to="wamid.yzxyzx="
    ),
    ("message", "unreaction_empty"): message(
        1697044456, MessageType.REACTION, "", reply_to="wamid.yzxyzx="
    ),
    ("message", "unreaction_no_emoji"): message(
        1697044456, MessageType.REACTION, "", reply_to="wamid.yzxyzx="
    ),
    ("message", "current_location"): message(
        1697044557, MessageType.LOCATION, "📍 (12.25089, 43.90539)", forwarded=True
    ),
    ("message", "chosen_location"): message(
        1697044557,
        MessageType.LOCATION,
        "📍 Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025 (37.4611978, -122.2164385) "
        "https://maps.google.com/?cid=2000000000000000000",
        forwarded=True,
    ),
    ("message", "contacts"): message(
        1697044621,
        MessageType.CONTACTS,
        "👤 Chandler Bing: +1 555-555-5555\n👤 Monica: +1 666-666-6666\n"
        "👤 Rachel Green: +1 777-777-7777",
    ),
    ("message", "order"): message(
        1697044668,
        MessageType.TEXT,
        "🛒 Order from catalog 354160437058781:\n"
        "• 3 x HAMBURGER at 30 ILS each\n"
        "• 2 x FRENCH_FRIES at 35 ILS each\n"
        "• 2 x SODA at 10 ILS each",
    ),
    ("message", "unsupported"): message(
        1697044706, MessageType.UNSUPPORTED, f"Unsupported message: {UNSUPPORTED_ERROR}"
    ),
    ("message", "unsupported_with_type"): message(
        1697044706, MessageType.UNSUPPORTED, f"Unsupported message (pool): {UNSUPPORTED_ERROR}"
    ),
    ("message", "reply"): message(
        1697044746, MessageType.TEXT, "replied text", reply_to="wamid.xyzxyz=="
    ),
    ("message", "forwarded"): message(
        1697044815, MessageType.TEXT, "forwarded text", forwarded=True
    ),
    ("message", "forwarded_many_times"): message(
        1697044968, MessageType.TEXT, "text forwarded many times", forwarded=True
    ),
    ("message", "interactive_message_with_err"): message(
        1700505494,
        MessageType.UNSUPPORTED,
        "Unsupported message (interactive): Something went wrong — Unsupported webhook payload",
        external_id="wamid.wegrchytvwcggt=",
        reply_to="wamid.gvwegfretge==",
    ),
    ("message", "referral"): message(1697045000, MessageType.TEXT, "BODY", external_id="wamid.ID"),
    # message_status.json
    ("message_status", "sent"): update(1698266945, DeliveryStatus.SENT),
    ("message_status", "delivered"): update(1698266945, DeliveryStatus.DELIVERED),
    ("message_status", "read"): update(1689380458, DeliveryStatus.READ),
    ("message_status", "played"): update(1689380458, DeliveryStatus.READ),
    ("message_status", "failed"): update(
        1689380458,
        DeliveryStatus.FAILED,
        error_code=130472,
        error_title="User's number is part of an experiment",
    ),
    ("message_status", "with_tracker"): update(1698266945, DeliveryStatus.SENT),
    ("message_status", "group"): update(
        1698266945,
        DeliveryStatus.READ,
        external_id="<WHATSAPP_MESSAGE_ID>",
        recipient="<BUSINESS_PHONE_NUMBER_ID>",  # Meta's documentation left the placeholder
    ),
    # system.json: notices, not messages; nothing in them is answered.
    ("system", "phone_number_change"): WebhookBatch(
        identity_changes=[
            IdentityChange(
                provider=PROVIDER,
                external_id="wamid.xyzxyz==",
                recipient=BUSINESS_NUMBER,
                kind=IdentityChangeKind.NUMBER,
                who=Sender(phone=SENDER),
                new_phone=PhoneNumber.from_provider("972912345678"),
                at=at(1753851315),
            )
        ]
    ),
    ("system", "identity_change"): WebhookBatch(
        identity_changes=[
            IdentityChange(
                provider=PROVIDER,
                external_id="wamid.xyzxyz",
                recipient=BUSINESS_NUMBER,
                kind=IdentityChangeKind.SECURITY_CODE,
                who=Sender(phone=SENDER),
                at=at(1697044706),
            )
        ]
    ),
}


def all_cases() -> list[tuple[str, str]]:
    return [(file, case) for file in FILES for case in load(file)]


def test_the_conformance_files_are_all_there() -> None:
    assert CONFORMANCE.is_dir(), f"{CONFORMANCE} is missing: clone shared/ beside the repository"
    assert sorted(path.stem for path in CONFORMANCE.glob("*.json")) == sorted(FILES)


def test_every_case_has_an_expectation() -> None:
    assert sorted(all_cases()) == sorted(EXPECTED)


@pytest.mark.parametrize(("file", "case"), sorted(EXPECTED), ids=lambda value: str(value))
def test_case_maps_to_exactly_the_expected_events(file: str, case: str) -> None:
    assert parse_webhook(body(file, case)) == EXPECTED[(file, case)]


@pytest.mark.parametrize(("file", "case"), sorted(EXPECTED), ids=lambda value: str(value))
def test_an_impossible_number_is_left_out_and_the_message_kept_under_the_user_id(
    file: str, case: str
) -> None:
    batch = parse_webhook(body(file, case, impossible_sender=True))

    expected = EXPECTED[(file, case)]
    hidden = [
        msgspec.structs.replace(item, sender=msgspec.structs.replace(item.sender, phone=None))
        for item in (*expected.messages, *expected.revisions)
    ]
    assert [*batch.messages, *batch.revisions] == hidden
    assert batch.updates == expected.updates
    # A notice that names the person by their number alone names nobody: ignored, with a reason.
    assert batch.identity_changes == []
    assert len(batch.ignored) == len(expected.identity_changes) + len(expected.ignored)
    for reason in batch.ignored[len(expected.ignored) :]:
        assert "the sender is not a valid phone number" in reason
        assert IMPOSSIBLE_SENDER not in reason  # reasons are logged: no phone numbers
