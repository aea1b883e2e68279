"""Logging in by sending a code from WhatsApp: the challenge a browser starts, the messages that
claim and confirm it, and the rules between them.

A browser asks for a challenge and shows `VERIFY <code>`; whoever sends that text to the
workspace's number claims it; the claimer confirms with YES (or refuses with NO) the question
they are then asked over WhatsApp; the browser, polling with the secret it was given, collects
a session once. The same challenge with `purpose` LINK attaches the sender's WhatsApp to the
account logged in on the browser that asked.

Every transition is computed here from the challenge as read; the repository stores it only if
the stored challenge is still in the state it was read in (compare-and-set), so two messages or
two polls that race cannot both move it.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

import msgspec

from ignacio.domain.auth import CODE_LENGTH, OtpCode
from ignacio.domain.errors import Conflict, InvalidInput, NotFound
from ignacio.domain.users import User

MESSAGE_LOGIN_TTL = timedelta(minutes=10)
VERIFY_WORD = "VERIFY"
# What a recognised code message is stored as: the code is never kept in clear.
HIDDEN_CODE_TEXT = f"{VERIFY_WORD} {'•' * CODE_LENGTH}"
MAX_DEVICE_LENGTH = 120
NO_SUCH_LOGIN = "There is no such login."

# The whole message is the command: the word, then digits (spaces and dashes between them
# forgiven, as in OtpCode), perhaps a full stop. Digits of other scripts are not codes.
_VERIFY = re.compile(r"^\s*verify[\s:#-]*([0-9][0-9 \-]*)[.!]?\s*$", re.IGNORECASE)
_YES = frozenset({"yes", "si", "oui", "ja", "sim", "ok", "okay"})
_NO = frozenset({"no", "non", "nein", "nao", "nee"})


class MessageLoginPurpose(StrEnum):
    LOGIN = "login"  # a browser logs in as whoever sends the code
    LINK = "link"  # a logged-in browser attaches the sender's WhatsApp to its account


class MessageLoginState(StrEnum):
    WAITING = "waiting"  # nobody sent the code yet
    CLAIMED = "claimed"  # a member sent it; their YES is awaited
    CONFIRMED = "confirmed"  # they said YES (a link: it is done)
    REFUSED = "refused"  # they said NO, or the login could not be (a link to another account)
    EXPIRED = "expired"  # never stored: an open challenge past its time reads as this
    USED = "used"  # the browser collected its session


_OPEN = frozenset({MessageLoginState.WAITING, MessageLoginState.CLAIMED})


class Answer(StrEnum):
    """A member's answer to a question asked over WhatsApp."""

    YES = "yes"
    NO = "no"


class CodeMessage(msgspec.Struct, frozen=True):
    """A message that is a `VERIFY <code>` command; `code` None when its digits are not a code
    (it still counts as an attempt, and is still hidden)."""

    code: OtpCode | None


def code_message(text: str) -> CodeMessage | None:
    """The command `text` is, if it is one (`VERIFY 123456`, any case); None for anything else."""
    match = _VERIFY.match(text)
    if match is None:
        return None
    try:
        return CodeMessage(OtpCode.parse(match.group(1)))
    except InvalidInput:
        return CodeMessage(None)


def hidden(text: str) -> str:
    """`text` as it may be kept: a code message's code hidden, anything else as it is."""
    return HIDDEN_CODE_TEXT if code_message(text) is not None else text


def answer_in(text: str) -> Answer | None:
    """YES or NO, if the whole message is one of their words in a language members use (yes,
    sí, oui, ja, sim, ok; no, non, nein, não), in any case, with or without accents and a final
    full stop or exclamation mark; None for anything else."""
    word = _plain(text).rstrip(".!").strip()
    if word in _YES:
        return Answer.YES
    if word in _NO:
        return Answer.NO
    return None


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def wa_me_link(number_e164: str, text: str) -> str:
    """The link that opens WhatsApp on a chat with `number_e164`, `text` typed in."""
    digits = number_e164.removeprefix("+")
    return f"https://wa.me/{digits}?text={text.replace(' ', '%20')}"


def device_name(raw: str | None) -> str | None:
    """A device's name as kept with a challenge: one line, bounded."""
    if raw is None:
        return None
    shown = " ".join("".join(c if c.isprintable() else " " for c in raw).split())
    return shown[:MAX_DEVICE_LENGTH].rstrip() or None


