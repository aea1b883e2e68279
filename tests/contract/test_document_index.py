"""The DocumentIndex contract, on every adapter: memory, SQLite (FTS5) and PostgreSQL.

A member finds their own passages in a workspace by the words in them, best first, and never
anyone else's, nor their own from another workspace;
indexing a file again replaces it, removing it forgets it, and no query, however hostile,
raises. Scores are compared only with each other (order), never with fixed values, so that an
index that ranks differently (an OpenAI vector store) can run the same suite: add a branch to
`_open_index` and a param to `KINDS`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID, uuid4

import msgspec
import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from ignacio.adapters.memory import InMemoryDocumentIndex
from ignacio.adapters.openai_vector_store import OpenAIVectorStoreIndex
from ignacio.adapters.sql import SqlDocumentIndex, create_engine
from ignacio.adapters.sql.tables import document_chunks, user_files, users, workspaces
from ignacio.application.ports import DocumentIndex, IndexedFile, RemoteCopy
from ignacio.domain import NotFound
from ignacio.domain.knowledge import Chunk, Passage
from tests.support.databases import migrated_sqlite
from tests.support.documents import MemberFile
from tests.support.fake_openai_files import FAKE_API_KEY, FAKE_BASE_URL, FakeOpenAIFiles

HERE = UUID("0000a000-0000-4000-8000-00000000000a")
ELSEWHERE = UUID("0000b000-0000-4000-8000-00000000000b")
"""Two workspaces, as two organisations a member may belong to both of."""

KINDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "openai"]
SQL_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class OpenedIndex:
    """An index under test, and what a file needs to exist before the index accepts it.

    `prepare` records the file wherever the index expects to find it (the SQL index needs the
    member's `users` row and the file's `user_files` row); `engine` is set for SQL indexes.
    """

    index: DocumentIndex
    prepare: Callable[[IndexedFile], Awaitable[None]]
    engine: AsyncEngine | None = None


async def _nothing_to_prepare(_file: IndexedFile) -> None:
    return None


@dataclass
class _FileRows:
    """Writes the rows the SQL index refers to, straight into the tables (once per id)."""

    engine: AsyncEngine
    known_workspaces: set[UUID] = field(default_factory=set)
    known_users: set[UUID] = field(default_factory=set)
    known_files: set[UUID] = field(default_factory=set)

    async def __call__(self, file: IndexedFile) -> None:
        async with self.engine.begin() as connection:
            if file.workspace_id not in self.known_workspaces:
                await connection.execute(
                    insert(workspaces).values(
                        id=file.workspace_id,
                        slug=f"w-{file.workspace_id.hex[:12]}",
                        name="A workspace",
                        assistant={},
                    )
                )
            if file.user_id is not None and file.user_id not in self.known_users:
                await connection.execute(
                    insert(users).values(
                        id=file.user_id,
                        phone_number_encrypted=b"not a phone",
                        phone_lookup=file.user_id.hex,
                    )
                )
                self.known_users.add(file.user_id)
            if file.file_id not in self.known_files:
                await connection.execute(
                    insert(user_files).values(
                        id=file.file_id,
                        workspace_id=file.workspace_id,
                        user_id=file.user_id,
                        file_name=file.file_name,
                        file_path=f"files/{file.file_id}/f",
                        file_type=file.media_type,
                        file_size=1,
                    )
                )
        self.known_workspaces.add(file.workspace_id)
        self.known_files.add(file.file_id)


@asynccontextmanager
async def _open_index(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[OpenedIndex]:
    if kind == "memory":
        yield OpenedIndex(InMemoryDocumentIndex(), _nothing_to_prepare)
        return
    if kind == "openai":
        # An OpenAI vector store per member, on a local fake of OpenAI's API.
        fake = FakeOpenAIFiles()
        async with fake.http_client() as http:
            client = openai.AsyncOpenAI(
                api_key=FAKE_API_KEY, base_url=FAKE_BASE_URL, max_retries=0, http_client=http
            )
            yield OpenedIndex(
                OpenAIVectorStoreIndex(client, poll_interval=0.01), _nothing_to_prepare
            )
        return
    if kind == "sqlite":
        url = await migrated_sqlite(tmp_path)
    elif kind == "postgres":
        url = request.getfixturevalue("postgres_url")
    else:
        raise ValueError(f"no such index kind: {kind}")
    engine = create_engine(url)
    try:
        yield OpenedIndex(SqlDocumentIndex(engine), _FileRows(engine), engine)
    finally:
        await engine.dispose()


@pytest.fixture(params=KINDS)
async def opened(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenedIndex]:
    async with _open_index(request.param, request, tmp_path) as index:
        yield index


@pytest.fixture(params=SQL_KINDS)
async def opened_sql(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[OpenedIndex]:
    async with _open_index(request.param, request, tmp_path) as index:
        yield index


def a_file(
    *texts: str,
    workspace_id: UUID = HERE,
    user_id: UUID | None = None,
    file_id: UUID | None = None,
    name: str = "notas.txt",
    locations: list[str | None] | None = None,
) -> MemberFile:
    places = locations or [f"page {n + 1}" for n in range(len(texts))]
    return MemberFile(
        workspace_id=workspace_id,
        user_id=user_id or uuid4(),
        file_id=file_id or uuid4(),
        file_name=name,
        media_type="text/plain",
        chunks=[
            Chunk(ordinal=n, text=body, location=place)
            for n, (body, place) in enumerate(zip(texts, places, strict=True))
        ],
    )


def a_document(*texts: str, workspace_id: UUID = HERE, name: str = "handbook.pdf") -> IndexedFile:
    """A document of the workspace's knowledge base: no member's."""
    return IndexedFile(
        workspace_id=workspace_id,
        user_id=None,
        file_id=uuid4(),
        file_name=name,
        media_type="text/plain",
        chunks=[Chunk(ordinal=n, text=body) for n, body in enumerate(texts)],
    )


async def add(opened: OpenedIndex, *files: IndexedFile) -> None:
    for file in files:
        await opened.prepare(file)
        copy = await opened.index.index(file)
        assert copy is None or isinstance(copy, RemoteCopy)


def texts(passages: list[Passage]) -> list[str]:
    return [passage.text for passage in passages]


OPENAI_CHUNKS = (
    "an OpenAI vector store cuts the uploaded document into chunks of its own (about 800 "
    "tokens), so a hit is a span of the document, not one of the passages indexed: exact "
    "passage texts, their number, and their order within one file cannot hold"
)


def skip_for_openai(opened: OpenedIndex, reason: str) -> None:
    if isinstance(opened.index, OpenAIVectorStoreIndex):
        pytest.skip(f"openai: {reason}")


async def test_a_file_is_found_by_its_words_with_its_name_and_location(
    opened: OpenedIndex,
) -> None:
    skip_for_openai(opened, OPENAI_CHUNKS)
    file = a_file(
        "The boiler needs a yearly inspection by a licensed technician.",
        "Rent is due on the first working day of each month.",
        name="Contrato de alquiler.pdf",
        locations=["page 3", None],
    )
    await add(opened, file)

    [boiler] = await opened.index.search(HERE, file.user_id, "boiler inspection")
    assert boiler.file_id == file.file_id
    assert boiler.file_name == "Contrato de alquiler.pdf"
    assert boiler.text == file.chunks[0].text
    assert boiler.location == "page 3"
    assert boiler.score > 0

    rent = (await opened.index.search(HERE, file.user_id, "when is the RENT due?"))[0]
    assert rent.text == file.chunks[1].text
    assert rent.location is None


async def test_nothing_is_found_before_indexing_or_for_words_no_passage_holds(
    opened: OpenedIndex,
) -> None:
    file = a_file("Solar panels on the roof since 2021.")
    assert await opened.index.search(HERE, file.user_id, "solar") == []
    await add(opened, file)
    assert await opened.index.search(HERE, file.user_id, "wind turbine") == []
    assert await opened.index.search(HERE, uuid4(), "solar") == []


async def test_indexing_a_file_again_replaces_its_passages(opened: OpenedIndex) -> None:
    first = a_file("draft budget lemons", "draft budget oranges", "draft budget pears")
    await add(opened, first)
    second = a_file("final budget apples", user_id=first.user_id, file_id=first.file_id)
    await add(opened, second)

    assert await opened.index.search(HERE, first.user_id, "lemons oranges pears draft") == []
    assert texts(await opened.index.search(HERE, first.user_id, "budget", limit=50)) == [
        "final budget apples"
    ]

    await add(opened, a_file(user_id=first.user_id, file_id=first.file_id))
    assert await opened.index.search(HERE, first.user_id, "budget apples") == []


async def test_removing_a_file_forgets_it_and_only_it(opened: OpenedIndex) -> None:
    kept = a_file("invoice from the plumber, march")
    gone = a_file("invoice from the electrician, march", user_id=kept.user_id)
    await add(opened, kept, gone)

    await opened.index.remove(kept.workspace_id, kept.user_id, gone.file_id)
    found = await opened.index.search(HERE, kept.user_id, "invoice electrician march")
    assert [p.file_id for p in found] == [kept.file_id]

    # Removing what is not there (again, or never indexed) is not an error.
    await opened.index.remove(kept.workspace_id, kept.user_id, gone.file_id)
    await opened.index.remove(kept.workspace_id, kept.user_id, uuid4())
    await opened.index.remove(kept.workspace_id, uuid4(), kept.file_id)
    assert [p.file_id for p in await opened.index.search(HERE, kept.user_id, "plumber")] == [
        kept.file_id
    ]


async def test_forgetting_a_member_drops_all_of_theirs_and_nothing_else(
    opened: OpenedIndex,
) -> None:
    first = a_file("saffron rice with rabbit")
    second = a_file("rosemary from the garden", user_id=first.user_id, workspace_id=ELSEWHERE)
    other = a_file("saffron rice with rabbit")
    await add(opened, first, second, other)

    await opened.index.forget_member(first.user_id)

    for workspace in (HERE, ELSEWHERE):
        found = await opened.index.search(
            workspace, first.user_id, "saffron rabbit rosemary garden"
        )
        assert found == []
    found = await opened.index.search(HERE, other.user_id, "saffron rabbit")
    assert [p.file_id for p in found] == [other.file_id]
    # Again, or for a member the index never saw: nothing happens.
    await opened.index.forget_member(first.user_id)
    await opened.index.forget_member(uuid4())


async def test_a_member_never_finds_another_members_passages(opened: OpenedIndex) -> None:
    words = "Our secret family recipe: saffron, rice, rabbit and rosemary."
    ana = a_file(words, "Ana's notes on the recipe.")
    luis = a_file(words, "Luis keeps his recipe here.")
    await add(opened, ana, luis)

    for owner, own in ((ana.user_id, ana.file_id), (luis.user_id, luis.file_id)):
        found = await opened.index.search(HERE, owner, "secret recipe saffron rabbit notes keeps")
        assert found
        assert {p.file_id for p in found} == {own}
    assert texts(await opened.index.search(HERE, ana.user_id, "Luis")) == []

    # The same file id under another member does not reach across either.
    await opened.index.remove(luis.workspace_id, luis.user_id, ana.file_id)
    assert await opened.index.search(HERE, ana.user_id, "saffron")

    await opened.index.remove(ana.workspace_id, ana.user_id, ana.file_id)
    assert await opened.index.search(HERE, ana.user_id, "saffron recipe") == []
    assert [p.file_id for p in await opened.index.search(HERE, luis.user_id, "saffron")] == [
        luis.file_id
    ]


async def test_a_members_file_is_found_only_in_its_own_workspace(opened: OpenedIndex) -> None:
    """A member of two organisations' workspaces gave each a file: asking in one never quotes
    the other's, even for words only the other's file holds."""
    here = a_file("Board minutes: the merger with Acme is confidential.", name="board.txt")
    there = a_file(
        "Rota for the food bank: volunteers on Saturday.",
        user_id=here.user_id,
        workspace_id=ELSEWHERE,
        name="rota.txt",
    )
    await add(opened, here, there)

    found_here = await opened.index.search(HERE, here.user_id, "merger Acme confidential")
    assert [p.file_id for p in found_here] == [here.file_id]
    assert await opened.index.search(ELSEWHERE, here.user_id, "merger Acme confidential") == []
    found_there = await opened.index.search(ELSEWHERE, here.user_id, "food bank volunteers")
    assert [p.file_id for p in found_there] == [there.file_id]
    assert await opened.index.search(HERE, here.user_id, "food bank volunteers") == []
    # A workspace the member gave nothing finds nothing.
    assert await opened.index.search(uuid4(), here.user_id, "merger volunteers") == []

    # A member's file is removed from their collection whichever workspace is named (a file id
    # is unique); the other stays where it was.
    await opened.index.remove(here.workspace_id, here.user_id, there.file_id)
    assert await opened.index.search(ELSEWHERE, here.user_id, "food bank volunteers") == []
    assert await opened.index.search(HERE, here.user_id, "merger Acme")


_VOCABULARY = [
    "presupuesto",
    "canción",
    "cancion",
    "rabbit",
    "saffron",
    "informe",
    "año",
    "de",
    "the",
    "and",
    "Straße",
    "2024",
    "東京",
    "ñandú",
    "secreto",
    "luis",
]
_HOSTILE = [
    '"',
    "'",
    "NEAR(",
    "NEAR(a b, 2)",
    "*",
    "a*",
    "-",
    "-secreto",
    ":",
    "search_text:",
    "user_id:",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    "^",
    "{",
    "}",
    "<->",
    "&",
    "|",
    "!",
    "\\",
    "%",
    "_",
    "'; DROP TABLE document_chunks; --",
    "1' OR '1'='1",
    "\x00",
    "\u200d",
]
_QUERIES = st.one_of(
    st.text(max_size=120),
    st.lists(st.sampled_from(_VOCABULARY + _HOSTILE), max_size=12).map(" ".join),
    st.lists(st.sampled_from(_VOCABULARY + _HOSTILE), max_size=12).map("".join),
)


@pytest.fixture
async def two_members(
    opened: OpenedIndex,
) -> tuple[OpenedIndex, MemberFile, MemberFile, MemberFile]:
    """Two members whose files hold the same words, and a few words of their own; Ana's third
    file, in another workspace, holds them too."""
    shared = [
        "El presupuesto de 2024 y la canción del año.",
        "The secret saffron rabbit and the Straße in 東京.",
        "Un ñandú, un informe y un secreto.",
    ]
    ana = a_file(*shared, "Ana keeps this.")
    luis = a_file(*shared, "Luis keeps that.")
    elsewhere = a_file(*shared, "Ana keeps this elsewhere.", user_id=ana.user_id)
    elsewhere = msgspec.structs.replace(elsewhere, workspace_id=ELSEWHERE)
    await add(opened, ana, luis, elsewhere)
    return opened, ana, luis, elsewhere


async def test_every_member_finds_their_workspaces_knowledge_beside_their_own_files(
    opened: OpenedIndex,
) -> None:
    """The knowledge base is searched with the member's own files, ranked with them, and each
    passage says whose it is; another workspace's knowledge base is never quoted."""
    hours = a_document(
        "Opening hours: the food bank opens on Saturdays at nine.", name="handbook.pdf"
    )
    other_hours = a_document(
        "Opening hours: the clinic opens on Saturdays at ten.",
        workspace_id=ELSEWHERE,
        name="clinic.pdf",
    )
    ana = a_file("My notes: ask the food bank about Saturdays volunteering.", name="mine.txt")
    await add(opened, hours, other_hours, ana)

    found = await opened.index.search(HERE, ana.user_id, "food bank Saturdays")
    assert {p.file_id for p in found} == {hours.file_id, ana.file_id}
    whose = {p.file_id: (p.knowledge, p.file_name) for p in found}
    assert whose[hours.file_id] == (True, "handbook.pdf")
    assert whose[ana.file_id] == (False, "mine.txt")

    # A member with no files of their own finds the knowledge base alone.
    newcomer = uuid4()
    found = await opened.index.search(HERE, newcomer, "opening hours Saturdays")
    assert [(p.file_id, p.knowledge) for p in found] == [(hours.file_id, True)]
    found = await opened.index.search(ELSEWHERE, newcomer, "opening hours Saturdays")
    assert [p.file_id for p in found] == [other_hours.file_id]
    # A workspace with no knowledge base and no files finds nothing.
    assert await opened.index.search(uuid4(), ana.user_id, "opening hours Saturdays") == []


