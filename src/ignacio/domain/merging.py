"""When two members are one person, and what the one left looks like.

A person can become two members when the provider names them two ways before it names them
both at once: a delivery with only their phone number (Twilio without `ExternalUserId`, or Meta
before it sent ids) makes one member, a delivery with only their business-scoped id (a username
hides the number) makes another. Or someone with a web account (logged in by a code sent to
their number) writes on WhatsApp under a username, and their messages make a member of their
own. Each case has one way back to one member:

- **Halves** (`halves_of_one_person`): a delivery names an id that is one member's and a number
  that is another's, and neither half contradicts the other: the id's member has no number,
  and the number's member has no id under that provider account. The provider has just
  vouched that this id writes from this number, and nothing either member holds says they are
  two people: they are joined, at once. Anything else (the number's member has *another* id
  under the account, or the id's member another number) is a number that changed hands or a
  person with two phones: nothing is joined, and the clash is audited for an admin.
- **A link** (`link_refusal`): the person logged in on the web sends, from WhatsApp, the code
  their browser shows, and confirms over WhatsApp; their WhatsApp member joins their account.
  A person tricked into sending someone else's code would hand their WhatsApp history to a
  stranger's account, so the question names the account and what moves, and a link that would
  hand over more than a member's own conversations is refused (see `link_refusal`).

The member who stays (`survivor_of` for halves: the older, whose id other records and people
already know; the account for a link) keeps its id; the other's conversations, messages, files,
identities, sessions and roles move to it, and it is removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import msgspec

from ignacio.domain.identity import WhatsAppIdentity
from ignacio.domain.providers import Provider
from ignacio.domain.users import User
from ignacio.domain.workspaces import WorkspaceRole

_RANK = {WorkspaceRole.MEMBER: 0, WorkspaceRole.AGENT: 1, WorkspaceRole.ADMIN: 2}

# Why a link is refused (kept in the audit entry).
LINK_TEAM = "the WhatsApp belongs to a member of a team or an admin"
LINK_OTHER_NUMBER = "the account has another WhatsApp number"
LINK_OTHER_ID = "the account has another WhatsApp under this number's account"
LINK_INACTIVE = "one of the two is deactivated"


def halves_of_one_person(
    owner: User,
    holder: User,
    holder_identities: Iterable[WhatsAppIdentity],
    provider: Provider,
    account: str | None,
) -> bool:
    """Whether `owner` (whose id a delivery names) and `holder` (whose number it names) are two
    halves of one person, to be joined: see the module's doc."""
    if owner.id == holder.id or owner.phone is not None:
        return False
    return not any(
        identity.provider is provider and identity.account in (account, None)
        for identity in holder_identities
    )


def survivor_of(one: User, other: User) -> tuple[User, User]:
    """(the member who stays, the one who joins it) for two halves: the older stays."""
    if (other.created_at, other.id.bytes) < (one.created_at, one.id.bytes):
        return other, one
    return one, other


def link_refusal(
    account: User,
    sender: User,
    account_identities: Sequence[WhatsAppIdentity],
    sender_identities: Sequence[WhatsAppIdentity],
    sender_roles: Iterable[WorkspaceRole],
) -> str | None:
    """Why the WhatsApp member `sender` may not join `account` (a link by message), or None.

    - A team member's or an admin's WhatsApp never joins another account: a tricked admin would
      hand their roles to whoever holds the browser.
    - Two numbers, or two ids under one provider account, would make one account two phones:
      that is two people, or a person who should log in with the other one.
    - A deactivated member or account stays as an admin left it.
    """
    if not (account.is_active and sender.is_active):
        return LINK_INACTIVE
    if sender.is_admin or any(role is not WorkspaceRole.MEMBER for role in sender_roles):
        return LINK_TEAM
    if account.phone is not None and sender.phone is not None and account.phone != sender.phone:
        return LINK_OTHER_NUMBER
    theirs = {(i.provider, i.account) for i in sender_identities}
    if any((i.provider, i.account) in theirs for i in account_identities):
        return LINK_OTHER_ID
    return None


def joined(survivor: User, absorbed: User, at: datetime) -> User:
    """`survivor` after `absorbed` joins it: what it lacks (a name, a number) taken from the
    other; an admin if either was (one person's rights); active only if both were (a
    deactivation is an admin's decision about the person, not about one of their halves)."""
    changes: dict[str, object] = {}
    if survivor.name is None and absorbed.name is not None:
        changes["name"] = absorbed.name
    if survivor.phone is None and absorbed.phone is not None:
        changes["phone"] = absorbed.phone
    if absorbed.is_admin and not survivor.is_admin:
        changes["is_admin"] = True
    if not absorbed.is_active and survivor.is_active:
        changes["is_active"] = False
    if not changes:
        return survivor
    return msgspec.structs.replace(survivor, **changes, updated_at=at)


def higher_role(one: WorkspaceRole, other: WorkspaceRole) -> WorkspaceRole:
    """The role a person keeps in a workspace where both their halves had one."""
    return one if _RANK[one] >= _RANK[other] else other
