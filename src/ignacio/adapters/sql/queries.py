"""What the SQL repositories share: their connection, keyset pagination, conflict-aware writes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    Row,
    Select,
    Table,
    Update,
    and_,
    bindparam,
    exists,
    insert,
    or_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from ignacio.domain import (
    Conflict,
    InvalidInput,
    NotFound,
    Order,
    Page,
    PageRequest,
    PhoneNumber,
    Position,
)

T = TypeVar("T")
R = TypeVar("R", bound=Row[*tuple[Any, ...]])

ConnectionSource = Callable[[], AsyncConnection]
"""How a repository reaches the connection of the unit of work that owns it, at each call."""

_FOREIGN_KEY_VIOLATION = "23503"


def keyset(
    statement: Select[Any],
    sort: ColumnElement[datetime],
    ident: ColumnElement[UUID],
    page: PageRequest,
) -> Select[Any]:
    """Order by (sort, id) in the page's direction, start after its position, fetch one extra.

    The position test is written without row values, which not every planner turns into an
    index range; the redundant `sort >= at` gives both SQLite and PostgreSQL a range to seek to.
    """
    after = page.after
    return _keyset(
        statement,
        sort,
        ident,
        ascending=page.order is Order.OLDEST_FIRST,
        after=None if after is None else (after.at, after.id),
        limit=page.limit + 1,
    )


def keyset_shape(
    statement: Select[Any],
    sort: ColumnElement[datetime],
    ident: ColumnElement[UUID],
    *,
    ascending: bool,
    after: bool,
) -> Select[Any]:
    """`keyset` with the position and the size left as parameters (see `keyset_parameters`).

    Building a statement and computing its cache key cost SQLAlchemy more CPU than running it
    on a hot read; a statement built once per shape (direction, first page or not) skips both.
    """
    return _keyset(
        statement,
        sort,
        ident,
        ascending=ascending,
        after=(bindparam("after_at"), bindparam("after_id")) if after else None,
        limit=bindparam("page_limit", type_=Integer),
    )


def keyset_parameters(page: PageRequest) -> dict[str, Any]:
    """The parameters of a `keyset_shape` statement for this page."""
    parameters: dict[str, Any] = {"page_limit": page.limit + 1}
    if page.after is not None:
        parameters |= {"after_at": page.after.at, "after_id": page.after.id}
    return parameters


def _keyset(
    statement: Select[Any],
    sort: ColumnElement[datetime],
    ident: ColumnElement[UUID],
    *,
    ascending: bool,
    after: tuple[Any, Any] | None,
    limit: Any,
) -> Select[Any]:
    if after is not None:
        at, after_id = after
        if ascending:
            statement = statement.where(
                sort >= at, or_(sort > at, and_(sort == at, ident > after_id))
            )
        else:
            statement = statement.where(
                sort <= at, or_(sort < at, and_(sort == at, ident < after_id))
            )
    order = (sort.asc(), ident.asc()) if ascending else (sort.desc(), ident.desc())
    return statement.order_by(*order).limit(limit)


def page_of(
    rows: Sequence[R],
    page: PageRequest,
    to_item: Callable[[R], T],
    position: Callable[[T], Position],
) -> Page[T]:
    """The page from rows fetched by `keyset` (one more than asked tells that more follow)."""
    items = [to_item(row) for row in rows[: page.limit]]
    more = len(rows) > page.limit
    return Page(items=items, next=position(items[-1]) if more and items else None)


_INSERTS: dict[tuple[str, str], Insert] = {}


def _insert_ignoring_conflicts(connection: AsyncConnection, table: Table) -> Insert:
    """`insert_new`'s statement, built once per dialect and table (see `_quick_update`): a turn
    inserts five rows."""
    dialect = connection.dialect.name
    if (statement := _INSERTS.get((dialect, table.name))) is not None:
        return statement
    if dialect == "postgresql":
        statement = postgresql_insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite_insert(table).on_conflict_do_nothing()
    else:
        statement = insert(table)
    _INSERTS[dialect, table.name] = statement = statement.returning(*table.primary_key)
    return statement


async def insert_new(
    connection: AsyncConnection,
    table: Table,
    values: dict[str, Any],
    *,
    conflict: str,
    missing: str = "Something this refers to does not exist.",
) -> None:
    """Insert one row; a clash with a unique key raises Conflict, a missing parent NotFound.

    `ON CONFLICT DO NOTHING` reports a clash as no row returned instead of an error, so on
    PostgreSQL the transaction stays usable after a Conflict, as it does in the memory adapter.
    """
    statement = _insert_ignoring_conflicts(connection, table)
    try:
        inserted = (await connection.execute(statement, values)).first()
    except IntegrityError as error:
        if is_foreign_key_violation(error):
            raise NotFound(missing) from error
        raise Conflict(conflict) from error
    if inserted is None:
        raise Conflict(conflict)


async def update_one(
    connection: AsyncConnection,
    statement: Update,
    *,
    conflict: str,
    absent: str,
    missing: str = "Something this refers to does not exist.",
) -> None:
    """Update one row by its key: a clash with a unique key raises Conflict, a missing parent
    NotFound(missing), no such row NotFound(absent); the transaction stays usable after either."""
    try:
        async with clash_contained(connection):
            result = await connection.execute(statement)
    except IntegrityError as error:
        if is_foreign_key_violation(error):
            raise NotFound(missing) from error
        raise Conflict(conflict) from error
    if result.rowcount == 0:
        raise NotFound(absent)


async def update_keeping_keys(
    connection: AsyncConnection,
    table: Table,
    row_id: UUID,
    values: dict[str, Any],
    *,
    keys: Sequence[str],
    conflict: str,
    absent: str,
    missing: str = "Something this refers to does not exist.",
    provider_ids: Sequence[str] = (),
) -> None:
    """`update_one` of the row `row_id` to `values`, in one statement without a savepoint when
    the `keys` (the columns of its unique keys and foreign keys) keep their stored values.

    Most updates change a row's state, not what identifies it or what it refers to, and such
    an update cannot clash: it is tried first, matched on the keys as given. A row whose keys
    do change (or that is gone) matches nothing, and goes through `update_one`, whose
    savepoint keeps the transaction usable after a clash. On PostgreSQL this saves two round
    trips per update (a turn made three message updates).

    `provider_ids` are keys that the quick statement may also set, from none to a value that
    no other row holds (checked in the same statement): a provider's id given to a message once
    it is sent, which every turn does. A row that holds it already matches nothing and takes
    `update_one`'s way to its Conflict. Only a row holding it that another transaction has not
    committed yet gets past the check; the unique index then stops the statement, and without a
    savepoint PostgreSQL's transaction cannot go on: the Conflict still says why. Provider ids
    are unique by the provider's making, so this is a race that a provider's own bug makes."""
    claimed = tuple(name for name in provider_ids if values.get(name) is not None)
    quick = _quick_update(table, tuple(values), tuple(keys), claimed)
    parameters = {f"v_{name}": value for name, value in values.items()} | {"row_id": row_id}
    try:
        matched = (await connection.execute(quick, parameters)).rowcount == 1
    except IntegrityError as error:
        if is_foreign_key_violation(error):
            raise NotFound(missing) from error
        raise Conflict(conflict) from error
    if matched:
        return
    await update_one(
        connection,
        update(table).where(table.c.id == row_id).values(**values),
        conflict=conflict,
        absent=absent,
        missing=missing,
    )


_QUICK_UPDATES: dict[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], Update] = {}


def _quick_update(
    table: Table, columns: tuple[str, ...], keys: tuple[str, ...], claimed: tuple[str, ...]
) -> Update:
    """`update_keeping_keys`' one statement, with its values as parameters (`v_<column>`, and
    `row_id`), built once per shape: built anew, SQLAlchemy keys it for its compiled cache on
    every execution, which costs about as much again as running it."""
    cache_key = (table.name, columns, keys, claimed)
    if (statement := _QUICK_UPDATES.get(cache_key)) is not None:
        return statement
    c = table.c

    def value(name: str) -> Any:
        return bindparam(f"v_{name}", type_=c[name].type)

    kept: list[ColumnElement[bool]] = []
    state = {name: value(name) for name in columns if name not in keys}
    for name in keys:
        if name not in columns:
            continue
        if name in claimed:
            other = table.alias()
            free = ~exists().where(
                other.c[name] == value(name), other.c.id != bindparam("row_id", type_=c.id.type)
            )
            kept.append(or_(c[name] == value(name), and_(c[name].is_(None), free)))
            state[name] = value(name)
        else:
            kept.append(c[name].is_not_distinct_from(value(name)))
    statement = update(table).where(c.id == bindparam("row_id", type_=c.id.type), *kept)
    _QUICK_UPDATES[cache_key] = statement = statement.values(state)
    return statement


@asynccontextmanager
async def clash_contained(connection: AsyncConnection) -> AsyncIterator[None]:
    """Around a statement that may clash with a key: the transaction stays usable if it does.

    A savepoint on PostgreSQL, where a failed statement aborts the whole transaction. Nothing on
    SQLite, where a failed statement undoes only itself: a savepoint there would be two more
    round trips while the single write lock is held, on every update.
    """
    if connection.dialect.name == "postgresql":
        async with connection.begin_nested():
            yield
    else:
        yield


def is_foreign_key_violation(error: IntegrityError) -> bool:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    return sqlstate == _FOREIGN_KEY_VIOLATION or "FOREIGN KEY constraint failed" in str(original)


def needle(search: str | None) -> str | None:
    """The text a search looks for, or None where it looks for nothing."""
    if search is None or not search.strip():
        return None
    return search.strip()


def phone_or_none(text: str) -> PhoneNumber | None:
    """The phone number a search text is, if it is one."""
    try:
        return PhoneNumber.parse(text)
    except InvalidInput:
        return None
