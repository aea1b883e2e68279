"""DocumentIndex on the application's database: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Words are found in Python, the same way for passages and for queries: the text is folded
(case, accents, compatibility forms: "Canción" and "cancion" are one word) and split into runs
of letters and digits. A passage is stored with its words joined by spaces (`search_text`),
which is all either database indexes, so both dialects agree on what a word is, and no user text
ever reaches a full-text query language: a query becomes a list of words, bound as parameters
(PostgreSQL: one `plainto_tsquery` per word, joined with `||`; SQLite: quoted words joined by OR).

Ranking is BM25 on both, so that a passage sharing the question's rare words outranks one that
only repeats its common ones ("de", "la", "the"). Ranking every passage that holds a common
word would cost a scan of the member's passages, so on both only passages holding one of the
rarer words are candidates (in a small index, every word is rare enough), and the common words
still add to their scores; when no passage holds a rarer word, the common words select:
- SQLite: FTS5's own `bm25()`, whose word statistics span every member's passages (ranks only;
  never who sees what). See `_search_sqlite`.
- PostgreSQL's ranking functions know nothing of how rare a word is, so one statement samples
  the member's passages, counts the candidates' words and computes BM25 itself. See
  `_postgres_search`.

Every search filters on the workspace and on whose the passages are: the member's, or the
workspace's knowledge base (`owner_id IN (member, workspace)`; a member of several workspaces
finds in each only the files they gave it and that workspace's knowledge). Below, "the member's
passages" are those two collections in the workspace searched, ranked as one. The passages of a
file are replaced in one transaction. Passages reference `user_files`, so deleting a file or a member deletes them too
(on SQLite a trigger takes them out of the FTS5 index as well).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Float,
    Integer,
    Row,
    Text,
    TextClause,
    TextualSelect,
    bindparam,
    delete,
    insert,
    select,
    text,
)
from sqlalchemy import Uuid as UuidType
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.types import TypeEngine

from ignacio.adapters.sql.engine import BEGIN_MODE_OPTION
from ignacio.adapters.sql.queries import is_foreign_key_violation
from ignacio.adapters.sql.tables import document_chunks, user_files
from ignacio.application.ports import IndexedFile
from ignacio.domain import NotFound
from ignacio.domain.knowledge import Passage
from ignacio.domain.search import MAX_QUERY_WORDS, query_words, words

SAMPLE_SIZE = 256
"""How many of the member's passages estimate the frequency of their common words (PostgreSQL),
and how many are ranked when every word of a query is common (both)."""

COMMON_IN_SAMPLE = 8
"""PostgreSQL: a word in this many passages of the sample is common: estimated, not counted."""

RARE_BELOW = 256
RARE_SHARE = 1 / 32
"""SQLite: a word held by fewer passages (of every member's) than RARE_SHARE of them, than
RARE_BELOW, or than its share of CANDIDATE_BUDGET selects the passages ranked; PostgreSQL's
sample applies the same share (8 in 256)."""

CANDIDATE_BUDGET = 4096
"""Words held by fewer passages than this over the query's words squared (1024 for two words,
455 for three, 16 for sixteen) select candidates even if common: the word counts to compute
(candidates times words) stay bounded, and a query of a few moderately common words
("contrato de alquiler" in a library of contracts) is ranked over every passage holding them."""

MAX_CANDIDATES = 4096
"""PostgreSQL: a bound on the passages scored, which the selecting words hardly ever reach."""

COUNTED_PASSAGES = MAX_CANDIDATES
"""PostgreSQL: counting a member's passages stops here (no counted word frequency exceeds it).
Beyond it, the IDF of every rarer word is lowered by the same amount: their order among
themselves stays, and they still outweigh the common words by far."""

_K1 = 1.2
_B = 0.75

# pg_advisory_xact_lock(int, int): the first key says whose lock it is, the second which file.
_LOCK_CLASS = 0x1D0C


class SqlDocumentIndex:
    """The DocumentIndex on the SQLite or PostgreSQL database behind `engine`.

    `index` needs the file's `user_files` row to exist and belong to the file's user (none for
    a knowledge document) and workspace: it raises NotFound otherwise, since passages must never
    be attributed to anyone but the file's owner, nor searchable in any workspace but the file's.
    Text is stored as given, except for NUL characters and unpaired surrogates, which neither
    database can keep.
    """

    retention: timedelta | None = None  # the passages are here, not a copy elsewhere

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    async def index(self, file: IndexedFile) -> None:
        owner_id = _owner(file.workspace_id, file.user_id)
        rows = [
            {
                "owner_id": owner_id,
                "workspace_id": file.workspace_id,
                "file_id": file.file_id,
                "file_name": _storable(file.file_name),
                "ordinal": chunk.ordinal,
                "location": None if chunk.location is None else _storable(chunk.location),
                "text": _storable(chunk.text),
                "search_text": " ".join(words(chunk.text)),
            }
            for chunk in file.chunks
        ]
        missing = "There is no such file."
        try:
            async with self._engine.begin() as connection:
                if self._postgres:
                    # Two indexings of one file at once would each delete what the other had
                    # not yet committed, and leave both versions; on SQLite, BEGIN IMMEDIATE
                    # already serialises writers.
                    lock = text("SELECT pg_advisory_xact_lock(:kind, :file)")
                    await connection.execute(lock, {"kind": _LOCK_CLASS, "file": _key(file)})
                owner = (
                    await connection.execute(
                        select(user_files.c.user_id, user_files.c.workspace_id).where(
                            user_files.c.id == file.file_id
                        )
                    )
                ).one_or_none()
                if owner is None or tuple(owner) != (file.user_id, file.workspace_id):
                    raise NotFound(missing)
                await connection.execute(_delete_chunks(owner_id, file.file_id))
                if rows:
                    await connection.execute(insert(document_chunks), rows)
        except IntegrityError as error:
            # The file was deleted meanwhile.
            if is_foreign_key_violation(error):
                raise NotFound(missing) from error
            raise

    async def remove(self, workspace_id: UUID, user_id: UUID | None, file_id: UUID) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(_delete_chunks(_owner(workspace_id, user_id), file_id))

    async def forget_member(self, user_id: UUID) -> None:
        # Deleting the member's files cascades to their chunks already; this covers an index
        # whose files outlived their rows.
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(document_chunks).where(document_chunks.c.owner_id == user_id)
            )

    async def search(
        self, workspace_id: UUID, user_id: UUID, query: str, limit: int = 5
    ) -> list[Passage]:
        terms = query_words(query)
        if not terms or limit < 1:
            return []
        async with self._engine.connect() as connection:
            if self._postgres:
                rows = await _search_postgres(connection, workspace_id, user_id, terms, limit)
            else:
                # A read: it must not queue behind writers for the write lock.
                await connection.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
                rows = await _search_sqlite(connection, workspace_id, user_id, terms, limit)
            # COMMIT, not the pool's ROLLBACK, ends the read: psycopg forgets its prepared
            # statements on ROLLBACK, and a search prepared once is not planned again.
            await connection.commit()
        return [
            Passage(
                file_id=row.file_id,
                file_name=row.file_name,
                text=row.text,
                score=float(row.score),
                location=row.location,
                knowledge=row.owner_id == workspace_id,
            )
            for row in rows
        ]


def _storable(value: str) -> str:
    cleaned = value.replace("\x00", "")
    if cleaned.isascii():
        return cleaned
    return cleaned.encode("utf-8", "replace").decode("utf-8")


def _owner(workspace_id: UUID, user_id: UUID | None) -> UUID:
    """The collection a file's passages are in: its member's, or its workspace's knowledge."""
    return workspace_id if user_id is None else user_id


