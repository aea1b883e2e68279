"""How fast does SqlDocumentIndex search one member's 10,000 passages, and how fast does it index?

Seeds one member with `--chunks` passages (files of `--per-file`) and `--others` members with
`--other-chunks` each, all through `SqlDocumentIndex.index`, on a fresh PostgreSQL database (made
on the server named by IGNACIO_BENCH_POSTGRES_URL, default the local `test` one, and dropped
afterwards) and on a temporary SQLite file. The text is generated with a fixed seed from a
Zipf-distributed vocabulary: Spanish and English function words first, then made-up words, so
that a few words are in almost every passage and most are rare, as in real documents. Then
`--queries` varied questions run one after another through `search`, after a warm-up, `--rounds`
times over. The table gives p50/p99 per kind of question and overall, of every measurement and
of each query's best round (what the query costs when no other process on the machine gets in
the way), beside a `SELECT 1` through the same engine measured in turn with the searches.
Numbers only, no pass/fail.

With `--knowledge-chunks`, the workspace's knowledge base holds that many passages too, which
every search of the member ranks with their own (the questions are still about the member's).

    .venv/bin/python bench/search_latency.py [--chunks 10000] [--queries 500] [--only postgres]
        [--knowledge-chunks 0]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from ignacio.adapters.sql import (
    DEFAULT_SCHEMA,
    SqlDocumentIndex,
    create_engine,
    normalise_url,
    search_path_option,
    upgrade_database,
)
from ignacio.adapters.sql.engine import BEGIN_MODE_OPTION
from ignacio.adapters.sql.tables import user_files, users, workspaces
from ignacio.application.ports import IndexedFile
from ignacio.domain.knowledge import Chunk

# Ignacio's tables are in their own schema; raw connections find them through this.
IGNACIO_SCHEMA = search_path_option(DEFAULT_SCHEMA)

SERVER_URL = os.environ.get(
    "IGNACIO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
SEED = 20261124
WORKSPACE = uuid.UUID("be4c0000-0000-4000-8000-000000000001")
"""The workspace every seeded file is in: a search reads one member's passages in one workspace."""

FUNCTION_WORDS = (  # noqa: SIM905 - a word list reads best as text
    "de la que el en y a los se del las un por con no una su para es al lo como más pero sus "
    "le ya o este sí porque esta entre cuando muy sin sobre también me hasta hay donde quien "
    "desde todo nos durante todos uno les ni contra otros ese eso ante ellos esto antes "
    "algunos qué the of and to in is that for it as with was on be by at this are from or an "
    "which "
).split()
SYLLABLES = (  # noqa: SIM905 - a word list reads best as text
    "ba be ca co da de fa ga la le li lo ma me mi na ne no pa pe po ra re ri ro sa se si so "
    "ta te ti to va ve za ción mente tra pro con es al ar er ir in un ñu güe lá té rí "
).split()


@dataclass(frozen=True)
class Corpus:
    vocabulary: list[str]
    cumulative: list[float]
    rng: random.Random

    @classmethod
    def build(cls, seed: int, size: int = 20_000) -> Corpus:
        rng = random.Random(seed)
        vocabulary = list(dict.fromkeys(FUNCTION_WORDS))
        known = set(vocabulary)
        while len(vocabulary) < size:
            word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in known:
                known.add(word)
                vocabulary.append(word)
        weights = [1 / (rank + 1) ** 1.05 for rank in range(size)]
        return cls(vocabulary, list(itertools.accumulate(weights)), rng)

    def words(self, count: int) -> list[str]:
        return self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count)

    def passage(self) -> str:
        sentences = []
        for _ in range(self.rng.randint(5, 12)):
            sentence = self.words(self.rng.randint(8, 22))
            sentences.append(" ".join(sentence).capitalize() + self.rng.choice(".....;?"))
        return " ".join(sentences)