class MessageLogin(msgspec.Struct, frozen=True, kw_only=True):
    """A login (or a link) waiting for a code sent from WhatsApp.

    `code_hash` is the keyed hash of the code while it may still be claimed, None after (so a
    code is unique among its workspace's live ones, and never found twice). `browser_token_hash`
    is the hash of the secret only the browser that asked holds: nothing is handed to anyone
    else. `member_id` is whoever sent the code; `account_id` the account a link is for.
    """

    id: UUID
    workspace_id: UUID
    purpose: MessageLoginPurpose = MessageLoginPurpose.LOGIN
    code_hash: str | None
    browser_token_hash: str
    device: str | None = None
    account_id: UUID | None = None
    member_id: UUID | None = None
    state: MessageLoginState = MessageLoginState.WAITING
    created_at: datetime
    expires_at: datetime
    claimed_at: datetime | None = None
    decided_at: datetime | None = None
    used_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.state is MessageLoginState.EXPIRED:
            raise InvalidInput("Expiry is read from the time, never stored.")
        if (self.purpose is MessageLoginPurpose.LINK) != (self.account_id is not None):
            raise InvalidInput("A link names the account it is for; a login names none.")
        if self.device is not None and len(self.device) > MAX_DEVICE_LENGTH:
            raise InvalidInput(f"A device's name has at most {MAX_DEVICE_LENGTH} characters.")

    @classmethod
    def started(
        cls,
        *,
        id: UUID,
        workspace_id: UUID,
        code_hash: str,
        browser_token_hash: str,
        device: str | None,
        now: datetime,
        account_id: UUID | None = None,
        ttl: timedelta = MESSAGE_LOGIN_TTL,
    ) -> MessageLogin:
        """A challenge a browser asks for now, for `ttl`; a link when it names the account it
        is for."""
        if ttl <= timedelta(0):
            raise InvalidInput("A login by message must live for some time.")
        return cls(
            id=id,
            workspace_id=workspace_id,
            purpose=MessageLoginPurpose.LOGIN if account_id is None else MessageLoginPurpose.LINK,
            code_hash=code_hash,
            browser_token_hash=browser_token_hash,
            device=device_name(device),
            account_id=account_id,
            created_at=now,
            expires_at=now + ttl,
        )

    def state_at(self, now: datetime) -> MessageLoginState:
        """Its state as the browser sees it: an open challenge past its time has expired."""
        if self.state in _OPEN and now >= self.expires_at:
            return MessageLoginState.EXPIRED
        if (
            self.state is MessageLoginState.CONFIRMED
            and self.purpose is MessageLoginPurpose.LOGIN
            and now >= self.expires_at
        ):
            # Confirmed but never collected in time: nothing more will come of it. (A link
            # confirmed is done, and stays so.)
            return MessageLoginState.EXPIRED
        return self.state

    def is_open_claim_of(self, member_id: UUID, now: datetime) -> bool:
        """Whether `member_id` claimed it and their answer is still awaited."""
        return self.member_id == member_id and self.state_at(now) is MessageLoginState.CLAIMED

    def claimed_by(self, member_id: UUID, now: datetime) -> MessageLogin:
        """The member who sent the code claims it; the code is spent."""
        self._expect(MessageLoginState.WAITING, now)
        return msgspec.structs.replace(
            self,
            state=MessageLoginState.CLAIMED,
            member_id=member_id,
            claimed_at=now,
            code_hash=None,
        )

    def linked_by(self, member_id: UUID, now: datetime) -> MessageLogin:
        """A link whose sender is the account itself: done at once, nothing changes hands."""
        if self.purpose is not MessageLoginPurpose.LINK or member_id != self.account_id:
            raise Conflict("Only the account itself is linked at once.")
        self._expect(MessageLoginState.WAITING, now)
        return msgspec.structs.replace(
            self,
            state=MessageLoginState.CONFIRMED,
            member_id=member_id,
            claimed_at=now,
            decided_at=now,
            code_hash=None,
        )

    def confirmed_by(self, member_id: UUID, now: datetime) -> MessageLogin:
        """The claimer's YES."""
        self._expect(MessageLoginState.CLAIMED, now)
        if member_id != self.member_id:
            raise Conflict("Only whoever sent the code may confirm it.")
        return msgspec.structs.replace(self, state=MessageLoginState.CONFIRMED, decided_at=now)

    def refused_by(self, member_id: UUID, now: datetime) -> MessageLogin:
        """The claimer's NO (or a newer claim of theirs, or a link that may not be): from a
        claim of theirs, or straight from waiting when their code is turned down."""
        state = self.state_at(now)
        if state is MessageLoginState.CLAIMED and member_id != self.member_id:
            raise Conflict("Only whoever sent the code may refuse it.")
        if state not in _OPEN:
            raise Conflict(f"This login is {state.value}; it cannot be refused.")
        return msgspec.structs.replace(
            self,
            state=MessageLoginState.REFUSED,
            member_id=member_id,
            claimed_at=self.claimed_at or now,
            decided_at=now,
            code_hash=None,
        )

    def polled(self, browser_token_hash: str, now: datetime) -> MessageLogin:
        """What a poll from the browser holding `browser_token_hash` makes of it: a confirmed
        login is collected (USED; the caller opens the session only if it stores this), anything
        else is unchanged. Another browser learns nothing (NotFound, as for no challenge)."""
        if not hmac.compare_digest(browser_token_hash, self.browser_token_hash):
            raise NotFound(NO_SUCH_LOGIN)
        if (
            self.purpose is MessageLoginPurpose.LOGIN
            and self.state_at(now) is MessageLoginState.CONFIRMED
        ):
            return msgspec.structs.replace(self, state=MessageLoginState.USED, used_at=now)
        return self

    def _expect(self, state: MessageLoginState, now: datetime) -> None:
        current = self.state_at(now)
        if current is not state:
            raise Conflict(f"This login is {current.value}, not {state.value}.")


