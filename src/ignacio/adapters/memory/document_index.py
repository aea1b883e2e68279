"""The DocumentIndex in memory: BM25 over a member's own passages and their workspace's knowledge
base, in one workspace, for tests and the memory set.

Words are found as the SQL index finds them (`ignacio.domain.search`), so the two agree on what
matches.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta
from typing import NamedTuple
from uuid import UUID

from ignacio.application.ports import IndexedFile
from ignacio.domain.knowledge import Chunk, Passage
from ignacio.domain.search import query_words, words

_K1 = 1.2
_B = 0.75


class _Entry(NamedTuple):
    workspace_id: UUID
    file_id: UUID
    file_name: str
    chunk: Chunk
    counts: Counter[str]
    length: int
    knowledge: bool


class InMemoryDocumentIndex:
    """`files[owner]` holds the ids of the files indexed in each collection, for tests to
    inspect: a member's by their id, a workspace's knowledge base by the workspace's."""

    retention: timedelta | None = None

    def __init__(self) -> None:
        self._entries: dict[UUID, dict[UUID, list[_Entry]]] = {}

    @property
    def files(self) -> dict[UUID, list[UUID]]:
        return {user: list(by_file) for user, by_file in self._entries.items() if by_file}

    async def index(self, file: IndexedFile) -> None:
        entries = []
        for chunk in file.chunks:
            found = words(chunk.text)
            entries.append(
                _Entry(
                    file.workspace_id,
                    file.file_id,
                    file.file_name,
                    chunk,
                    Counter(found),
                    len(found),
                    file.user_id is None,
                )
            )
        by_file = self._entries.setdefault(_owner(file.workspace_id, file.user_id), {})
        by_file.pop(file.file_id, None)
        by_file[file.file_id] = entries

    async def remove(self, workspace_id: UUID, user_id: UUID | None, file_id: UUID) -> None:
        self._entries.get(_owner(workspace_id, user_id), {}).pop(file_id, None)

    async def forget_member(self, user_id: UUID) -> None:
        self._entries.pop(user_id, None)

    async def search(
        self, workspace_id: UUID, user_id: UUID, query: str, limit: int = 5
    ) -> list[Passage]:
        terms = query_words(query)
        # Ranked among the member's passages and the knowledge base's in this workspace only, as
        # if no other existed.
        entries = [
            entry
            for owner in (user_id, workspace_id)
            for file in self._entries.get(owner, {}).values()
            for entry in file
            if entry.workspace_id == workspace_id
        ]
        if not terms or not entries or limit < 1:
            return []
        average = sum(entry.length for entry in entries) / len(entries) or 1.0
        weights = {}
        for term in terms:
            holding = sum(1 for entry in entries if term in entry.counts)
            if holding:
                weights[term] = math.log(1 + (len(entries) - holding + 0.5) / (holding + 0.5))
        scored: list[tuple[float, int, _Entry]] = []
        for position, entry in enumerate(entries):
            norm = _K1 * (1 - _B + _B * entry.length / average)
            score = sum(
                weight * entry.counts[term] / (entry.counts[term] + norm)
                for term, weight in weights.items()
                if term in entry.counts
            )
            if score > 0:
                scored.append((score, position, entry))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [
            Passage(
                file_id=entry.file_id,
                file_name=entry.file_name,
                text=entry.chunk.text,
                score=score,
                location=entry.chunk.location,
                knowledge=entry.knowledge,
            )
            for score, _, entry in scored[:limit]
        ]


def _owner(workspace_id: UUID, user_id: UUID | None) -> UUID:
    return workspace_id if user_id is None else user_id