async def test_a_knowledge_document_is_removed_for_everyone_and_outlives_its_members(
    opened: OpenedIndex,
) -> None:
    hours = a_document("Opening hours: the food bank opens on Saturdays at nine.")
    ana = a_file("Saturdays: bring the van to the food bank.")
    await add(opened, hours, ana)

    # Forgetting a member, or removing the id from a member's collection, leaves it.
    await opened.index.forget_member(ana.user_id)
    await opened.index.remove(HERE, ana.user_id, hours.file_id)
    found = await opened.index.search(HERE, uuid4(), "food bank Saturdays")
    assert [p.file_id for p in found] == [hours.file_id]

    await opened.index.remove(HERE, None, hours.file_id)
    assert await opened.index.search(HERE, uuid4(), "food bank Saturdays") == []
    await opened.index.remove(HERE, None, hours.file_id)  # again: nothing happens


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=_QUERIES, limit=st.integers(min_value=1, max_value=10))
async def test_no_query_reaches_another_member_or_workspace_or_raises(
    two_members: tuple[OpenedIndex, MemberFile, MemberFile, MemberFile],
    query: str,
    limit: int,
) -> None:
    opened, ana, luis, elsewhere = two_members
    for workspace, member, own in (
        (HERE, ana.user_id, ana.file_id),
        (HERE, luis.user_id, luis.file_id),
        (ELSEWHERE, ana.user_id, elsewhere.file_id),
    ):
        found = await opened.index.search(workspace, member, query, limit=limit)
        assert len(found) <= limit
        assert {p.file_id for p in found} <= {own}
    assert await opened.index.search(HERE, uuid4(), query, limit=limit) == []
    assert await opened.index.search(ELSEWHERE, luis.user_id, query, limit=limit) == []


