"""Members and files change through their own methods: what an edit changes, and what it keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ignacio.domain import InvalidInput, User
from ignacio.domain.knowledge import Extraction, ExtractionStatus, SyncStatus, UserFile
from ignacio.domain.phone import PhoneNumber

START = datetime(2026, 12, 1, tzinfo=UTC)
LATER = START + timedelta(hours=1)


def member(**fields: object) -> User:
    fields.setdefault("phone", PhoneNumber.parse("+34612345678"))
    return User(
        id=uuid4(),
        created_at=START,
        updated_at=START,
        **fields,  # type: ignore[arg-type]
    )


def test_an_edit_that_changes_nothing_returns_the_same_user() -> None:
    user = member(name="Ana", is_admin=True)
    assert user.changed(LATER, name="Ana", is_admin=True, is_active=True) == (user, {})
    assert user.changed(LATER) == (user, {})


def test_an_edit_reports_what_it_changed_and_checks_the_name() -> None:
    user = member(name="Ana")
    edited, changes = user.changed(LATER, name="  Ana María ", is_admin=True)
    assert changes == {"name": "Ana María", "is_admin": True}
    assert (edited.name, edited.is_admin, edited.updated_at) == ("Ana María", True, LATER)
    with pytest.raises(InvalidInput):
        user.changed(LATER, name="   ")


@given(st.booleans(), st.booleans(), st.booleans(), st.booleans())
def test_an_admin_loses_rights_only_when_demoted_or_deactivated(
    admin: bool, active: bool, to_admin: bool, to_active: bool
) -> None:
    user = member(is_admin=admin, is_active=active)
    edited, changes = user.changed(LATER, is_admin=to_admin, is_active=to_active)
    assert user.loses_admin_by(changes) == (
        admin and active and not (edited.is_admin and edited.is_active)
    )


def test_whatsapp_fills_a_missing_name_but_never_overwrites_a_chosen_one() -> None:
    unnamed = member()
    seen = unnamed.seen_on_whatsapp("Ana", None, LATER)
    assert (seen.name, seen.updated_at) == ("Ana", LATER)
    named = member(name="Ana María")
    assert named.seen_on_whatsapp("Ana", named.phone, LATER) is named
    assert named.seen_on_whatsapp("Ana", None, LATER).name == "Ana María"


def test_whatsapp_gives_a_member_with_no_number_the_one_it_vouches_for_never_another() -> None:
    number, other = PhoneNumber.parse("+34612345678"), PhoneNumber.parse("+34699111222")
    hidden = member(phone=None)
    shown = hidden.seen_on_whatsapp(None, number, LATER)
    assert (shown.phone, shown.updated_at) == (number, LATER)
    assert shown.seen_on_whatsapp(None, other, LATER) is shown
    assert shown.seen_on_whatsapp(None, None, LATER) is shown
    assert shown.with_phone(other, LATER).phone == other
    assert shown.with_phone(number, LATER) is shown


def a_file(**fields: object) -> UserFile:
    return UserFile(
        id=uuid4(),
        workspace_id=uuid4(),
        user_id=uuid4(),
        file_name="notes.txt",
        file_path="users/x/files/y/notes.txt",
        file_type="text/plain",
        file_size=10,
        created_at=START,
        **fields,  # type: ignore[arg-type]
    )


def test_a_sync_that_fails_counts_the_attempt_and_keeps_a_short_reason() -> None:
    file = a_file().sync_retried("timeout " * 200)
    assert (file.sync_status, file.sync_attempts) == (SyncStatus.PENDING, 1)
    assert file.sync_error is not None and len(file.sync_error) == 500
    failed = file.sync_failed("gone")
    assert (failed.sync_status, failed.sync_attempts, failed.sync_error) == (
        SyncStatus.FAILED,
        2,
        "gone",
    )
    assert file.sync_failed("missing", attempted=False).sync_attempts == 1


def test_a_synced_file_forgets_earlier_failures_and_says_where_its_copy_is() -> None:
    failing = a_file().sync_retried("timeout")
    synced = failing.synced(
        Extraction(status=ExtractionStatus.EXTRACTED),
        LATER,
        remote_file_id="file-abc",
        remote_store_id="vs_abc",
        remote_uploaded_at=LATER,
    )
    assert msgspec.structs.asdict(synced) == msgspec.structs.asdict(failing) | {
        "extraction_status": ExtractionStatus.EXTRACTED,
        "remote_file_id": "file-abc",
        "remote_store_id": "vs_abc",
        "remote_uploaded_at": LATER,
        "sync_status": SyncStatus.SYNCED,
        "sync_attempts": 0,
        "sync_error": None,
        "synced_at": LATER,
    }
    assert synced.expired().sync_status is SyncStatus.EXPIRED
