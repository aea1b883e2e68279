"""IdentityRepository in memory: one identity per key, gone with its member."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import msgspec

from ignacio.adapters.memory.store import InMemoryStore
from ignacio.domain import Conflict, NotFound, Provider, WhatsAppIdentity

_TAKEN = "This WhatsApp user id is already someone's."


def _key(identity: WhatsAppIdentity) -> tuple[Provider, str | None, str]:
    return identity.provider, identity.account, identity.provider_user_id


class InMemoryIdentityRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def add(self, identity: WhatsAppIdentity) -> None:
        if identity.id in self._store.identities:
            raise Conflict("An identity with this id already exists.")
        if identity.user_id not in self._store.users:
            raise NotFound("There is no such user.")
        self._ensure_key_is_free(identity)
        self._store.identities[identity.id] = identity

    async def update(self, identity: WhatsAppIdentity) -> None:
        stored = self._store.identities.get(identity.id)
        if stored is None:
            raise NotFound("There is no such identity.")
        # As the SQL update: it stays with its person (only a merge moves it).
        identity = msgspec.structs.replace(identity, user_id=stored.user_id)
        self._ensure_key_is_free(identity)
        self._store.identities[identity.id] = identity

    async def find(
        self, provider: Provider, account: str | None, provider_user_id: str
    ) -> WhatsAppIdentity | None:
        wanted = (provider, account, provider_user_id)
        return next((i for i in self._store.identities.values() if _key(i) == wanted), None)

    async def with_parent(self, provider: Provider, parent_user_id: str) -> WhatsAppIdentity | None:
        found = [
            i
            for i in self._store.identities.values()
            if i.provider is provider and i.parent_user_id == parent_user_id
        ]
        return max(found, key=lambda i: (i.created_at, i.id), default=None)

    async def of_users(self, user_ids: Iterable[UUID]) -> dict[UUID, list[WhatsAppIdentity]]:
        wanted = set(user_ids)
        found: dict[UUID, list[WhatsAppIdentity]] = {}
        ordered = sorted(self._store.identities.values(), key=lambda i: (i.created_at, i.id))
        for identity in ordered:
            if identity.user_id in wanted:
                found.setdefault(identity.user_id, []).append(identity)
        return found

    def _ensure_key_is_free(self, identity: WhatsAppIdentity) -> None:
        for other in self._store.identities.values():
            if _key(other) == _key(identity) and other.id != identity.id:
                raise Conflict(_TAKEN)