_MORE_HOSTILE = [
    "",
    "   \t\n",
    "?!.,;:¿¡…—",
    '"secreto" OR "luis"',
    'secreto" OR user_id:* OR "',
    "secreto NEAR(luis informe)",
    "secre*",
    "SELECT * FROM document_chunks",
    "presupuesto " * 3000,
    "x" * 20_000,
    " ".join(f"w{n}" for n in range(2000)),
    "🙂 😀 🎉",
    "\ufb01nanzas \uff21\uff22\uff23",  # a ligature, full-width letters
]


async def test_hostile_queries_find_only_ones_own_passages_and_never_raise(
    opened: OpenedIndex,
) -> None:
    ana = a_file("Un informe secreto de presupuesto.")
    luis = a_file("Luis guarda otro informe secreto.")
    await add(opened, ana, luis)
    for query in _HOSTILE + _MORE_HOSTILE:
        found = await opened.index.search(HERE, ana.user_id, query)
        assert {p.file_id for p in found} <= {ana.file_id}, query
        assert len(found) <= 5, query


async def test_a_query_without_words_finds_nothing(opened: OpenedIndex) -> None:
    file = a_file("- * _ ... anything at all")
    await add(opened, file)
    for query in ["", "  ", "...", "¿?", "-", '""', "*", "_", "\x00", "\u200d"]:
        assert await opened.index.search(HERE, file.user_id, query) == [], query


