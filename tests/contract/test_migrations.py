"""The SQL schema: migrations build exactly the tables the adapter declares, on both dialects."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID, uuid4

import msgspec
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Boolean,
    Connection,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
    bindparam,
    column,
    event,
    func,
    inspect,
    select,
    table,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from ignacio.adapters.sql import (
    SqlDocumentIndex,
    SqlUnitOfWorkFactory,
    alembic_config,
    create_engine,
    current_revision,
    head_revision,
    metadata,
    normalise_url,
    upgrade_database,
)
from ignacio.adapters.sql.messages import MESSAGE_FIELDS
from ignacio.adapters.sql.migrate import shipped_head
from ignacio.adapters.sql.tables import (
    SEARCH_STRUCTURES,
    allowed_numbers,
    audit_log,
    conversations,
    document_chunks,
    message_deliveries,
    messages,
    user_files,
    webhook_inbox,
    workspace_channels,
    workspaces,
)
from ignacio.adapters.sql.types import UtcDateTime
from ignacio.application.ports import IndexedFile
from ignacio.domain import (
    Author,
    Channel,
    Conflict,
    DeliveryStatus,
    MediaRef,
    Message,
    Order,
    PageRequest,
    Position,
    ProcessingState,
    Provider,
    User,
)
from ignacio.domain.channels import Connection as NumberLink
from ignacio.domain.events import WorkspaceEvent
from ignacio.domain.handover import ConversationState
from ignacio.domain.knowledge import Chunk, SyncStatus, UserFile
from ignacio.domain.message_login import MessageLogin
from ignacio.domain.workflow import StepKind, Workflow, WorkflowStep
from ignacio.domain.workspaces import (
    DEFAULT_WORKSPACE_INSTRUCTIONS,
    AssistantSettings,
    Workspace,
    WorkspaceRole,
)
from tests.contract import builders
from tests.contract.builders import (
    allowed,
    at,
    channel,
    conversation,
    delivery,
    entry,
    message,
    phone,
    phone_of,
    store,
    summary,
    user,
    user_file,
    workspace,
)
from tests.contract.conftest import Backend, FixedKeyPhoneCipher
from tests.support.databases import (
    drop_postgres_database,
    migrated_sqlite,
    postgres_database_or_skip,
)

MIGRATIONS = (
    Path(__file__).parents[2] / "src" / "ignacio" / "adapters" / "sql" / "migrations" / "versions"
)


def _declared(_object: Any, name: str | None, *_: Any) -> bool:
    # The document index's search structures differ by dialect; metadata cannot declare them.
    return name not in SEARCH_STRUCTURES


def _differences(connection: Connection) -> list[Any]:
    opts = {"compare_type": True, "include_object": _declared}
    context = MigrationContext.configure(connection, opts=opts)
    return list(compare_metadata(context, metadata))


async def test_migrations_build_the_declared_schema(sql_backend: Backend) -> None:
    assert sql_backend.engine is not None
    async with sql_backend.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []


async def test_a_migrated_database_is_at_head_and_upgrading_again_changes_nothing(
    sql_backend: Backend,
) -> None:
    assert sql_backend.url is not None
    newest = max(path.name[:4] for path in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))
    assert head_revision() == newest == shipped_head()
    # Called from inside a running event loop, as an app's startup hook would.
    upgrade_database(sql_backend.url)
    assert current_revision(sql_backend.url) == head_revision()


def test_every_script_is_named_after_its_revision() -> None:
    """A server's start tells an up-to-date database by the scripts' names (`shipped_head`)."""
    scripts = ScriptDirectory.from_config(alembic_config(""))
    named = {script.revision: Path(script.path).name for script in scripts.walk_revisions()}
    assert named
    assert all(name.startswith(f"{revision}_") for revision, name in named.items())


def test_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'deep' / 'er' / 'ignacio.db'}"
    assert current_revision(url) is None
    upgrade_database(url)
    command.downgrade(alembic_config(url), "base")
    assert current_revision(url) is None
    upgrade_database(url)
    assert current_revision(url) == head_revision()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "postgres://u:p@db.x.supabase.co/postgres",
            "postgresql+psycopg://u:p@db.x.supabase.co/postgres",
        ),
        ("postgresql://u@h/db?sslmode=require", "postgresql+psycopg://u@h/db?sslmode=require"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///var/ignacio.db", "sqlite+aiosqlite:///var/ignacio.db"),
        ("sqlite:////abs/ignacio.db", "sqlite+aiosqlite:////abs/ignacio.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_urls_are_normalised_to_the_async_drivers(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


async def test_sqlite_connections_are_configured(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'new' / 'dir' / 'ignacio.db'}")
    try:
        async with engine.connect() as connection:
            settings = {
                pragma: (await connection.exec_driver_sql(f"PRAGMA {pragma}")).scalar()
                for pragma in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
            }
    finally:
        await engine.dispose()
    assert settings == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 0,  # writers wait for the lock in _begin_immediate, off the loop
        "synchronous": 1,  # NORMAL
    }


async def test_sqlite_stores_utc_text_that_sorts_in_time_order(
    tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    engine = create_engine(await migrated_sqlite(tmp_path))
    madrid_summer = timezone(timedelta(hours=2))
    try:
        async with SqlUnitOfWorkFactory(engine, cipher)() as uow:
            await uow.users.add(user(1, created_at=at(0).astimezone(madrid_summer)))
            await uow.commit()
        async with engine.connect() as connection:
            stored = (await connection.execute(text("SELECT created_at FROM users"))).scalar_one()
    finally:
        await engine.dispose()
    assert stored == at(0).strftime("%Y-%m-%d %H:%M:%S.%f")


async def test_sqlite_reads_every_listing_through_an_index(
    tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    """Every keyset query seeks an index and sorts nothing: a deep page costs what the first does."""
    engine = create_engine(await migrated_sqlite(tmp_path))
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    after = Position(at=at(0), id=uuid4())
    home = uuid4()  # any workspace: the plan is what matters
    try:
        async with SqlUnitOfWorkFactory(engine, cipher)() as uow:
            for order in Order:
                page = PageRequest(limit=20, after=after, order=order)
                await uow.users.list(page)
                await uow.conversations.list(home, page)
                await uow.conversations.list(home, page, user_id=uuid4(), channel=Channel.WEB)
                await uow.messages.list(home, uuid4(), page)
                await uow.audit_log.list(home, page)
                await uow.audit_log.list(home, page, actor_id=uuid4())
                await uow.audit_log.list(home, page, target_id="x")
                await uow.deliveries.list_failed(home, page)
                await uow.allow_list.list(home, page)
                await uow.workspaces.list(page)
                await uow.memberships.list(uuid4(), page)
            await uow.messages.recent(uuid4(), 10)
            await uow.channels.list(home)
            await uow.login_challenges.latest_for(phone(1))
            await uow.conversations.latest_for(home, uuid4(), Channel.WHATSAPP)
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
        async with engine.connect() as connection:
            for statement, parameters in statements:
                explain = "EXPLAIN QUERY PLAN " + statement
                plan = await connection.exec_driver_sql(explain, parameters)
                steps = " | ".join(str(row[-1]) for row in plan)
                assert "USING INDEX" in steps or "USING COVERING INDEX" in steps, (statement, steps)
                assert "TEMP B-TREE" not in steps, (statement, steps)
                assert not steps.startswith("SCAN"), (statement, steps)
    finally:
        await engine.dispose()
    assert len(statements) == 26


async def test_sqlite_finds_pipeline_rows_through_their_own_index(
    tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    """The worker's lookups stay cheap with millions of messages: each seeks its own index.

    The pending queue is a partial index, which SQLite uses only when the query repeats its
    condition literally: a bound parameter there would silently scan the whole table.
    """
    engine = create_engine(await migrated_sqlite(tmp_path))
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE")):
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    expected = [
        "ix_messages_pending_created_at_id",
        "ux_messages_reply_to_id",
        "ux_message_deliveries_external_id",
        "sqlite_autoindex_message_deliveries_2",  # UNIQUE (message_id, part); _1 is the key
        # UNIQUE (provider, account, provider_user_id), with an account and without one
        "sqlite_autoindex_whatsapp_identities_2",
        "sqlite_autoindex_whatsapp_identities_2",
        "ix_whatsapp_identities_parent_user_id_created_at_id",
    ]
    try:
        async with SqlUnitOfWorkFactory(engine, cipher)() as uow:
            await uow.messages.pending_processing(10)
            await uow.messages.reply_to(uuid4())
            await uow.deliveries.get_by_external_id("wamid.x")
            await uow.deliveries.for_message(uuid4())
            await uow.identities.find(Provider.WHATSAPP_CLOUD, "1", "US.1")
            await uow.identities.find(Provider.WHATSAPP_CLOUD, None, "US.1")
            await uow.identities.with_parent(Provider.WHATSAPP_CLOUD, "US.ENT.1")
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
        assert len(statements) == len(expected)
        async with engine.connect() as connection:
            for (statement, parameters), index in zip(statements, expected, strict=True):
                explain = "EXPLAIN QUERY PLAN " + statement
                plan = await connection.exec_driver_sql(explain, parameters)
                steps = " | ".join(str(row[-1]) for row in plan)
                assert f"INDEX {index}" in steps, (statement, steps)
                assert "TEMP B-TREE" not in steps, (statement, steps)
    finally:
        await engine.dispose()


def test_the_template_database_is_a_plain_sqlite_file(tmp_path: Path) -> None:
    url = asyncio.run(migrated_sqlite(tmp_path))
    connection = sqlite3.connect(url.split("///", 1)[1])
    try:
        listed = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {row[0] for row in listed}
    finally:
        connection.close()
    assert {table.name for table in metadata.sorted_tables} <= tables


# The tables as revision 0001 left them, for writing rows the way that version did.
_USERS_0001 = table(
    "users",
    column("id", Uuid()),
    column("phone_number_encrypted", LargeBinary()),
    column("phone_lookup", String()),
    column("name", String()),
    column("is_admin", Boolean()),
    column("is_active", Boolean()),
    column("created_at", UtcDateTime()),
    column("updated_at", UtcDateTime()),
)
_CONVERSATIONS_0001 = table(
    "conversations",
    column("id", Uuid()),
    column("user_id", Uuid()),
    column("channel", String()),
    column("created_at", UtcDateTime()),
    column("updated_at", UtcDateTime()),
)
_MESSAGES_0001 = table(
    "messages",
    column("id", Uuid()),
    column("conversation_id", Uuid()),
    column("user_id", Uuid()),
    column("author", String()),
    column("content", Text()),
    column("channel", String()),
    column("whatsapp_message_id", String()),
    column("created_at", UtcDateTime()),
)


_CHUNKS_BEFORE_0017 = table(
    "document_chunks",
    column("user_id", Uuid()),
    column("file_id", Uuid()),
    column("file_name", Text()),
    column("ordinal", Integer()),
    column("text", Text()),
    column("search_text", Text()),
)
"""The passages' columns every revision from 0005 to 0016 has (0017 renames `user_id`)."""