def files_for(
    corpus: Corpus, owner: uuid.UUID | None, chunks: int, per_file: int
) -> list[IndexedFile]:
    """`owner` None: documents of the workspace's knowledge base."""
    files = []
    for start in range(0, chunks, per_file):
        count = min(per_file, chunks - start)
        files.append(
            IndexedFile(
                workspace_id=WORKSPACE,
                user_id=owner,
                file_id=uuid.uuid4(),
                file_name=f"documento-{start // per_file}.pdf",
                media_type="application/pdf",
                chunks=[
                    Chunk(ordinal=n, text=corpus.passage(), location=f"page {n + 1}")
                    for n in range(count)
                ],
            )
        )
    return files


def questions(corpus: Corpus, files: list[IndexedFile], count: int) -> list[tuple[str, str]]:
    """(kind, query) pairs: mostly questions about a passage, plus the awkward kinds."""
    rng = random.Random(SEED + 1)
    common = corpus.vocabulary[:40]
    chunk_texts = [chunk.text for file in files for chunk in file.chunks]
    asked: list[tuple[str, str]] = []
    for n in range(count):
        roll = n % 10
        if roll < 6:
            words = [w.strip(".;?").lower() for w in rng.choice(chunk_texts).split()]
            rare = [w for w in words if w not in common]
            picked = rng.sample(common, rng.randint(2, 4)) + rng.sample(rare, min(len(rare), 3))
            rng.shuffle(picked)
            asked.append(("question about a passage", "¿" + " ".join(picked) + "?"))
        elif roll < 8:
            asked.append(
                ("1-2 mid-frequency words", " ".join(rng.sample(corpus.vocabulary[200:3000], 2)))
            )
        elif roll < 9:
            asked.append(("only common words", " ".join(rng.sample(common, rng.randint(3, 6)))))
        else:
            asked.append(("words in no passage", f"zzq{n} xxk{n} qwv{n}"))
    return asked


async def register(engine: AsyncEngine, files: list[IndexedFile]) -> None:
    owners = sorted({file.user_id for file in files if file.user_id is not None})
    async with engine.begin() as connection:
        await connection.execute(
            insert(workspaces).values(id=WORKSPACE, slug="bench", name="Bench", assistant={})
        )
        await connection.execute(
            insert(users),
            [
                {"id": owner, "phone_number_encrypted": b"x", "phone_lookup": owner.hex}
                for owner in owners
            ],
        )
        await connection.execute(
            insert(user_files),
            [
                {
                    "id": file.file_id,
                    "workspace_id": file.workspace_id,
                    "user_id": file.user_id,
                    "file_name": file.file_name,
                    "file_path": f"users/{file.user_id}/files/{file.file_id}/f.pdf",
                    "file_type": file.media_type,
                    "file_size": 1,
                }
                for file in files
            ],
        )


FLOOR = "SELECT 1 (baseline)"


async def select_one(engine: AsyncEngine) -> None:
    """A round trip through the same engine, read transaction and all: what any query costs."""
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            await connection.execution_options(**{BEGIN_MODE_OPTION: "deferred"})
        await connection.execute(text("SELECT 1"))
        await connection.commit()


@dataclass
class Result:
    backend: str
    files: int
    chunks: int
    index_seconds: float
    samples: dict[str, list[list[float]]]
    """By query kind: for each query (and the baseline after it), its latency in every round."""


async def run_backend(
    backend: str,
    url: str,
    member: list[IndexedFile],
    others: list[IndexedFile],
    queries: list[tuple[str, str]],
    rounds: int,
    after_seed: Callable[[], None],
) -> Result:
    engine = create_engine(url)
    try:
        index = SqlDocumentIndex(engine)
        await register(engine, member + others)
        everything = member + others
        started = time.perf_counter()
        for file in everything:
            await index.index(file)
        index_seconds = time.perf_counter() - started
        after_seed()
        owner = member[0].user_id
        assert owner is not None
        for _, query in queries[:50]:
            await index.search(WORKSPACE, owner, query)
        timings = [[0.0] * rounds for _ in queries]
        floors = [[0.0] * rounds for _ in queries]
        for round_ in range(rounds):
            for n, (_, query) in enumerate(queries):
                began = time.perf_counter()
                await index.search(WORKSPACE, owner, query)
                timings[n][round_] = (time.perf_counter() - began) * 1000
                # The floor, measured in turn with the searches so that both see the same load.
                began = time.perf_counter()
                await select_one(engine)
                floors[n][round_] = (time.perf_counter() - began) * 1000
        samples: dict[str, list[list[float]]] = {}
        for (kind, _), timing in zip(queries, timings, strict=True):
            samples.setdefault(kind, []).append(timing)
        samples["all"] = timings
        samples[FLOOR] = floors
        chunks = sum(len(file.chunks) for file in everything)
        return Result(backend, len(everything), chunks, index_seconds, samples)
    finally:
        await engine.dispose()