# What the member is told over WhatsApp. The question names the workspace, the device and the
# action, so that someone tricked into sending a code learns what they would allow.


def login_question(workspace_name: str, device: str | None) -> str:
    on = f" on {device}" if device else " on a device that did not say what it is"
    return (
        f"Log in to {workspace_name}'s Ignacio{on}? Reply YES to confirm, or NO. If you did not "
        "ask for this, ignore this message: someone may be trying to get into your account."
    )


def logged_in_notice(workspace_name: str, device: str | None) -> str:
    on = f" on {device}" if device else ""
    return (
        f"✅ Confirmed: you are logged in to {workspace_name}'s Ignacio{on}. If this was not "
        "you, sign that device out on your Profile page."
    )


REFUSED_NOTICE = (
    "Refused: nobody was logged in. Never send a code someone else gave you: whoever asked for "
    "it would get into your account."
)
SUPERSEDED = "superseded by a newer code"
SEVERAL_WAITING = (
    "Several logins were waiting for your answer, so none was confirmed. Ask for a new code on "
    "the login page."
)
ALREADY_ANSWERED = "That login was already answered."
LINKED_NOTICE = "✅ WhatsApp is linked to your Ignacio account."


def link_question(workspace_name: str, device: str | None, account: str) -> str:
    """Asked before a WhatsApp member joins an account (a link by message): what moves, and to
    whom, so that someone tricked into sending a code sees what they would give away."""
    on = f" on {device}" if device else " on a device that did not say what it is"
    return (
        f"Link this WhatsApp to the account {account} at {workspace_name}'s Ignacio{on}? Your "
        "conversations and files from this WhatsApp will move to that account, and whoever "
        "uses it will read them. Reply YES to link, or NO. If you did not ask for this, reply "
        "NO: someone may be trying to read your messages."
    )


def link_refused_notice(reason: str) -> str:
    return (
        f"This WhatsApp was not linked to the account that asked: {reason}. Log in with this "
        "WhatsApp instead, or ask an admin. If you did not ask for this, someone may be trying "
        "to read your messages: never send a code someone else gave you."
    )


def account_label(account: User) -> str:
    """How an account is named to the person asked to join it: its name, else its number
    masked; never more than they need to recognise their own."""
    if account.name:
        return f'"{account.name}"'
    if account.phone is not None:
        return account.phone.masked()
    return "with no name"


NOT_VALID_NOTICE = (
    "That code is not valid here: it may have expired, been used already, or be for another "
    "organisation's number. Ask for a new code on the login page."
)


def too_many_codes_notice(wait_seconds: int) -> str:
    minutes = max(1, -(-wait_seconds // 60))
    return (
        "You have sent too many codes in a short time. Wait "
        f"{minutes} minute{'s' if minutes != 1 else ''}, then ask for a new code on the login page."
    )
