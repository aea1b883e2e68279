"""How an entity maps to its table, said once per table: `FieldMap`, and the fields it is built of.

A repository declares one `FieldMap`: the entity's attributes in the order of the table's
columns, each a plain name where attribute and column agree, or a `Field` that names its column
or converts the value (enums by value, JSON documents, encrypted phone numbers). Everything else
is derived from it: the columns a read selects, the values an insert or an update writes, and
the entity a row becomes. A map that forgets an attribute or a column fails when it is made
(at import; with a phone number, at the first unit of work), not at the first query that
needs it.

Rows are read by position (a named attribute of a Row costs about as much as building the
entity), so every statement whose rows go to `to_entity` selects exactly `FieldMap.columns`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar, cast

import msgspec
from sqlalchemy import Column, Select, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from ignacio.application.ports import PhoneCipher

S = TypeVar("S", bound=msgspec.Struct)
E = TypeVar("E", bound=Enum)

Convert = Callable[[Any], Any]
Load = Convert | Mapping[Any, Any]


@dataclass(frozen=True, slots=True)
class Field:
    """One column of the table, fed by one attribute of the entity.

    `dump` turns the attribute into the column's value, `load` the column's value back into the
    attribute (a function, or a lookup table such as an enum's members by value; both left out
    where the value is stored as it is). A column derived from an attribute that another column
    already gives back (a phone number's lookup key) is `read=False`: written, never selected.
    """

    attribute: str
    column: str | None = None
    dump: Convert | None = None
    load: Load | None = None
    read: bool = True

    @property
    def column_name(self) -> str:
        return self.attribute if self.column is None else self.column


def enum_field(attribute: str, kind: type[E], *, column: str | None = None) -> Field:
    """An enum stored as its value; NULL, where the column allows it, is None."""
    # A dict lookup is several times cheaper than `kind(value)`, once per column per row.
    members: dict[Any, E | None] = {member.value: member for member in kind}
    members[None] = None
    return Field(attribute, column=column, dump=_value_of, load=members)


def _value_of(member: Enum | None) -> Any:
    return None if member is None else member.value


def struct_field(attribute: str, kind: type[S]) -> Field:
    """A Struct stored as a JSON document; NULL is None."""
    return Field(
        attribute,
        dump=lambda value: None if value is None else msgspec.to_builtins(value),
        load=lambda value: None if value is None else msgspec.convert(value, kind),
    )


def encrypted_phone(
    cipher: PhoneCipher, attribute: str = "phone", *, optional: bool = False
) -> tuple[Field, Field]:
    """A phone number, never stored in plain text: encrypted, and a keyed hash to find it by.
    `optional`: None is stored as NULL in both columns."""
    if optional:
        return (
            Field(
                attribute,
                column="phone_number_encrypted",
                dump=lambda phone: None if phone is None else cipher.encrypt(phone),
                load=lambda stored: None if stored is None else cipher.decrypt(bytes(stored)),
            ),
            Field(
                attribute,
                column="phone_lookup",
                dump=lambda phone: None if phone is None else cipher.lookup_key(phone),
                read=False,
            ),
        )
    return (
        Field(
            attribute,
            column="phone_number_encrypted",
            dump=cipher.encrypt,
            load=lambda stored: cipher.decrypt(bytes(stored)),
        ),
        Field(attribute, column="phone_lookup", dump=cipher.lookup_key, read=False),
    )


def per_cipher(
    build: Callable[[PhoneCipher], FieldMap[S]],
) -> Callable[[PhoneCipher], FieldMap[S]]:
    """`build`, run once per cipher: a unit of work makes its repositories anew, a map compiles."""
    built = functools.lru_cache(maxsize=8)(build)

    def field_map(cipher: PhoneCipher) -> FieldMap[S]:
        # A cipher is hashed by identity; the Protocol just does not say so.
        return built(cast("Hashable", cipher))

    return field_map


IMMUTABLE_WORKSPACE = "workspace_id"
"""The column naming the workspace a row belongs to: set when it is inserted, never updated."""

IMMUTABLE_OWNER = "user_id"
"""The column naming the person a row is of: set when it is inserted, and moved only when the
person is joined to another (`UserRepository.merge_into`), never by an update, so that a copy
read before a merge and written after it cannot point the row back at a person who is gone."""


class FieldMap(Generic[S]):
    """The mapping between the entity `entity` and the rows of `table`; see the module's doc.

    `to_entity`, `insert_values` and `update_values` are compiled from the fields when the map
    is made, as `dataclasses` compiles `__init__`: each is then one straight function, as fast
    as the ones written out by hand that it replaces (a loop over the fields took twice as
    long, on every row of every read).
    """

    def __init__(
        self, entity: type[S], table: Table, *fields: str | Field | tuple[Field, ...]
    ) -> None:
        self.entity = entity
        self.table = table
        flat: list[Field] = []
        for item in fields:
            if isinstance(item, str):
                flat.append(Field(item))
            elif isinstance(item, Field):
                flat.append(item)
            else:
                flat.extend(item)
        self._check(flat)
        read = [field for field in flat if field.read]
        keys = {column.name for column in table.primary_key.columns}
        self.columns: tuple[Column[Any], ...] = tuple(table.c[f.column_name] for f in read)
        self.to_entity: Callable[[Sequence[Any]], S] = _reader(entity, read)
        """The entity of a row selected with `columns`."""
        self.insert_values: Callable[[S], dict[str, Any]] = _writer(flat)
        """Every column's value, the primary key's included."""
        # Setting the key again, even to itself, would make PostgreSQL take the stronger row
        # lock (FOR UPDATE instead of FOR NO KEY UPDATE), which blocks inserts referring to it.
        # A row never moves to another workspace: an update leaves its `workspace_id` as it is,
        # whatever the entity says (the caller's scoping rests on it); nor to another person.
        fixed = keys | {IMMUTABLE_WORKSPACE, IMMUTABLE_OWNER}
        self.update_values: Callable[[S], dict[str, Any]] = _writer(
            [field for field in flat if field.column_name not in fixed]
        )
        """Every column's value but the primary key's, which an UPDATE finds the row by, and
        the workspace's and the person's, which an update never changes."""

    def select(self) -> Select[Any]:
        """SELECT the mapped columns, in the order `to_entity` reads them."""
        return select(*self.columns)

    async def first(
        self,
        connection: AsyncConnection,
        statement: Select[Any],
        parameters: dict[str, Any] | None = None,
    ) -> S | None:
        """The entity of the first row a statement selecting `columns` returns, if any."""
        row = (await connection.execute(statement, parameters)).first()
        return None if row is None else self.to_entity(row)

    def _check(self, fields: list[Field]) -> None:
        attributes = sorted(field.attribute for field in fields if field.read)
        expected = sorted(self.entity.__struct_fields__)
        if attributes != expected:
            raise TypeError(f"{self.entity.__name__}'s map reads {attributes}, not {expected}.")
        columns = sorted(field.column_name for field in fields)
        # Computed columns are the database's to write.
        stored = sorted(column.name for column in self.table.columns if column.computed is None)
        if columns != stored:
            raise TypeError(f"{self.table.name}'s map writes {columns}, not {stored}.")


def _reader(entity: type[S], fields: list[Field]) -> Callable[[Sequence[Any]], S]:
    namespace: dict[str, Any] = {"entity": entity}
    arguments = []
    for index, field in enumerate(fields):
        value = f"v{index}"
        if isinstance(field.load, Mapping):
            namespace[f"load{index}"] = field.load
            value = f"load{index}[{value}]"
        elif field.load is not None:
            namespace[f"load{index}"] = field.load
            value = f"load{index}({value})"
        arguments.append(f"{field.attribute}={value}")
    unpacked = "".join(f"v{index}, " for index in range(len(fields)))
    source = f"def to_entity(row):\n    {unpacked}= row\n    return entity({', '.join(arguments)})"
    to_entity: Callable[[Sequence[Any]], S] = _compiled(source, namespace, "to_entity")
    return to_entity


def _writer(fields: list[Field]) -> Callable[[Any], dict[str, Any]]:
    namespace: dict[str, Any] = {}
    items = []
    for index, field in enumerate(fields):
        value = f"item.{field.attribute}"
        if field.dump is not None:
            namespace[f"dump{index}"] = field.dump
            value = f"dump{index}({value})"
        items.append(f"{field.column_name!r}: {value}")
    source = f"def values(item):\n    return {{{', '.join(items)}}}"
    values: Callable[[Any], dict[str, Any]] = _compiled(source, namespace, "values")
    return values


def _compiled(source: str, namespace: dict[str, Any], name: str) -> Any:
    # Only names from the entity's own fields and the table's columns reach the source (the
    # map's check has matched both), never data.
    exec(source, namespace)  # noqa: S102
    return namespace[name]
