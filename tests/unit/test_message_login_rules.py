"""The rules of a login by message: the commands a member sends, and the states a challenge goes
through, under random sequences of claims, answers, polls and time."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ignacio.domain import Conflict, NotFound
from ignacio.domain.message_login import (
    MESSAGE_LOGIN_TTL,
    Answer,
    MessageLogin,
    MessageLoginPurpose,
    MessageLoginState,
    answer_in,
    code_message,
    login_question,
    wa_me_link,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ANA, LUIS = uuid4(), uuid4()
RIGHT, WRONG = "browser-right", "browser-wrong"


def started(*, account: UUID | None = None) -> MessageLogin:
    return MessageLogin.started(
        id=uuid4(),
        workspace_id=uuid4(),
        code_hash="code",
        browser_token_hash=RIGHT,
        device="Firefox on Windows",
        now=START,
        account_id=account,
    )


# --- the commands ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["VERIFY 123456", "verify 123456", " Verify: 123 456. ", "VERIFY 123-456", "VERIFY123456"],
)
def test_a_code_message_is_read_as_the_member_types_it(text: str) -> None:
    found = code_message(text)
    assert found is not None
    assert found.code is not None
    assert found.code.digits == "123456"


@pytest.mark.parametrize("text", ["VERIFY 12345", "verify 1234567", "VERIFY 0"])
def test_a_code_message_with_a_wrong_number_of_digits_is_still_one(text: str) -> None:
    assert code_message(text) == code_message("VERIFY 1")
    found = code_message(text)
    assert found is not None
    assert found.code is None


@pytest.mark.parametrize(
    "text",
    ["Please verify my account", "VERIFY", "I got 123456", "verify 123456 thanks", "VERIFY ١٢٣٤٥٦"],
)
def test_anything_else_is_not_a_code_message(text: str) -> None:
    assert code_message(text) is None


@given(st.text(max_size=40))
def test_reading_commands_never_fails(text: str) -> None:
    code_message(text)
    answer_in(text)


@given(
    st.from_regex(r"[0-9]{6}", fullmatch=True), st.sampled_from(["VERIFY ", "verify ", "Verify:"])
)
def test_every_shown_code_is_read_back(digits: str, word: str) -> None:
    found = code_message(word + digits)
    assert found is not None
    assert found.code is not None
    assert found.code.digits == digits


@pytest.mark.parametrize("text", ["YES", "yes", "Sí", "si", "SÍ!", "oui", "Ja", "sim", "OK", "ok."])
def test_yes_in_the_members_languages(text: str) -> None:
    assert answer_in(text) is Answer.YES


@pytest.mark.parametrize("text", ["NO", "no", "non", "Nein", "não", "NAO"])
def test_no_in_the_members_languages(text: str) -> None:
    assert answer_in(text) is Answer.NO


@pytest.mark.parametrize("text", ["yes please log me in", "maybe", "", "sí, claro", "y"])
def test_anything_else_is_no_answer(text: str) -> None:
    assert answer_in(text) is None


def test_the_link_opens_whatsapp_with_the_text_typed_in() -> None:
    assert wa_me_link("+15550100199", "VERIFY 123456") == (
        "https://wa.me/15550100199?text=VERIFY%20123456"
    )


def test_the_question_names_the_workspace_the_device_and_the_action() -> None:
    question = login_question("Clínica Sol", "Firefox on Windows")
    assert question.startswith("Log in to Clínica Sol's Ignacio on Firefox on Windows? Reply YES")
    assert "someone may be trying to get into your account" in question


# --- the states -------------------------------------------------------------------------------


def test_a_login_goes_from_waiting_to_used_through_its_claimers_yes() -> None:
    login = started()
    at = START + timedelta(minutes=1)
    claimed = login.claimed_by(ANA, at)
    assert claimed.state_at(at) is MessageLoginState.CLAIMED
    assert claimed.code_hash is None
    with pytest.raises(Conflict):
        claimed.confirmed_by(LUIS, at)
    confirmed = claimed.confirmed_by(ANA, at)
    with pytest.raises(NotFound):
        confirmed.polled(WRONG, at)
    used = confirmed.polled(RIGHT, at)
    assert used.state is MessageLoginState.USED
    assert used.polled(RIGHT, at) is used


def test_nothing_moves_once_expired() -> None:
    later = START + MESSAGE_LOGIN_TTL
    login = started()
    assert login.state_at(later) is MessageLoginState.EXPIRED
    with pytest.raises(Conflict):
        login.claimed_by(ANA, later)
    confirmed = login.claimed_by(ANA, START).confirmed_by(ANA, START)
    assert confirmed.polled(RIGHT, later) is confirmed
    assert confirmed.state_at(later) is MessageLoginState.EXPIRED


def test_a_link_is_done_at_once_for_the_account_itself_and_only_for_it() -> None:
    link = started(account=ANA)
    assert link.purpose is MessageLoginPurpose.LINK
    with pytest.raises(Conflict):
        link.linked_by(LUIS, START)
    done = link.linked_by(ANA, START)
    assert done.state_at(START + MESSAGE_LOGIN_TTL * 2) is MessageLoginState.CONFIRMED
    assert done.polled(RIGHT, START) is done  # nothing to collect: no session for a link
    refused = link.refused_by(LUIS, START)
    assert refused.state is MessageLoginState.REFUSED
    assert refused.member_id == LUIS


class Login(RuleBasedStateMachine):
    """A challenge in a store that replaces it only from the state it was read in, as the
    repositories do; members and browsers act on what they read, in any order, racing."""

    def __init__(self) -> None:
        super().__init__()
        self.stored = started()
        self.now = START
        self.sessions: list[tuple[UUID | None, str, datetime]] = []
        self.confirmed_by: UUID | None = None
        self.stale = self.stored  # what a slow reader read some time ago

    def _store(self, read: MessageLogin, after: MessageLogin) -> bool:
        if self.stored.state is not read.state:
            return False
        self.stored = after
        return True

    @rule(seconds=st.integers(min_value=0, max_value=400))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule()
    def someone_reads(self) -> None:
        self.stale = self.stored

    @rule(member=st.sampled_from([ANA, LUIS]), fresh=st.booleans())
    def claim(self, member: UUID, fresh: bool) -> None:
        read = self.stored if fresh else self.stale
        with contextlib.suppress(Conflict):
            self._store(read, read.claimed_by(member, self.now))

    @rule(member=st.sampled_from([ANA, LUIS]), fresh=st.booleans(), yes=st.booleans())
    def answer(self, member: UUID, fresh: bool, yes: bool) -> None:
        read = self.stored if fresh else self.stale
        if not read.is_open_claim_of(member, self.now):
            return
        after = read.confirmed_by(member, self.now) if yes else read.refused_by(member, self.now)
        if self._store(read, after) and yes:
            self.confirmed_by = member

    @rule(token=st.sampled_from([RIGHT, WRONG]), fresh=st.booleans())
    def poll(self, token: str, fresh: bool) -> None:
        read = self.stored if fresh else self.stale
        try:
            after = read.polled(token, self.now)
        except NotFound:
            assert token == WRONG
            return
        if after is not read and self._store(read, after):
            self.sessions.append((read.member_id, token, self.now))

    @invariant()
    def a_session_is_given_once_to_the_browser_that_asked_in_time_for_the_confirmer(self) -> None:
        assert len(self.sessions) <= 1
        for member, token, at in self.sessions:
            assert token == RIGHT
            assert at < self.stored.expires_at
            assert member is not None
            assert member == self.confirmed_by == self.stored.member_id
            assert self.stored.state is MessageLoginState.USED

    @precondition(lambda self: self.stored.state is MessageLoginState.USED)
    @invariant()
    def a_used_login_stays_used(self) -> None:
        assert self.stored.polled(RIGHT, self.now).state is MessageLoginState.USED
        assert msgspec.structs.replace(self.stored).state_at(self.now) is MessageLoginState.USED


TestLoginStates = Login.TestCase
TestLoginStates.settings = settings(max_examples=300, stateful_step_count=30, deadline=None)