@pytest.mark.parametrize(
    ("stored", "asked"),
    [
        ("La canción de cuna", "cancion"),
        ("La cancion de cuna", "canción"),
        ("LA CANCIÓN DE CUNA", "Canción"),
        ("Pingüino en Zürich", "pinguino zurich"),
        ("Die Straße", "STRASSE"),
        ("Las ﬁnanzas del año", "finanzas"),
        (
            "\uff32\uff45\uff50\uff4f\uff52\uff54 \uff12\uff10\uff12\uff14",
            "report 2024",
        ),  # full width
        ("Ñandú", "nandu"),
    ],
)
async def test_case_accents_and_compatibility_forms_do_not_matter(
    opened: OpenedIndex, stored: str, asked: str
) -> None:
    skip_for_openai(opened, OPENAI_CHUNKS)
    file = a_file(stored, "unrelated words here")
    await add(opened, file)
    assert texts(await opened.index.search(HERE, file.user_id, asked)) == [stored]


async def test_the_passage_that_answers_ranks_first(opened: OpenedIndex) -> None:
    skip_for_openai(opened, OPENAI_CHUNKS)
    answer = "Vacaciones: cada empleado disfruta de 23 días laborables de vacaciones al año."
    # Passages that repeat the question's common words many times, and one that shares a
    # single rarer word: an index that ignores how rare a word is puts these first.
    noise = [
        "El informe de la región de Murcia de este año, de la mano de la dirección, "
        "muestra que al final del año la mitad de las ventas de la empresa fueron al extranjero.",
        "De lunes a viernes, de nueve a cinco, la oficina de la calle de Alcalá abre al público "
        "todo el año, de enero a diciembre, salvo los días de fiesta de la ciudad.",
        "La junta de accionistas de la empresa se celebra al principio de cada año.",
        "Tengo que revisar el presupuesto de la empresa al cierre de cada trimestre del año.",
        "Cada empleado recibe un portátil al incorporarse.",
    ]
    file = a_file(*noise[:2], answer, *noise[2:], name="Manual del empleado.docx")
    other = a_file(*noise, user_id=file.user_id)
    await add(opened, file, other)

    found = await opened.index.search(
        HERE, file.user_id, "¿Cuántos días de vacaciones tengo al año?"
    )
    assert found[0].text == answer
    assert found[0].file_name == "Manual del empleado.docx"
    found = await opened.index.search(HERE, file.user_id, "vacaciones de empleado")
    assert found[0].text == answer