def _key(file: IndexedFile) -> int:
    return int.from_bytes(file.file_id.bytes[:4], "big", signed=True)


def _delete_chunks(owner_id: UUID, file_id: UUID) -> Any:
    return delete(document_chunks).where(
        document_chunks.c.owner_id == owner_id, document_chunks.c.file_id == file_id
    )


_PASSAGE_COLUMNS: dict[str, TypeEngine[Any]] = {
    "owner_id": UuidType(),
    "file_id": UuidType(),
    "file_name": Text(),
    "location": Text(),
    "text": Text(),
    "score": Float(),
}

_SQLITE_RANKED = (
    # CROSS JOIN keeps the full-text match as the outer loop: looking each of the member's
    # passages up in the index one by one would be far slower.
    " FROM document_chunks_fts CROSS JOIN document_chunks AS c"
    " ON c.id = document_chunks_fts.rowid"
    " WHERE document_chunks_fts MATCH :match"
    " AND c.owner_id IN (:user_id, :workspace_id) AND c.workspace_id = :workspace_id"
)

_SQLITE_SEARCH = (
    text(
        "SELECT c.owner_id, c.file_id, c.file_name, c.location, c.text,"
        " -bm25(document_chunks_fts) AS score"
        f"{_SQLITE_RANKED}"
        " ORDER BY bm25(document_chunks_fts), c.id"
        " LIMIT :limit"
    )
    .bindparams(bindparam("user_id", type_=UuidType()), bindparam("workspace_id", type_=UuidType()))
    .columns(**_PASSAGE_COLUMNS)
)