async def _home(engine: AsyncEngine) -> UUID:
    """The default workspace's id, read in the columns every revision from 0011 has (the
    repository reads today's, which an older schema lacks)."""
    async with engine.connect() as connection:
        found = await connection.execute(text("SELECT id FROM workspaces WHERE slug = 'default'"))
        return UUID(str(found.scalar_one()))


async def _add_workspace_before_0019(engine: AsyncEngine, added: Workspace) -> None:
    """A workspace's row in the columns `workspaces` has from 0011 to 0018 (no template)."""
    row = {
        "id": added.id,
        "slug": added.slug,
        "name": added.name,
        "assistant": {},
        "access": None if added.access is None else added.access.value,
        "created_at": added.created_at,
        "updated_at": added.updated_at,
    }
    async with engine.begin() as connection:
        await connection.execute(workspaces.insert().values(row))


def _file_row_before_0017(file: UserFile) -> dict[str, Any]:
    """A file's row in the columns `user_files` has from 0012 to 0016 (no `uploaded_by`)."""
    return {
        "id": file.id,
        "workspace_id": file.workspace_id,
        "user_id": file.user_id,
        "file_name": file.file_name,
        "file_path": file.file_path,
        "file_type": file.file_type,
        "file_size": file.file_size,
        "created_at": file.created_at,
        "openai_sync_status": file.sync_status.value,
        "openai_file_id": file.remote_file_id,
        "openai_vector_store_id": file.remote_store_id,
        "openai_uploaded_at": file.remote_uploaded_at,
    }


