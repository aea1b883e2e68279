"""Files to index in tests: a member's, whose owner is known to be there."""

from __future__ import annotations

from uuid import UUID

from ignacio.application.ports import IndexedFile


class MemberFile(IndexedFile, frozen=True, kw_only=True):
    """An IndexedFile of a member's (never the knowledge base's): `user_id` is set, so a test
    searches as its owner without checking for None every time."""

    user_id: UUID
