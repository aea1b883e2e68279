"""Column types that keep the domain's invariants at the database boundary."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Dialect, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored in UTC and read back as aware UTC, on every dialect.

    PostgreSQL keeps `timestamptz`. SQLite has no time zones, so the value is converted to UTC and
    stored without one: its fixed-width text then sorts in time order, which pagination relies on.
    Naive datetimes are refused, because their meaning depends on the machine that wrote them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("Naive datetimes cannot be stored; give a timezone-aware one.")
        in_utc = value.astimezone(UTC)
        return in_utc.replace(tzinfo=None) if dialect.name == "sqlite" else in_utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def json_document(*, none_as_null: bool = False) -> JSON:
    """JSON on SQLite, JSONB (indexable, compact) on PostgreSQL.

    `none_as_null` stores Python None as SQL NULL rather than as the JSON document `null`.
    """
    return JSON(none_as_null=none_as_null).with_variant(
        JSONB(none_as_null=none_as_null), "postgresql"
    )