def _old_user_row(user: User, cipher: FixedKeyPhoneCipher) -> dict[str, Any]:
    """A member as the users table of every revision keeps them (an active non-admin)."""
    return {
        "id": user.id,
        "phone_number_encrypted": cipher.encrypt(phone_of(user)),
        "phone_lookup": cipher.lookup_key(phone_of(user)),
        "name": user.name,
        "is_admin": False,
        "is_active": True,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


S = TypeVar("S", bound=msgspec.Struct)


def _in(workspace_id: UUID, item: S) -> S:
    """`item` as a migration that gave its row a workspace reads it back: in `workspace_id`."""
    return msgspec.structs.replace(item, workspace_id=workspace_id)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_at_0001(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, migrated to revision 0001 only."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'at-0001.db'}"
        upgrade_database(url, "0001")
        yield url
        return
    url = postgres_database_or_skip("0001")
    try:
        yield url
    finally:
        drop_postgres_database(url)


async def test_upgrading_a_0001_database_keeps_its_rows_and_downgrading_keeps_them_too(
    database_at_0001: str, cipher: FixedKeyPhoneCipher
) -> None:
    url = database_at_0001
    owner = user(1, name="Ana")
    # Their workspace is the default one, which only migration 0011 makes: known after upgrading.
    chat = conversation(owner, uuid4(), channel=Channel.WHATSAPP)
    old = [
        message(chat, created=n, channel=Channel.WHATSAPP, external_message_id=f"wamid.{n}")
        for n in range(3)
    ]
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(_USERS_0001.insert(), _old_user_row(owner, cipher))
            await connection.execute(
                _CONVERSATIONS_0001.insert(),
                {
                    "id": chat.id,
                    "user_id": owner.id,
                    "channel": chat.channel.value,
                    "created_at": chat.created_at,
                    "updated_at": chat.updated_at,
                },
            )
            await connection.execute(
                _MESSAGES_0001.insert(),
                [
                    {
                        "id": m.id,
                        "conversation_id": chat.id,
                        "user_id": owner.id,
                        "author": m.author.value,
                        "content": m.content,
                        "channel": m.channel.value,
                        "whatsapp_message_id": m.external_message_id,
                        "created_at": m.created_at,
                    }
                    for m in old
                ],
            )
        await engine.dispose()

        upgrade_database(url)
        assert current_revision(url) == head_revision()
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        uow_factory = SqlUnitOfWorkFactory(engine, cipher)
        home = await _home(engine)
        chat, old = _in(home, chat), [_in(home, m) for m in old]
        async with uow_factory() as uow:
            assert await uow.users.get(owner.id) == owner
            for m in old:
                assert await uow.messages.get(m.id) == m
            assert await uow.messages.pending_processing(10) == []
        # The new columns and table work on the upgraded database, cascades included.
        pending = msgspec.structs.replace(
            old[0], processing=ProcessingState.PENDING, media=MediaRef(mime_type="image/png")
        )
        answer = message(chat, created=9, author=Author.ASSISTANT, reply_to_id=old[0].id)
        part = delivery(answer, status=DeliveryStatus.FAILED, external_id="wamid.out")
        async with uow_factory() as uow:
            await uow.messages.update(pending)
            await uow.identities.add(builders.identity(owner, "ES.1"))
            await uow.commit()
        await store(uow_factory, answer, part)
        async with uow_factory() as uow:
            assert await uow.messages.pending_processing(10) == [old[0].id]
            assert await uow.messages.reply_to(old[0].id) == answer
            assert await uow.deliveries.get_by_external_id("wamid.out") == part
        await engine.dispose()

        # Back to 0001: the rows 0001 knows stay; what only 0002 knows goes.
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0001")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert "message_deliveries" not in names
            count = (await connection.execute(text("SELECT count(*) FROM messages"))).scalar()
            assert count == len(old) + 1
            if engine.dialect.name == "sqlite":
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        await engine.dispose()

        upgrade_database(url)
        # A new default workspace, as 0011 makes one again.
        home = await _home(engine)
        async with uow_factory() as uow:
            assert await uow.messages.get(old[0].id) == _in(home, old[0])
            assert await uow.messages.get(answer.id) == msgspec.structs.replace(
                answer, reply_to_id=None, workspace_id=home
            )
            assert await uow.deliveries.for_message(answer.id) == []
            assert await uow.users.get(owner.id) == owner
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_at_0002(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, migrated to revision 0002 only."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'at-0002.db'}"
        upgrade_database(url, "0002")
        yield url
        return
    url = postgres_database_or_skip("0002")
    try:
        yield url
    finally:
        drop_postgres_database(url)


async def test_the_allow_list_comes_with_0003_and_goes_without_touching_members(
    database_at_0002: str, cipher: FixedKeyPhoneCipher
) -> None:
    url = database_at_0002
    owner = user(1, name="Ana")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    try:
        await store(uow_factory, owner)
        await engine.dispose()

        upgrade_database(url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        entry = allowed(2, await _home(engine), note="Luis", added_by=owner.id)
        await store(uow_factory, entry)
        async with uow_factory() as uow:
            assert await uow.allow_list.get(entry.workspace_id, entry.id) == entry
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0002")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert "allowed_numbers" not in names
        async with uow_factory() as uow:
            assert await uow.users.get(owner.id) == owner
    finally:
        await engine.dispose()


RECEIVED = datetime(2026, 12, 1, tzinfo=UTC)


async def database_at(backend: str, tmp_path: Path, revision: str) -> str:
    """A new database of `backend` (`sqlite` or `postgres`) migrated up to `revision` only."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / f'at-{revision}.db'}"
        await asyncio.to_thread(upgrade_database, url, revision)
        return url
    return await asyncio.to_thread(postgres_database_or_skip, revision)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_webhook_deliveries_kept_as_meta_take_the_provider_s_one_name(
    backend: str, tmp_path: Path
) -> None:
    url = await database_at(backend, tmp_path, "0009")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for provider in ("meta", "twilio"):
                await connection.execute(
                    webhook_inbox.insert().values(
                        id=uuid4(), provider=provider, body=b"{}", received_at=RECEIVED
                    )
                )
        await asyncio.to_thread(upgrade_database, url, "0010")
        providers = text("SELECT provider FROM webhook_inbox ORDER BY provider")
        async with engine.connect() as connection:
            assert (await connection.execute(providers)).scalars().all() == [
                "twilio",
                "whatsapp_cloud",
            ]
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0009")
        async with engine.connect() as connection:
            assert (await connection.execute(providers)).scalars().all() == ["meta", "twilio"]
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0011_moves_every_user_into_the_default_workspace_with_their_role(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0010")
    boss = user(1, name="Ana", is_admin=True, created=-50)
    member = user(2, name="Luis", created=-20)
    gone = user(3, is_active=False, created=-10)
    # More than the migration reads at once, so that its batches have to follow each other.
    crowd = [user(10 + n, created=n) for n in range(1_001)]
    everyone = [boss, member, gone, *crowd]
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                _USERS_0001.insert(),
                [
                    {
                        "id": person.id,
                        "phone_number_encrypted": b"sealed",
                        "phone_lookup": f"lookup-{person.id}",
                        "name": person.name,
                        "is_admin": person.is_admin,
                        "is_active": person.is_active,
                        "created_at": person.created_at,
                        "updated_at": person.updated_at,
                    }
                    for person in everyone
                ],
            )
        before = datetime.now(UTC)
        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            count = (await connection.execute(text("SELECT count(*) FROM users"))).scalar()
            assert count == len(everyone)
        async with SqlUnitOfWorkFactory(engine, cipher)() as uow:
            listed = await uow.workspaces.list(PageRequest(limit=10))
            assert len(listed.items) == 1
            default = listed.items[0]
            assert (default.slug, default.name) == ("default", "Action Lab")
            assert default.assistant == AssistantSettings(
                instructions=DEFAULT_WORKSPACE_INSTRUCTIONS
            )
            assert default.access is None
            assert before <= default.created_at == default.updated_at <= datetime.now(UTC)
            assert sorted(await uow.memberships.user_ids(default.id)) == sorted(
                person.id for person in everyone
            )
            roles: dict[UUID, WorkspaceRole] = {}
            for person in (boss, member, gone, crowd[0], crowd[-1]):
                joined = await uow.memberships.get(default.id, person.id)
                assert joined is not None
                assert joined.created_at == person.created_at
                roles[person.id] = joined.role
            assert roles == {
                boss.id: WorkspaceRole.ADMIN,
                member.id: WorkspaceRole.MEMBER,
                gone.id: WorkspaceRole.MEMBER,
                crowd[0].id: WorkspaceRole.MEMBER,
                crowd[-1].id: WorkspaceRole.MEMBER,
            }
            assert await uow.memberships.lock_admins(default.id) == {boss.id}
            assert [j.workspace for j in await uow.workspaces.of_user(member.id)] == [default]
        await engine.dispose()

        # Back to 0010: the workspaces go, the users stay.
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0010")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert not names & {"workspaces", "workspace_members"}
            count = (await connection.execute(text("SELECT count(*) FROM users"))).scalar()
            assert count == len(everyone)
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


_WORKSPACE_DATA = (
    "conversations",
    "messages",
    "message_deliveries",
    "user_files",
    "allowed_numbers",
    "audit_log",
)


def _columns(connection: Connection, table_name: str) -> dict[str, Any]:
    return {found["name"]: found for found in inspect(connection).get_columns(table_name)}


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0012_puts_every_row_in_the_default_workspace_and_going_back_keeps_them(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0011")
    owner = user(1, name="Ana")
    # In the default workspace, whose id 0011 draws: known once migrated.
    chat = conversation(owner, uuid4(), channel=Channel.WHATSAPP)
    asked = message(chat, created=1)
    answer = message(chat, created=2, author=Author.ASSISTANT, reply_to_id=asked.id)
    part = delivery(answer)
    file = user_file(owner, chat.workspace_id, conversation_id=chat.id, message_id=asked.id)
    listed = allowed(2, chat.workspace_id, note="Luis", added_by=owner.id)
    audited = entry(actor_id=owner.id, target_id=str(owner.id), details={"name": "Ana"})
    engine = create_engine(url)
    try:
        # The rows as 0011 knows them: every column but workspace_id.
        async with engine.begin() as connection:
            await connection.execute(_USERS_0001.insert(), _old_user_row(owner, cipher))
            rows: list[tuple[Any, dict[str, Any]]] = [
                (
                    conversations,
                    {
                        "id": chat.id,
                        "user_id": owner.id,
                        "channel": chat.channel.value,
                        "created_at": chat.created_at,
                        "updated_at": chat.updated_at,
                    },
                ),
                *(
                    (
                        messages,
                        {
                            "id": m.id,
                            "conversation_id": chat.id,
                            "user_id": owner.id,
                            "author": m.author.value,
                            "content": m.content,
                            "reply_to_id": m.reply_to_id,
                            "created_at": m.created_at,
                        },
                    )
                    for m in (asked, answer)
                ),
                (
                    message_deliveries,
                    {
                        "id": part.id,
                        "message_id": answer.id,
                        "part": part.part,
                        "content": part.content,
                        "created_at": part.created_at,
                        "updated_at": part.updated_at,
                    },
                ),
                (
                    user_files,
                    {
                        "id": file.id,
                        "user_id": owner.id,
                        "file_name": file.file_name,
                        "file_path": file.file_path,
                        "file_type": file.file_type,
                        "file_size": file.file_size,
                        "conversation_id": chat.id,
                        "message_id": asked.id,
                        "created_at": file.created_at,
                    },
                ),
                (
                    _CHUNKS_BEFORE_0017,
                    {
                        "user_id": owner.id,
                        "file_id": file.id,
                        "file_name": file.file_name,
                        "ordinal": 0,
                        "text": "The budget",
                        "search_text": "the budget",
                    },
                ),
                (
                    allowed_numbers,
                    {
                        "id": listed.id,
                        "phone_number_encrypted": cipher.encrypt(listed.phone),
                        "phone_lookup": cipher.lookup_key(listed.phone),
                        "note": listed.note,
                        "added_by": owner.id,
                        "created_at": listed.created_at,
                    },
                ),
                (
                    audit_log,
                    {
                        "id": audited.id,
                        "actor_id": owner.id,
                        "action": audited.action,
                        "target_type": audited.target_type,
                        "target_id": audited.target_id,
                        "details": audited.details,
                        "created_at": audited.created_at,
                    },
                ),
            ]
            for table_, values in rows:
                await connection.execute(table_.insert().values(**values))

        async def counted() -> dict[str, int]:
            async with engine.connect() as connection:
                return {
                    name: (
                        await connection.execute(select(func.count()).select_from(table(name)))
                    ).scalar_one()
                    for name in (*_WORKSPACE_DATA, "document_chunks")
                }

        async def intact() -> None:
            """Every row still there, the passage still found, no key pointing nowhere."""
            assert await counted() == {
                name: 1 for name in (*_WORKSPACE_DATA, "document_chunks")
            } | {"messages": 2}
            if backend == "sqlite":
                async with engine.connect() as connection:
                    found = await connection.exec_driver_sql(
                        "SELECT count(*) FROM document_chunks_fts "
                        "WHERE document_chunks_fts MATCH 'budget'"
                    )
                    assert found.scalar() == 1
                    problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                    assert problems.all() == []

        await intact()
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            for name in _WORKSPACE_DATA:
                # Filled through a default that is gone: a new row must name its workspace.
                column = (await connection.run_sync(_columns, name))["workspace_id"]
                assert column["default"] is None, name
        await intact()
        uow_factory = SqlUnitOfWorkFactory(engine, cipher)
        home = await _home(engine)
        async with uow_factory() as uow:
            assert await uow.users.get(owner.id) == owner
            # 0018: the window runs from the member's last message.
            assert await uow.conversations.get(home, chat.id) == msgspec.structs.replace(
                _in(home, chat), last_member_message_at=asked.created_at
            )
            assert await uow.messages.get(asked.id) == _in(home, asked)
            assert await uow.messages.get(answer.id) == _in(home, answer)
            assert await uow.deliveries.for_message(answer.id) == [_in(home, part)]
            # 0017: the member gave it.
            assert await uow.files.get(home, file.id) == msgspec.structs.replace(
                _in(home, file), uploaded_by=owner.id
            )
            assert await uow.allow_list.get(home, listed.id) == _in(home, listed)
            logged = await uow.audit_log.list(home, PageRequest(limit=10))
            assert logged.items == [_in(home, audited)]
        # The same number on another workspace's list, added later: going back keeps the oldest.
        lab = workspace(1)
        await _add_workspace_before_0019(engine, lab)
        await store(uow_factory, allowed(2, lab.id, created=5))
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0011")
        async with engine.connect() as connection:
            for name in _WORKSPACE_DATA:
                assert "workspace_id" not in await connection.run_sync(_columns, name), name
            kept = await connection.execute(text("SELECT id FROM allowed_numbers"))
            assert [UUID(str(row[0])) for row in kept] == [listed.id]
            unique = await connection.run_sync(
                lambda c: inspect(c).get_unique_constraints("allowed_numbers")
            )
            assert [u["column_names"] for u in unique] == [["phone_lookup"]]
        await intact()
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_workspace_channels_come_with_0014_go_with_their_workspace_and_go_back_cleanly(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0013")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    lab = workspace(1)
    try:
        await _add_workspace_before_0019(engine, lab)
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        home = await _home(engine)
        ours = channel(1, home, label="Front desk", display_number=phone(1))
        theirs = channel(2, lab.id, Provider.TWILIO)
        await store(uow_factory, ours, theirs)
        async with uow_factory() as uow:
            assert await uow.channels.list(home) == [ours]
            assert await uow.channels.find(Provider.TWILIO, theirs.address) == theirs

        # A workspace's numbers go with it (ON DELETE CASCADE), and only its own.
        async with engine.begin() as connection:
            await connection.execute(workspaces.delete().where(workspaces.c.id == lab.id))
        async with uow_factory() as uow:
            assert await uow.channels.find(Provider.TWILIO, theirs.address) is None
            assert await uow.channels.list(home) == [ours]
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0013")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            if backend == "sqlite":
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        assert "workspace_channels" not in names
        assert current_revision(url) == "0013"
        assert await _home(engine) == home
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0016_gives_each_passage_its_file_s_workspace_and_resyncs_remote_copies(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0015")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    ana, lab = user(1, name="Ana"), workspace(1)
    try:
        home = await _home(engine)
        # Synced before 0016: one with a copy in Ana's OpenAI vector store, one without.
        uploaded = user_file(
            ana,
            home,
            file_name="board.txt",
            sync_status=SyncStatus.SYNCED,
            remote_file_id="file-1",
            remote_store_id="vs_ana",
            remote_uploaded_at=at(1),
        )
        local = user_file(ana, lab.id, file_name="rota.txt", sync_status=SyncStatus.SYNCED)
        pending = user_file(ana, lab.id, file_name="new.txt")
        await store(uow_factory, ana)
        await _add_workspace_before_0019(engine, lab)
        async with engine.begin() as connection:
            for file in (uploaded, local, pending):
                await connection.execute(user_files.insert().values(_file_row_before_0017(file)))
            for file, words in ((uploaded, "merger acme"), (local, "food bank rota")):
                for ordinal, word in enumerate(words.split()):
                    await connection.execute(
                        text(
                            "INSERT INTO document_chunks"
                            " (user_id, file_id, file_name, ordinal, text, search_text)"
                            " VALUES (:user_id, :file_id, :name, :ordinal, :text, :text)"
                        ).bindparams(
                            bindparam("user_id", type_=Uuid()), bindparam("file_id", type_=Uuid())
                        ),
                        {
                            "user_id": ana.id,
                            "file_id": file.id,
                            "name": file.file_name,
                            "ordinal": ordinal,
                            "text": word,
                        },
                    )
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            column = (await connection.run_sync(_columns, "document_chunks"))["workspace_id"]
            assert column["nullable"] is False
            placed = await connection.execute(
                select(document_chunks.c.file_id, document_chunks.c.workspace_id)
            )
            assert {(row.file_id, row.workspace_id) for row in placed} == {
                (uploaded.id, home),
                (local.id, lab.id),
            }
        index = SqlDocumentIndex(engine)
        assert [p.file_id for p in await index.search(home, ana.id, "acme")] == [uploaded.id]
        assert await index.search(lab.id, ana.id, "acme") == []
        assert [p.file_id for p in await index.search(lab.id, ana.id, "rota")] == [local.id]
        assert await index.search(home, ana.id, "rota") == []
        # The rebuilt table's triggers keep the full-text index in step.
        await index.index(
            IndexedFile(
                workspace_id=lab.id,
                user_id=ana.id,
                file_id=pending.id,
                file_name=pending.file_name,
                media_type="text/plain",
                chunks=[Chunk(ordinal=0, text="Volunteers on Saturday")],
            )
        )
        assert [p.file_id for p in await index.search(lab.id, ana.id, "saturday")] == [pending.id]
        await index.remove(lab.id, ana.id, local.id)
        assert await index.search(lab.id, ana.id, "rota") == []
        if backend == "sqlite":
            async with engine.begin() as connection:
                # Raises if the FTS5 index holds anything its content table does not.
                await connection.exec_driver_sql(
                    "INSERT INTO document_chunks_fts (document_chunks_fts, rank)"
                    " VALUES ('integrity-check', 1)"
                )
        # The OpenAI copy carries no workspace attribute: it is to be uploaded again.
        async with uow_factory() as uow:
            kept = [await uow.files.find(file.id) for file in (uploaded, local)]
            due = await uow.files.needing_sync(10, uploaded_before=None)
        assert [file.sync_status for file in kept if file] == [
            SyncStatus.EXPIRED,
            SyncStatus.SYNCED,
        ]
        assert set(due) == {uploaded.id, pending.id}
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0015")
        async with engine.connect() as connection:
            assert "workspace_id" not in await connection.run_sync(_columns, "document_chunks")
            indexes = await connection.run_sync(
                lambda c: {i["name"] for i in inspect(c).get_indexes("document_chunks")}
            )
            assert "ix_document_chunks_user_id_file_id" in indexes
            assert "ix_document_chunks_user_id_workspace_id" not in indexes
            if backend == "sqlite":
                found = await connection.exec_driver_sql(
                    "SELECT count(*) FROM document_chunks_fts"
                    " WHERE document_chunks_fts MATCH 'acme OR saturday'"
                )
                assert found.scalar() == 2
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        assert current_revision(url) == "0015"
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0017_makes_room_for_knowledge_documents_and_going_back_keeps_members_files(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0016")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    ana, luis = user(1, name="Ana"), user(2, name="Luis")
    try:
        home = await _home(engine)
        mine = user_file(luis, home, file_name="rota.txt", sync_status=SyncStatus.SYNCED)
        await store(uow_factory, ana, luis)
        async with engine.begin() as connection:
            await connection.execute(user_files.insert().values(_file_row_before_0017(mine)))
            await connection.execute(
                text(
                    "INSERT INTO document_chunks"
                    " (user_id, workspace_id, file_id, file_name, ordinal, text, search_text)"
                    " VALUES (:user_id, :workspace_id, :file_id, :name, 0, :text, :text)"
                ).bindparams(
                    bindparam("user_id", type_=Uuid()),
                    bindparam("workspace_id", type_=Uuid()),
                    bindparam("file_id", type_=Uuid()),
                ),
                {
                    "user_id": luis.id,
                    "workspace_id": home,
                    "file_id": mine.id,
                    "name": mine.file_name,
                    "text": "food bank rota",
                },
            )
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert (await connection.run_sync(_columns, "user_files"))["user_id"]["nullable"]
        index = SqlDocumentIndex(engine)
        found = await index.search(home, luis.id, "rota")
        assert [(p.file_id, p.knowledge) for p in found] == [(mine.id, False)]
        async with uow_factory() as uow:
            assert await uow.files.get(home, mine.id) == msgspec.structs.replace(
                mine, uploaded_by=luis.id
            )
        # A knowledge document Ana uploads is found by Luis, and outlives Ana's account.
        handbook = msgspec.structs.replace(
            user_file(luis, home, file_name="handbook.txt"), user_id=None, uploaded_by=ana.id
        )
        await store(uow_factory, handbook)
        await index.index(
            IndexedFile(
                workspace_id=home,
                user_id=None,
                file_id=handbook.id,
                file_name=handbook.file_name,
                media_type="text/plain",
                chunks=[Chunk(ordinal=0, text="The food bank opens on Saturdays")],
            )
        )
        found = await index.search(home, luis.id, "food bank")
        assert {(p.file_id, p.knowledge) for p in found} == {(mine.id, False), (handbook.id, True)}
        async with uow_factory() as uow:
            await uow.users.delete(ana.id)
            await uow.commit()
        async with uow_factory() as uow:
            kept = await uow.files.get(home, handbook.id)
        assert kept is not None
        assert kept.uploaded_by is None
        await engine.dispose()

        # Going back: the knowledge document goes with its passages; Luis's file stays, found.
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0016")
        async with engine.connect() as connection:
            columns = await connection.run_sync(_columns, "user_files")
            assert "uploaded_by" not in columns
            assert columns["user_id"]["nullable"] is False
            assert "user_id" in await connection.run_sync(_columns, "document_chunks")
            files = await connection.execute(text("SELECT id FROM user_files"))
            assert [UUID(str(row[0])) for row in files] == [mine.id]
            passages = await connection.execute(text("SELECT file_id FROM document_chunks"))
            assert [UUID(str(row[0])) for row in passages] == [mine.id]
            if backend == "sqlite":
                found_old = await connection.exec_driver_sql(
                    "SELECT count(*) FROM document_chunks_fts"
                    " WHERE document_chunks_fts MATCH 'rota OR saturdays'"
                )
                assert found_old.scalar() == 1
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        assert current_revision(url) == "0016"
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0018_and_0019_give_every_conversation_to_the_assistant_with_its_window(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0017")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    ana = user(1, name="Ana")
    chat, quiet = uuid4(), uuid4()
    wrote, answered = at(10), at(11)
    try:
        home = await _home(engine)
        await store(uow_factory, ana)
        typed = {
            name: bindparam(name, type_=Uuid())
            for name in ("id", "workspace_id", "user_id", "conversation_id")
        } | {name: bindparam(name, type_=UtcDateTime()) for name in ("created_at", "updated_at")}
        async with engine.begin() as connection:
            for conversation_id in (chat, quiet):
                await connection.execute(
                    text(
                        "INSERT INTO conversations"
                        " (id, workspace_id, user_id, title, channel, created_at, updated_at)"
                        " VALUES (:id, :workspace_id, :user_id, 'Chat', 'whatsapp',"
                        " :created_at, :updated_at)"
                    )
                    .bindparams(*(typed[n] for n in ("id", "workspace_id", "user_id")))
                    .bindparams(typed["created_at"], typed["updated_at"]),
                    {
                        "id": conversation_id,
                        "workspace_id": home,
                        "user_id": ana.id,
                        "created_at": at(0),
                        "updated_at": answered,
                    },
                )
            for author, moment in (("member", at(5)), ("member", wrote), ("assistant", answered)):
                await connection.execute(
                    text(
                        "INSERT INTO messages (id, workspace_id, conversation_id, user_id,"
                        " author, content, created_at)"
                        " VALUES (:id, :workspace_id, :conversation_id, :user_id, :author,"
                        " 'hola', :created_at)"
                    ).bindparams(
                        *(typed[n] for n in ("id", "workspace_id", "conversation_id", "user_id")),
                        typed["created_at"],
                    ),
                    {
                        "id": uuid4(),
                        "workspace_id": home,
                        "conversation_id": chat,
                        "user_id": ana.id,
                        "author": author,
                        "created_at": moment,
                    },
                )
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        async with uow_factory() as uow:
            found = await uow.conversations.get(home, chat)
            silent = await uow.conversations.get(home, quiet)
            workspace = await uow.workspaces.get(home)
        assert found is not None and silent is not None and workspace is not None
        assert (found.state, found.assignee_id, found.state_since) == (
            ConversationState.ASSISTANT,
            None,
            None,
        )
        # The window runs from the member's last message, not the assistant's.
        assert found.last_member_message_at == wrote
        assert silent.last_member_message_at is None
        assert workspace.reply_template is None
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0017")
        async with engine.connect() as connection:
            columns = await connection.run_sync(_columns, "conversations")
            assert not {"state", "assignee_id", "state_since", "last_member_message_at"} & set(
                columns
            )
            assert "sent_by" not in await connection.run_sync(_columns, "messages")
            assert "reply_template" not in await connection.run_sync(_columns, "workspaces")
            count = await connection.execute(text("SELECT count(*) FROM messages"))
            assert count.scalar() == 3
            if backend == "sqlite":
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        assert current_revision(url) == "0017"
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0021_keeps_summaries_with_their_conversation_and_goes_back_cleanly(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0020")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    ana, agent = user(1, name="Ana"), user(2, name="Agent")
    try:
        home = await _home(engine)
        kept, gone = conversation(ana, home), conversation(ana, home)
        said, said_too = message(kept), message(gone)
        await store(uow_factory, ana, agent, kept, gone)
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        # Stored at head: the repository writes the columns of later revisions too.
        await store(uow_factory, said, said_too)
        asked = summary(kept, said, requested_by=agent.id)
        await store(uow_factory, asked, summary(gone, said_too))
        async with uow_factory() as uow:
            assert await uow.summaries.latest(home, kept.id) == asked

        # A conversation's summaries go with it (ON DELETE CASCADE), and only its own; the
        # person who asked may leave, the summary still says a person asked.
        async with engine.begin() as connection:
            await connection.execute(conversations.delete().where(conversations.c.id == gone.id))
        async with uow_factory() as uow:
            await uow.users.delete(agent.id)
            await uow.commit()
        async with engine.connect() as connection:
            left = await connection.execute(text("SELECT id FROM conversation_summaries"))
            assert [UUID(str(row[0])) for row in left] == [asked.id]
        async with uow_factory() as uow:
            assert await uow.summaries.latest(home, kept.id) == asked
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0020")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            if backend == "sqlite":
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        assert "conversation_summaries" not in names
        assert current_revision(url) == "0020"
        async with uow_factory() as uow:
            assert await uow.conversations.get(home, kept.id) is not None
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0022_keeps_live_events_with_their_member_and_workspace_and_goes_back_cleanly(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0021")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    ana, luis = user(1), user(2)
    lab = workspace(1)
    try:
        await store(uow_factory, ana, luis, lab)
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        home = await _home(engine)
        chats = [conversation(ana, home), conversation(luis, home), conversation(ana, lab.id)]
        async with uow_factory() as uow:
            for chat in chats:
                await uow.events.append(WorkspaceEvent.message_added(message(chat), at(1)))
            await uow.commit()
        async with uow_factory(read_only=True) as uow:
            assert [e.id for e in await uow.events.after(None, 0, 10)] == [1, 2, 3]

        # A member's events go with them, a workspace's with it (ON DELETE CASCADE).
        async with uow_factory() as uow:
            await uow.users.delete(luis.id)
            await uow.commit()
        async with engine.begin() as connection:
            await connection.execute(workspaces.delete().where(workspaces.c.id == lab.id))
        async with uow_factory(read_only=True) as uow:
            left = await uow.events.after(None, 0, 10)
        assert [(e.id, e.conversation_id) for e in left] == [(1, chats[0].id)]
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0021")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            if backend == "sqlite":
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        assert "workspace_events" not in names
        assert current_revision(url) == "0021"
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0023_gives_messages_their_edits_and_deletions_and_goes_back_without_them(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0022")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    ana = user(1, name="Ana")
    try:
        home = await _home(engine)
        chat = conversation(ana, home, channel=Channel.WHATSAPP)
        await store(uow_factory, ana, chat)
        question, answer, secret = uuid4(), uuid4(), uuid4()
        typed = [
            bindparam(name, type_=Uuid())
            for name in ("id", "workspace_id", "conversation_id", "user_id", "reply_to_id")
        ] + [bindparam("created_at", type_=UtcDateTime())]
        async with engine.begin() as connection:
            for message_id, author, content, reply_to, moment in (
                (question, "member", "What time do you open?", None, at(1)),
                (answer, "assistant", "At nine.", question, at(2)),
                (secret, "member", "My password is hunter2", None, at(3)),
            ):
                await connection.execute(
                    text(
                        "INSERT INTO messages (id, workspace_id, conversation_id, user_id,"
                        " author, content, channel, reply_to_id, created_at)"
                        " VALUES (:id, :workspace_id, :conversation_id, :user_id, :author,"
                        " :content, 'whatsapp', :reply_to_id, :created_at)"
                    ).bindparams(*typed),
                    {
                        "id": message_id,
                        "workspace_id": home,
                        "conversation_id": chat.id,
                        "user_id": ana.id,
                        "author": author,
                        "content": content,
                        "reply_to_id": reply_to,
                        "created_at": moment,
                    },
                )
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        async with uow_factory() as uow:
            asked = await uow.messages.get(question)
            first = await uow.messages.reply_to(question)
            said = await uow.messages.get(secret)
            assert asked is not None and first is not None and said is not None
            # Everything so far is as first sent, answered at revision 0.
            assert (asked.revision, asked.original_text, asked.edited_at) == (0, None, None)
            assert (first.id, first.revision, said.revoked_at) == (answer, 0, None)
            edited, _ = asked.edited("Where are you?", at=at(4), answered=True)
            await uow.messages.revise(edited)
            await uow.messages.revise(said.revoked(at(5)))
            again = Message.answer(edited, id=uuid4(), content="In Sevilla.", at=at(6))
            await uow.messages.add(again)
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.messages.reply_to(question) == again
            with pytest.raises(Conflict):
                await uow.messages.add(msgspec.structs.replace(again, id=uuid4()))
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0022")
        async with engine.connect() as connection:
            columns = await connection.run_sync(_columns, "messages")
            assert not {"original_text", "edited_at", "revision", "revoked_at"} & set(columns)
            rows = await connection.execute(text("SELECT id, content, reply_to_id FROM messages"))
            kept = {UUID(str(row[0])): (row[1], row[2] and UUID(str(row[2]))) for row in rows}
            if backend == "sqlite":
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        # The edit stays as the words; the deletion takes them; one answer per message again.
        assert kept == {
            question: ("Where are you?", None),
            answer: ("At nine.", question),
            secret: ("", None),
            again.id: ("In Sevilla.", None),
        }
        assert current_revision(url) == "0022"
        async with engine.connect() as connection:
            with pytest.raises(IntegrityError):
                await connection.execute(
                    text(
                        "UPDATE messages SET reply_to_id = :question WHERE id = :again"
                    ).bindparams(
                        bindparam("question", type_=Uuid()), bindparam("again", type_=Uuid())
                    ),
                    {"question": question, "again": again.id},
                )
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0024_keeps_message_logins_with_their_workspace_and_people_and_goes_back_cleanly(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0023")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    ana, luis = user(1), user(2)
    lab = workspace(1)
    try:
        await store(uow_factory, ana, luis, lab)
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        home = await _home(engine)

        def started(workspace_id: UUID, code: str, account: User | None = None) -> MessageLogin:
            return MessageLogin.started(
                id=uuid4(),
                workspace_id=workspace_id,
                code_hash=f"code-{code}",
                browser_token_hash=f"browser-{code}",
                device="Firefox on Windows",
                now=at(0),
                account_id=account.id if account else None,
            )

        waiting, claimed, linked, elsewhere = (
            started(home, "111111"),
            started(home, "222222"),
            started(home, "333333", account=ana),
            started(lab.id, "111111"),
        )
        async with uow_factory() as uow:
            for login in (waiting, claimed, linked, elsewhere):
                await uow.message_logins.add(login)
            assert await uow.message_logins.replace(claimed, claimed.claimed_by(luis.id, at(1)))
            await uow.commit()

        # A login goes with the person who sent its code, a link with its account, and every
        # login with its workspace (ON DELETE CASCADE).
        async with uow_factory() as uow:
            await uow.users.delete(luis.id)
            await uow.users.delete(ana.id)
            await uow.commit()
        async with engine.begin() as connection:
            await connection.execute(workspaces.delete().where(workspaces.c.id == lab.id))
        async with uow_factory(read_only=True) as uow:
            assert await uow.message_logins.get(waiting.id) == waiting
            for gone in (claimed, linked, elsewhere):
                assert await uow.message_logins.get(gone.id) is None
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0023")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            if backend == "sqlite":
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        assert "message_logins" not in names
        assert current_revision(url) == "0023"
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0025_gives_numbers_a_link_only_gateway_numbers_use_and_goes_back_without_them(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0024")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    try:
        home = await _home(engine)
        twilio = channel(1, home, Provider.TWILIO, label="Front desk")
        async with engine.begin() as connection:
            await connection.execute(
                workspace_channels.insert().values(
                    {
                        name: value
                        for name, value in msgspec.structs.asdict(twilio).items()
                        if name != "connection"
                    }
                    | {"provider": "twilio"}
                )
            )
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        linked = NumberLink.pairing("2@AbC,xyz==,1", at(3))
        gateway = channel(2, home, Provider.WHATSAPP_GATEWAY, created=1, connection=linked)
        await store(uow_factory, gateway)
        async with uow_factory() as uow:
            assert await uow.channels.list(home) == [twilio, gateway]
        await engine.dispose()

        # The older code knows no gateway: its numbers go, the others stay as they were.
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0024")
        async with engine.connect() as connection:
            columns = await connection.run_sync(lambda c: _columns(c, "workspace_channels"))
            providers = await connection.execute(
                text("SELECT provider, label FROM workspace_channels")
            )
            assert providers.all() == [("twilio", "Front desk")]
        assert "connection" not in columns
        assert current_revision(url) == "0024"
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


_MESSAGE_COLUMNS_0025 = {column.name for column in messages.columns} - {"answered_by_id"}
"""`messages` up to 0028: what 0029 adds is not there yet."""

_USERS_0002 = table(
    "users",
    *(column(c.name, c.type) for c in _USERS_0001.columns),
    column("whatsapp_user_id", String()),
)
"""`users` from 0002 to 0025: the BSUID, where Meta sent one, in `whatsapp_user_id`."""


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0026_moves_whatsapp_ids_into_identities_and_lets_a_member_have_no_number(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0025")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    bsuid = "US.13491208655302741918"
    ana, luis, eva = user(1, name="Ana"), user(2, created=1), user(3, created=2)
    try:
        home = await _home(engine)
        async with engine.begin() as connection:
            for person, kept in ((ana, bsuid), (luis, None), (eva, "not an id!")):
                row = _old_user_row(person, cipher) | {"whatsapp_user_id": kept}
                await connection.execute(_USERS_0002.insert(), row)
        chat = conversation(ana, home)
        said = message(chat)
        await store(uow_factory, chat)
        async with engine.begin() as connection:
            # As the code of 0025 stores it: without the columns of later revisions.
            await connection.execute(
                messages.insert().values(
                    {
                        name: value
                        for name, value in MESSAGE_FIELDS.insert_values(said).items()
                        if name in _MESSAGE_COLUMNS_0025
                    }
                )
            )
        await engine.dispose()

        await asyncio.to_thread(upgrade_database, url)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        async with uow_factory() as uow:
            moved_ids = await uow.identities.of_users([ana.id, luis.id, eva.id])
            # Rebuilding `users` (SQLite) took nothing that refers to it along.
            assert await uow.messages.get(said.id) == said
            assert await uow.users.get_many([ana.id, luis.id, eva.id]) == {
                person.id: person for person in (ana, luis, eva)
            }
        # Unscoped (no account was recorded), from when the member was; a value no BSUID could
        # be stays behind.
        assert list(moved_ids) == [ana.id]
        (moved,) = moved_ids[ana.id]
        assert (moved.provider, moved.account, moved.provider_user_id) == (
            Provider.WHATSAPP_CLOUD,
            None,
            bsuid,
        )
        assert moved.created_at == ana.created_at
        hidden = user(4, phone=None, name="Username only")
        await store(uow_factory, hidden, builders.identity(luis, "US.2", account="999"))
        await engine.dispose()
        # Back to 0026 first, what later revisions added gone (PostgreSQL rolls a failed
        # downgrade back whole, SQLite step by step).
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0026")

        # Going back needs every member to have a number: it says so, and changes nothing.
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0026")
        with pytest.raises(RuntimeError, match="1 have none"):
            await asyncio.to_thread(command.downgrade, alembic_config(url), "0025")
        assert current_revision(url) == "0026"
        async with uow_factory() as uow:
            await uow.users.delete(hidden.id)
            await uow.commit()
        await engine.dispose()
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0025")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            ids = await connection.execute(select(_USERS_0002.c.id, _USERS_0002.c.whatsapp_user_id))
            back = {UUID(str(row[0])): row[1] for row in ids}
            if backend == "sqlite":
                problems = await connection.exec_driver_sql("PRAGMA foreign_key_check")
                assert problems.all() == []
        assert "whatsapp_identities" not in names
        assert back == {ana.id: bsuid, luis.id: "US.2", eva.id: None}
        assert current_revision(url) == "0025"
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0029_adds_workflow_steps_and_answers_and_goes_back_without_them(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, "0028")
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    ana = user(1, name="Ana")
    try:
        home = await _home(engine)
        await store(uow_factory, ana)
        await engine.dispose()
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0029")
        steps = Workflow(steps=(WorkflowStep(key="email", prompt="Ask.", kind=StepKind.EMAIL),))
        async with uow_factory() as uow:
            assert await uow.workflows.get(home) == Workflow()
            await uow.workflows.replace(home, steps, at(1))
            await uow.workflows.set_answer(
                home, ana.id, steps.answer("email", "ana@example.org", by=None, at=at(2))
            )
            await uow.commit()
        async with uow_factory() as uow:
            assert await uow.workflows.get(home) == steps
            assert (await uow.workflows.progress(home, ana.id)).qualified(steps)
        await engine.dispose()

        await asyncio.to_thread(command.downgrade, alembic_config(url), "0028")
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert not {"workspace_workflows", "workflow_answers"} & names
        assert current_revision(url) == "0028"
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)


_BEFORE_0030 = "0029"
"""The revision 0030 follows."""


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
async def test_0030_marks_messages_answered_with_their_burst_and_goes_back_without_it(
    backend: str, tmp_path: Path, cipher: FixedKeyPhoneCipher
) -> None:
    url = await database_at(backend, tmp_path, _BEFORE_0030)
    engine = create_engine(url)
    uow_factory = SqlUnitOfWorkFactory(engine, cipher)
    try:
        await engine.dispose()
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0030")
        async with engine.connect() as connection:
            assert "answered_by_id" in await connection.run_sync(lambda c: _columns(c, "messages"))
        home = await _home(engine)
        owner = user(1)
        chat = conversation(owner, home)
        first = message(chat, processing=ProcessingState.PENDING, external_message_id="wamid.1")
        last = message(
            chat, created=1, processing=ProcessingState.PENDING, external_message_id="wamid.2"
        )
        answer = message(chat, created=2, author=Author.ASSISTANT, reply_to_id=last.id)
        await store(uow_factory, owner, chat, first.answered_with(answer.id), last, answer)
        async with uow_factory() as uow:
            stored = await uow.messages.get(first.id)
        assert stored is not None and stored.answered_by_id == answer.id
        await engine.dispose()

        # Going back: the mark goes, the message stays done (it was answered).
        await asyncio.to_thread(command.downgrade, alembic_config(url), _BEFORE_0030)
        async with engine.connect() as connection:
            columns = await connection.run_sync(lambda c: _columns(c, "messages"))
            rows = await connection.execute(
                text("SELECT processing FROM messages WHERE author = 'member' ORDER BY created_at")
            )
            assert rows.scalars().all() == ["done", "pending"]
        assert "answered_by_id" not in columns
        assert current_revision(url) == _BEFORE_0030
    finally:
        await engine.dispose()
        if backend == "postgres":
            await asyncio.to_thread(drop_postgres_database, url)