async def test_passages_holding_more_of_the_query_rank_higher(opened: OpenedIndex) -> None:
    skip_for_openai(opened, OPENAI_CHUNKS)
    file = a_file(
        "Apple pie needs apples and cinnamon.",
        "A red apple pie with cinnamon crumble, baked in a cast iron pan.",
        "Crumble topping for any pie.",
        "Cast iron pans need oil after washing.",
    )
    await add(opened, file)
    found = await opened.index.search(HERE, file.user_id, "red apple pie cinnamon crumble")
    assert texts(found)[0] == file.chunks[1].text
    assert set(texts(found)[:3]) == {c.text for c in file.chunks[:3]}
    scores = [p.score for p in found]
    assert scores == sorted(scores, reverse=True)


async def test_common_words_do_not_drown_a_rare_one_among_many_passages(
    opened: OpenedIndex,
) -> None:
    """Enough passages that an index may count or estimate word frequencies differently."""
    skip_for_openai(opened, OPENAI_CHUNKS)
    filler = (
        "La reunión de la comunidad de vecinos trató la cuenta de gastos del portal, "
        "la limpieza de la escalera y el seguro del edificio, número {n}."
    )
    moderate = "La caldera del portal se revisa en otoño, número {n}."
    passages = [filler.format(n=n) for n in range(600)]
    passages += [moderate.format(n=n) for n in range(300)]
    answer = "El seguro del edificio cubre la rotura de la caldera con la póliza Mapfre 7781."
    passages.insert(451, answer)
    member = uuid4()
    for start in range(0, len(passages), 100):
        await add(opened, a_file(*passages[start : start + 100], user_id=member))
    stranger = a_file(answer, "la de el del")
    await add(opened, stranger)

    found = await opened.index.search(HERE, member, "¿Qué póliza cubre la rotura de la caldera?")
    assert found[0].text == answer
    found = await opened.index.search(HERE, member, "caldera rotura")
    assert found[0].text == answer
    assert all(p.file_id != stranger.file_id for p in found)
    # Only common words: some passages, still only the member's, still within the limit.
    found = await opened.index.search(HERE, member, "la de del", limit=7)
    assert 0 < len(found) <= 7
    assert all(p.file_id != stranger.file_id for p in found)


