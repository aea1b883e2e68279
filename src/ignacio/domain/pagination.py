"""Keyset pagination: a page of items and an opaque cursor to the next one."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from enum import StrEnum
from typing import Generic, TypeVar
from uuid import UUID

import msgspec

from ignacio.domain.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE_SIZE = 200


class Order(StrEnum):
    NEWEST_FIRST = "desc"
    OLDEST_FIRST = "asc"


class Position(msgspec.Struct, frozen=True, array_like=True):
    """Where a page ended: the sort key of its last item."""

    at: datetime
    id: UUID


class PageRequest(msgspec.Struct, frozen=True, kw_only=True):
    limit: int = 50
    after: Position | None = None
    order: Order = Order.NEWEST_FIRST

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"The page size must be between 1 and {MAX_PAGE_SIZE}.")


class Page(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    items: list[T]
    next: Position | None = None


def encode_cursor(position: Position) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(position)).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    """Read a cursor given back by a client; anything it did not get from us is refused."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = msgspec.json.decode(raw, type=Position)
    except (binascii.Error, ValueError, msgspec.DecodeError) as error:
        raise InvalidInput(
            "The cursor is not one this server gave out; start from the first page."
        ) from error
    if position.at.tzinfo is None:
        raise InvalidInput("The cursor is not one this server gave out; start from the first page.")
    return position
