"""What the in-memory repositories share: keyset pagination and search text, as SQL does them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from ignacio.domain import InvalidInput, Order, Page, PageRequest, PhoneNumber, Position


class _Identified(Protocol):
    @property
    def id(self) -> UUID: ...


T = TypeVar("T", bound=_Identified)


def paginate(items: Iterable[T], sort_key: Callable[[T], datetime], page: PageRequest) -> Page[T]:
    """Keyset pagination on (sort_key, id), exactly as the SQL adapter orders rows."""
    newest_first = page.order is Order.NEWEST_FIRST
    ordered = sorted(items, key=lambda item: (sort_key(item), item.id), reverse=newest_first)
    if page.after is not None:
        after = (page.after.at, page.after.id)
        if newest_first:
            ordered = [item for item in ordered if (sort_key(item), item.id) < after]
        else:
            ordered = [item for item in ordered if (sort_key(item), item.id) > after]
    chosen = ordered[: page.limit]
    more = len(ordered) > page.limit
    last = chosen[-1] if chosen else None
    next_position = Position(at=sort_key(last), id=last.id) if more and last is not None else None
    return Page(items=chosen, next=next_position)


def needle(search: str | None) -> str | None:
    """The text a search looks for, lower-cased, or None where it looks for nothing."""
    if search is None or not search.strip():
        return None
    return search.strip().lower()


def phone_or_none(text: str) -> PhoneNumber | None:
    """The phone number a search text is, if it is one."""
    try:
        return PhoneNumber.parse(text)
    except InvalidInput:
        return None