_SQLITE_SEARCH_FIRST = (
    text(
        "SELECT owner_id, file_id, file_name, location, text, score FROM ("  # noqa: S608
        " SELECT c.id, c.owner_id, c.file_id, c.file_name, c.location, c.text,"
        f" -bm25(document_chunks_fts) AS score{_SQLITE_RANKED}"
        " LIMIT :candidates"
        ") ORDER BY score DESC, id LIMIT :limit"
    )
    .bindparams(bindparam("user_id", type_=UuidType()), bindparam("workspace_id", type_=UuidType()))
    .columns(**_PASSAGE_COLUMNS)
)

_SQLITE_COUNTS = (
    "WITH cap AS ("
    " SELECT max(:floor, :word_budget, (SELECT count(*) FROM document_chunks) / :share)"
    " AS passages"
    ") SELECT (SELECT passages FROM cap)"
)


async def _search_sqlite(
    connection: AsyncConnection,
    workspace_id: UUID,
    user_id: UUID,
    terms: Sequence[str],
    limit: int,
) -> Sequence[Row[Any]]:
    """bm25() over the passages holding the rarer words, common ones counted in their scores.

    A word is common in RARE_SHARE of the passages (of every member) or more, and in at least
    RARE_BELOW and its share of CANDIDATE_BUDGET. Passages holding a rarer word are ranked by `(rarer) AND (every word)`: the
    second operand lets bm25() count the common words too (the rarer then count twice, which
    only widens the lead they have anyway). When no passage of the member's holds a rarer word
    (they may be rare because only other members have them), or every word is common, the
    first SAMPLE_SIZE of the member's passages holding any word are ranked instead, as on
    PostgreSQL: ranking every passage that holds "de" would cost a scan.
    """
    # Each word quoted: inside quotes, FTS5 reads no operators, columns, prefixes or NEAR.
    phrases = ['"' + term.replace('"', '""') + '"' for term in terms]
    counting: dict[str, Any] = {f"m{i}": phrase for i, phrase in enumerate(phrases)}
    counting |= {"floor": RARE_BELOW, "share": round(1 / RARE_SHARE)}
    counting |= {"word_budget": CANDIDATE_BUDGET // len(terms) ** 2}
    common_from, *counts = (await connection.execute(_sqlite_counts(len(terms)), counting)).one()
    present = [(phrase, count) for phrase, count in zip(phrases, counts, strict=True) if count]
    rare = [phrase for phrase, count in present if count < common_from]
    every = " OR ".join(phrase for phrase, _ in present)
    parameters: dict[str, Any] = {"user_id": user_id, "workspace_id": workspace_id}
    parameters["limit"] = limit
    if not present:
        return []
    if len(rare) == len(present):
        return (await connection.execute(_SQLITE_SEARCH, parameters | {"match": every})).all()
    if rare:
        pruned = parameters | {"match": f"({' OR '.join(rare)}) AND ({every})"}
        rows = (await connection.execute(_SQLITE_SEARCH, pruned)).all()
        if rows:
            return rows
    first = parameters | {"match": every, "candidates": SAMPLE_SIZE}
    return (await connection.execute(_SQLITE_SEARCH_FIRST, first)).all()


@lru_cache(maxsize=MAX_QUERY_WORDS + 1)
def _sqlite_counts(terms: int) -> TextClause:
    """How many passages a word is common from, then how many (of every member's) hold each
    word, counted up to that."""
    counts = "".join(
        ", (SELECT count(*) FROM (SELECT 1 FROM document_chunks_fts"  # noqa: S608 - names only
        f" WHERE document_chunks_fts MATCH :m{i} LIMIT (SELECT passages FROM cap)))"
        for i in range(terms)
    )
    return text(_SQLITE_COUNTS + counts)


async def _search_postgres(
    connection: AsyncConnection,
    workspace_id: UUID,
    user_id: UUID,
    terms: Sequence[str],
    limit: int,
) -> Sequence[Row[Any]]:
    parameters: dict[str, Any] = {f"t{i}": term for i, term in enumerate(terms)}
    parameters |= {"user_id": user_id, "workspace_id": workspace_id}
    parameters |= {"limit": limit, "sample": SAMPLE_SIZE}
    parameters |= {"common": COMMON_IN_SAMPLE, "candidates": MAX_CANDIDATES}
    parameters |= {"counted": COUNTED_PASSAGES, "k1": _K1, "b": _B}
    parameters |= {"word_budget": CANDIDATE_BUDGET // len(terms) ** 2}
    result = await connection.execute(_postgres_search(len(terms)), parameters)
    return result.all()


@lru_cache(maxsize=MAX_QUERY_WORDS + 1)
def _postgres_search(terms: int) -> TextualSelect:
    """The search as one statement, for a query of `terms` words (bound as :t0, :t1...).

    1. `asked`: each word's tsquery, made once (q0, q1...).
    2. `sample`, `seen`: the member's first SAMPLE_SIZE passages, and how many hold each word.
    3. `member`, `plan`: the member's passage count (the sample's, when it is all of them; at
       most COUNTED_PASSAGES), and which words select candidates: every word for a member
       smaller than the sample; otherwise those in fewer than COMMON_IN_SAMPLE sampled
       passages, and those estimated in fewer than CANDIDATE_BUDGET / words².
    4. `selected`, `candidates`: the passages holding a selecting word, through the GIN index;
       if there are none (every word is common, or the rarer ones are in no passage), the
       sampled passages holding any word. Each comes with the count of every word in it
       (`ts_rank_cd` with unit weights counts occurrences).
    5. `weights`: each word's IDF. A selecting word's document frequency is counted among the
       candidates (all its passages are there), another's estimated from the sample.
    6. `scored`: over the words, IDF times saturated, length-normalised frequency (BM25).
    Only the passages returned are joined back for their text.
    """
    numbered = range(terms)
    queries = ", ".join(f"plainto_tsquery('simple', :t{i}) AS q{i}" for i in numbered)
    in_sample = "".join(
        f", count(*) FILTER (WHERE search_vector @@ q{i}) AS s{i}" for i in numbered
    )
    selects = [
        f"(sampled < :sample OR s{i} < :common OR s{i} * passages <= :word_budget * sampled)"
        for i in numbered
    ]
    rare = " || ".join(f"CASE WHEN {selects[i]} THEN q{i} ELSE ''::tsquery END" for i in numbered)
    any_word = " || ".join(f"q{i}" for i in numbered)
    selecting = "".join(f", {selects[i]} AS x{i}" for i in numbered)
    # `@@` first: a lookup, much cheaper than ts_rank_cd for the words a passage does not hold.
    counts = "".join(
        f", CASE WHEN search_vector @@ q{i}"
        f" THEN ts_rank_cd('{{1,1,1,1}}', search_vector, q{i}) ELSE 0 END AS f{i}"
        for i in numbered
    )
    found = ", ".join(f"count(*) FILTER (WHERE f{i} > 0) AS d{i}" for i in numbered)
    frequencies = "".join(
        f", CASE WHEN x{i} THEN d{i} ELSE passages * s{i}::float8 / sampled END AS n{i}"
        for i in numbered
    )
    weights = "".join(f", ln(1 + (passages - n{i} + 0.5) / (n{i} + 0.5)) AS w{i}" for i in numbered)
    score = " + ".join(f"w{i} * f{i} / (f{i} + norm)" for i in numbered)
    # Put together from column and parameter names only (S608): every value is bound.
    return (
        text(
            f"WITH asked AS MATERIALIZED (SELECT {queries}"  # noqa: S608
            "), sample AS MATERIALIZED ("
            " SELECT id, search_vector FROM document_chunks"
            " WHERE owner_id IN (:user_id, :workspace_id) AND workspace_id = :workspace_id"
            " LIMIT :sample"
            "), seen AS MATERIALIZED ("
            " SELECT * FROM asked CROSS JOIN LATERAL ("
            " SELECT count(*) AS sampled,"
            f" coalesce(avg(length(search_vector)), 1)::float8 AS average{in_sample}"
            " FROM sample"
            " ) AS counted"
            "), member AS MATERIALIZED ("
            " SELECT seen.*,"
            " CASE WHEN sampled < :sample THEN sampled"
            " ELSE (SELECT count(*) FROM ("
            " SELECT FROM document_chunks"
            " WHERE owner_id IN (:user_id, :workspace_id) AND workspace_id = :workspace_id"
            " LIMIT :counted) AS all_of_them)"
            " END AS passages"
            " FROM seen"
            "), plan AS MATERIALIZED ("
            f" SELECT member.*, {rare} AS rare, {any_word} AS any_word{selecting}"
            " FROM member"
            "), selected AS MATERIALIZED ("
            f" SELECT id, length(search_vector) AS words{counts}"
            " FROM document_chunks CROSS JOIN asked"
            " WHERE owner_id IN (:user_id, :workspace_id) AND workspace_id = :workspace_id"
            " AND search_vector @@ (SELECT nullif(rare, ''::tsquery) FROM plan)"
            " LIMIT :candidates"
            "), candidates AS MATERIALIZED ("
            " SELECT * FROM selected"
            " UNION ALL"
            f" SELECT id, length(search_vector) AS words{counts}"
            " FROM sample CROSS JOIN asked"
            " WHERE NOT EXISTS (SELECT FROM selected)"
            " AND search_vector @@ (SELECT any_word FROM plan)"
            "), weights AS MATERIALIZED ("
            f" SELECT average{weights}"
            f" FROM (SELECT passages, average{frequencies}"
            f" FROM plan CROSS JOIN (SELECT {found} FROM candidates) AS found"
            " ) AS frequency"
            "), scored AS ("
            f" SELECT id, {score} AS score"
            " FROM ("
            " SELECT candidates.*, weights.*,"
            " :k1 * (1 - :b + :b * words / average) AS norm"
            " FROM candidates CROSS JOIN weights"
            " ) AS measured"
            " ORDER BY score DESC, id"
            " LIMIT :limit"
            ")"
            " SELECT c.owner_id, c.file_id, c.file_name, c.location, c.text, scored.score"
            " FROM scored JOIN document_chunks AS c ON c.id = scored.id"
            " ORDER BY scored.score DESC, scored.id"
        )
        .bindparams(
            bindparam("user_id", type_=UuidType()),
            bindparam("workspace_id", type_=UuidType()),
            bindparam("limit", type_=Integer()),
            bindparam("candidates", type_=Integer()),
            bindparam("sample", type_=Integer()),
            bindparam("common", type_=Integer()),
            bindparam("counted", type_=Integer()),
            bindparam("word_budget", type_=Integer()),
            bindparam("k1", type_=Float()),
            bindparam("b", type_=Float()),
        )
        .columns(**_PASSAGE_COLUMNS)
    )