def libpq(url: str) -> str:
    return (
        make_url(normalise_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def report(result: Result, member_chunks: int, rounds: int) -> None:
    rate = result.chunks / result.index_seconds
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\n{result.backend} ({os.cpu_count()} cores, load average {load}): indexed "
        f"{result.files} files, {result.chunks:,} passages in {result.index_seconds:.1f} s "
        f"({rate:,.0f} passages/s, {result.files / result.index_seconds:,.1f} files/s); "
        f"searching the member with {member_chunks:,} passages, every query {rounds} times\n"
    )
    print(
        "| query kind                 | queries | p50 ms | p99 ms | max ms "
        "| best-of p50 | best-of p99 |"
    )
    print(
        "|----------------------------|---------|--------|--------|--------"
        "|-------------|-------------|"
    )
    last = ("all", FLOOR)
    for kind, per_query in sorted(result.samples.items(), key=lambda item: item[0] in last):
        every = [value for timings in per_query for value in timings]
        best = [min(timings) for timings in per_query]
        print(
            f"| {kind:<26} | {len(per_query):>7} | {statistics.median(every):>6.2f} "
            f"| {percentile(every, 0.99):>6.2f} | {max(every):>6.2f} "
            f"| {statistics.median(best):>11.2f} | {percentile(best, 0.99):>11.2f} |"
        )


async def run(arguments: argparse.Namespace) -> None:
    corpus = Corpus.build(SEED)
    owner = uuid.uuid4()
    member = files_for(corpus, owner, arguments.chunks, arguments.per_file)
    others = [
        file
        for _ in range(arguments.others)
        for file in files_for(corpus, uuid.uuid4(), arguments.other_chunks, arguments.per_file)
    ]
    if arguments.knowledge_chunks:
        others += files_for(corpus, None, arguments.knowledge_chunks, arguments.per_file)
    queries = questions(corpus, member, arguments.queries)

    if arguments.only in (None, "postgres"):
        name = f"ignacio_bench_search_{secrets.token_hex(4)}"
        with psycopg.connect(libpq(SERVER_URL), autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = (
            make_url(normalise_url(SERVER_URL))
            .set(database=name)
            .render_as_string(hide_password=False)
        )

        def vacuum() -> None:
            # The steady state autovacuum reaches: statistics gathered, visibility map set.
            with psycopg.connect(libpq(url), autocommit=True, options=IGNACIO_SCHEMA) as connection:
                connection.execute("VACUUM ANALYZE document_chunks")

        try:
            await asyncio.to_thread(upgrade_database, url)
            result = await run_backend(
                "PostgreSQL", url, member, others, queries, arguments.rounds, vacuum
            )
        finally:
            with psycopg.connect(libpq(SERVER_URL), autocommit=True) as connection:
                statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                connection.execute(statement.format(sql.Identifier(name)))
        report(result, arguments.chunks, arguments.rounds)

    if arguments.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory(prefix="ignacio-bench-") as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
            await asyncio.to_thread(upgrade_database, url)
            result = await run_backend(
                "SQLite", url, member, others, queries, arguments.rounds, lambda: None
            )
        report(result, arguments.chunks, arguments.rounds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--per-file", type=int, default=50)
    parser.add_argument("--others", type=int, default=4)
    parser.add_argument("--other-chunks", type=int, default=2_000)
    parser.add_argument("--knowledge-chunks", type=int, default=0)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["postgres", "sqlite"])
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