async def test_a_word_only_another_member_has_does_not_hide_ones_own_passages(
    opened: OpenedIndex,
) -> None:
    """A word can be rare because only someone else uses it; the member's common words count."""
    skip_for_openai(opened, OPENAI_CHUNKS)
    member = uuid4()
    passages = [f"Revisión de la caldera del piso, visita {n}." for n in range(300)]
    for start in range(0, len(passages), 100):
        await add(opened, a_file(*passages[start : start + 100], user_id=member))
    await add(opened, a_file("Póliza Mapfre de la caldera", "Mapfre y la caldera"))

    found = await opened.index.search(HERE, member, "caldera Mapfre")
    assert len(found) == 5
    assert all(p.text.startswith("Revisión de la caldera") for p in found)


async def test_the_limit_is_respected(opened: OpenedIndex) -> None:
    skip_for_openai(opened, OPENAI_CHUNKS)
    file = a_file(*[f"meeting minutes number {n}" for n in range(12)])
    await add(opened, file)
    assert len(await opened.index.search(HERE, file.user_id, "minutes")) == 5
    assert len(await opened.index.search(HERE, file.user_id, "minutes", limit=3)) == 3
    assert len(await opened.index.search(HERE, file.user_id, "minutes", limit=1)) == 1
    assert len(await opened.index.search(HERE, file.user_id, "minutes", limit=50)) == 12
    assert await opened.index.search(HERE, file.user_id, "minutes", limit=0) == []


