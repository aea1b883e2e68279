"""Finding the member behind a WhatsApp sender, and keeping what a delivery says about them.

A delivery names its sender by a phone number, a provider user id (Meta's BSUID, scoped to an
account), or both (see `ignacio.domain.identity`). The rules, shared by every use case that
meets a sender:

- The id finds its identity's member (the *owner*); an id kept before accounts were recorded
  is claimed by the account the delivery names; failing both, Meta's parent id finds the
  member another portfolio's id belongs to.
- The number finds the member who has it (the *holder*).
- Both found, and different members: when they are two halves of one person (the id's member
  has no number, the number's no id under this account: `ignacio.domain.merging`), the
  caller joins them (`ignacio.application.merging`). Otherwise the id wins (it is the
  provider's key for this person under this account, the number only an attribute) and
  nothing is joined: a number that changed hands, or a person with two phones, is for an admin
  to judge. The clash is audited (`user.whatsapp_identity_conflict`), once a day at most per
  sender.
- Linking: a member found by number gains the id; a member found by id gains the number if
  they had none; if they had another one, the provider has just vouched that this id writes
  from the new number, so they take it (audited as a change of number) unless someone else
  has it (the clash above).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import msgspec

from ignacio.application.auditing import Auditor
from ignacio.application.ports import IdGenerator, UnitOfWork
from ignacio.domain import Provider, Sender, User, WhatsAppIdentity
from ignacio.domain.identity import newest

# Standard logging: the core takes no logging framework; the entrypoint renders these with structlog.
log = logging.getLogger(__name__)


class Found(msgspec.Struct, frozen=True, kw_only=True):
    """What a sender's id and number found: `identity` (exactly theirs, or one kept without an
    account), its `owner`, the `holder` of the number, and `relative`, a member found through
    the parent id only."""

    identity: WhatsAppIdentity | None = None
    owner: User | None = None
    holder: User | None = None
    relative: User | None = None

    @property
    def member(self) -> User | None:
        """Who the sender is: the id's member first (see the module's doc), else the number's,
        else the parent id's."""
        return self.owner or self.holder or self.relative

    @property
    def clash(self) -> bool:
        """The id is one member's and the number another's."""
        return (
            self.owner is not None and self.holder is not None and self.owner.id != self.holder.id
        )


async def find_sender(uow: UnitOfWork, provider: Provider, sender: Sender) -> Found:
    """The members the sender's id and number name (reads only)."""
    identity: WhatsAppIdentity | None = None
    owner: User | None = None
    if sender.user_id is not None:
        identity = await uow.identities.find(provider, sender.account, sender.user_id.value)
        if identity is None and sender.account is not None:
            identity = await uow.identities.find(provider, None, sender.user_id.value)
        if identity is not None:
            owner = await uow.users.get(identity.user_id)
    holder: User | None = None
    if sender.phone is not None:
        holder = (
            owner
            if owner is not None and owner.phone == sender.phone
            else await uow.users.get_by_phone(sender.phone)
        )
    relative: User | None = None
    if owner is None and holder is None and sender.parent_user_id is not None:
        related = await uow.identities.with_parent(provider, sender.parent_user_id.value)
        if related is not None:
            relative = await uow.users.get(related.user_id)
    return Found(identity=identity, owner=owner, holder=holder, relative=relative)


async def keep_sender(
    uow: UnitOfWork,
    ids: IdGenerator,
    auditor: Auditor,
    provider: Provider,
    sender: Sender,
    found: Found,
    member: User,
    at: datetime,
    *,
    profile_name: str | None = None,
) -> User:
    """`member` (the sender, found or just added) after what this delivery says: their id
    kept or refreshed, their number linked (see the module's doc), an empty name filled with
    their profile name. Returns the member as stored."""
    if sender.user_id is not None:
        if found.identity is not None and found.identity.user_id == member.id:
            seen = found.identity.seen(sender, at)
            if seen is not found.identity:
                await uow.identities.update(seen)
        elif found.identity is None:
            await uow.identities.add(
                WhatsAppIdentity.of(
                    id=ids.new_id(), user_id=member.id, provider=provider, sender=sender, at=at
                )
            )
    phone = sender.phone if not found.clash else None
    after = member.seen_on_whatsapp(profile_name, phone, at)
    if phone is not None and after.phone != phone:
        # The provider vouches that this id now writes from another number, which nobody here
        # has (else it would be a clash): theirs now.
        after = after.with_phone(phone, at)
        await auditor.record(
            uow,
            None,
            "user.whatsapp_number_changed",
            "user",
            member.id,
            by="delivery",
            previous=_masked(member),
            to=phone.masked(),
        )
    if after is not member:
        await uow.users.update(after)
    return after


def _masked(user: User) -> str | None:
    return user.phone.masked() if user.phone is not None else None


async def shown_identities(uow: UnitOfWork, users: Iterable[User]) -> dict[UUID, WhatsAppIdentity]:
    """For listing people: each member's newest identity (its username, or its masked id for a
    member with no number and no name), by member; members with none left out."""
    found = await uow.identities.of_users(user.id for user in users)
    return {
        user_id: shown for user_id, mine in found.items() if (shown := newest(mine)) is not None
    }