async def test_concurrent_indexings_of_one_file_leave_one_version(opened: OpenedIndex) -> None:
    skip_for_openai(
        opened, "tests/adapters/openai_vector_store covers concurrent indexing; " + OPENAI_CHUNKS
    )
    owner, file_id = uuid4(), uuid4()
    versions = [
        a_file(
            *[f"version {v} passage {n} shared" for n in range(5 + v)],
            user_id=owner,
            file_id=file_id,
        )
        for v in range(6)
    ]
    await opened.prepare(versions[0])
    await asyncio.gather(*(opened.index.index(version) for version in versions))

    found = await opened.index.search(HERE, owner, "shared", limit=100)
    survivors = {version for version in range(6) if f"version {version} " in found[0].text}
    assert len(survivors) == 1
    [survivor] = survivors
    assert sorted(texts(found)) == sorted(c.text for c in versions[survivor].chunks)


async def test_text_is_returned_as_given(opened: OpenedIndex) -> None:
    skip_for_openai(opened, OPENAI_CHUNKS)
    body = "  Línea 1\n\tLínea 2 — «comillas» & <b>etiquetas</b> 'simples' \"dobles\" 🙂  "
    file = a_file(body, name="Año 2024 — «resumen».txt")
    await add(opened, file)
    [found] = await opened.index.search(HERE, file.user_id, "etiquetas")
    assert found.text == body
    assert found.file_name == "Año 2024 — «resumen».txt"


# The SQL indexes keep passages beside the member's files: they go when the files go.


async def _passages_stored(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(document_chunks))
    return int(count or 0)


async def test_deleting_a_file_or_its_member_leaves_no_passage_behind(
    opened_sql: OpenedIndex,
) -> None:
    engine = opened_sql.engine
    assert engine is not None
    first = a_file("tenancy deposit returned", "tenancy ends in june")
    second = a_file("tenancy of the garage", user_id=first.user_id)
    third = a_file("tenancy elsewhere")
    await add(opened_sql, first, second, third)
    assert await _passages_stored(engine) == 4

    async with engine.begin() as connection:
        await connection.execute(delete(user_files).where(user_files.c.id == first.file_id))
    assert texts(await opened_sql.index.search(HERE, first.user_id, "tenancy")) == [
        "tenancy of the garage"
    ]
    async with engine.begin() as connection:
        await connection.execute(delete(users).where(users.c.id == first.user_id))
    assert await opened_sql.index.search(HERE, first.user_id, "tenancy") == []
    assert await _passages_stored(engine) == 1
    assert texts(await opened_sql.index.search(HERE, third.user_id, "tenancy")) == [
        "tenancy elsewhere"
    ]

    if engine.dialect.name == "sqlite":
        async with engine.begin() as connection:
            # Raises if the FTS5 index holds anything its content table does not.
            await connection.execute(
                text(
                    "INSERT INTO document_chunks_fts (document_chunks_fts, rank)"
                    " VALUES ('integrity-check', 1)"
                )
            )


async def test_a_file_that_is_not_the_members_cannot_be_indexed(opened_sql: OpenedIndex) -> None:
    theirs = a_file("private words")
    await add(opened_sql, theirs)
    intruder = uuid4()
    await opened_sql.prepare(a_file("nothing", user_id=intruder))
    hijack = a_file("hijacked words", user_id=intruder, file_id=theirs.file_id)
    with pytest.raises(NotFound):
        await opened_sql.index.index(hijack)
    with pytest.raises(NotFound):
        await opened_sql.index.index(a_file("never stored"))
    # Nor can a file's passages be put in a workspace other than the file's.
    await opened_sql.prepare(a_file("nothing", workspace_id=ELSEWHERE))
    moved = msgspec.structs.replace(theirs, workspace_id=ELSEWHERE)
    with pytest.raises(NotFound):
        await opened_sql.index.index(moved)
    assert await opened_sql.index.search(ELSEWHERE, theirs.user_id, "words") == []
    assert texts(await opened_sql.index.search(HERE, theirs.user_id, "words")) == ["private words"]
    assert await opened_sql.index.search(HERE, intruder, "words") == []


async def test_text_a_database_cannot_hold_is_stored_without_it(opened_sql: OpenedIndex) -> None:
    file = a_file("nul\x00byte and a lone \ud800 surrogate")
    await add(opened_sql, file)
    [found] = await opened_sql.index.search(HERE, file.user_id, "nul surrogate")
    assert "\x00" not in found.text
    assert found.text.startswith("nulbyte and a lone ")
