"""Entities and helpers the contract suites share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

from ignacio.application.ports import UnitOfWork, UnitOfWorkFactory
from ignacio.domain import (
    AllowedNumber,
    AuditEntry,
    Author,
    Conversation,
    Delivery,
    LoginChallenge,
    Message,
    Order,
    Page,
    PageRequest,
    PhoneNumber,
    Provider,
    User,
    UserSession,
    WhatsAppIdentity,
)
from ignacio.domain.channels import WorkspaceChannel
from ignacio.domain.handover import StateChange
from ignacio.domain.knowledge import UserFile, storage_path_for
from ignacio.domain.pagination import decode_cursor, encode_cursor
from ignacio.domain.summaries import ConversationSummary
from ignacio.domain.workspaces import DEFAULT_SLUG, Membership, Workspace, WorkspaceRole

T = TypeVar("T")

BASE = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def at(seconds: float = 0) -> datetime:
    return BASE + timedelta(seconds=seconds)


def phone(n: int) -> PhoneNumber:
    """Distinct valid Spanish mobile numbers."""
    return PhoneNumber.parse(f"+34 6{n:08d}")


def phone_of(someone: User) -> PhoneNumber:
    """The number of a member made with one (`user` gives each a number unless told not to)."""
    assert someone.phone is not None
    return someone.phone


def user(n: int = 1, *, name: str | None = None, created: float = 0, **fields: Any) -> User:
    moment = at(created)
    values: dict[str, Any] = {
        "id": uuid4(),
        "phone": phone(n),
        "name": name,
        "created_at": moment,
        "updated_at": moment,
    }
    return User(**(values | fields))


def identity(
    owner: User, user_id: str = "US.13491208655302741918", *, created: float = 0, **fields: Any
) -> WhatsAppIdentity:
    """A Cloud API identity of `owner` under the account `1234567890987654321`."""
    moment = at(created)
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": owner.id,
        "provider": Provider.WHATSAPP_CLOUD,
        "account": "1234567890987654321",
        "provider_user_id": user_id,
        "created_at": moment,
        "updated_at": moment,
    }
    return WhatsAppIdentity(**(values | fields))


def conversation(
    owner: User, workspace_id: UUID, *, updated: float = 0, **fields: Any
) -> Conversation:
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": workspace_id,
        "user_id": owner.id,
        "created_at": at(0),
        "updated_at": at(updated),
    }
    return Conversation(**(values | fields))


def message(where: Conversation, *, created: float = 0, **fields: Any) -> Message:
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": where.workspace_id,
        "conversation_id": where.id,
        "user_id": where.user_id,
        "author": Author.MEMBER,
        "content": "hola",
        "created_at": at(created),
    }
    return Message(**(values | fields))


def challenge(number: PhoneNumber, *, created: float = 0, **fields: Any) -> LoginChallenge:
    values: dict[str, Any] = {
        "id": uuid4(),
        "phone": number,
        "code_hash": "hash-" + uuid4().hex,
        "expires_at": at(created + 300),
        "created_at": at(created),
    }
    return LoginChallenge(**(values | fields))


def session(owner: User, *, token_hash: str | None = None, **fields: Any) -> UserSession:
    values: dict[str, Any] = {
        "id": uuid4(),
        "user_id": owner.id,
        "token_hash": token_hash or "token-" + uuid4().hex,
        "expires_at": at(3600),
        "created_at": at(0),
        "last_used_at": at(0),
    }
    return UserSession(**(values | fields))


def entry(*, created: float = 0, actor_id: UUID | None = None, **fields: Any) -> AuditEntry:
    values: dict[str, Any] = {
        "id": uuid4(),
        "actor_id": actor_id,
        "action": "user.update",
        "target_type": "user",
        "created_at": at(created),
    }
    return AuditEntry(**(values | fields))


def allowed(n: int, workspace_id: UUID, *, created: float = 0, **fields: Any) -> AllowedNumber:
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": workspace_id,
        "phone": phone(n),
        "created_at": at(created),
    }
    return AllowedNumber(**(values | fields))


def address(n: int, provider: Provider = Provider.WHATSAPP_CLOUD) -> str:
    """Distinct addresses a provider names a number by: Meta's phone-number id, Twilio's E.164."""
    return f"1{n:014d}" if provider is Provider.WHATSAPP_CLOUD else phone(n).e164


def channel(
    n: int,
    workspace_id: UUID,
    provider: Provider = Provider.WHATSAPP_CLOUD,
    *,
    created: float = 0,
    **fields: Any,
) -> WorkspaceChannel:
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": workspace_id,
        "provider": provider,
        "address": address(n, provider),
        "sealed_credentials": b"sealed:" + uuid4().bytes,
        "created_at": at(created),
    }
    return WorkspaceChannel(**(values | fields))


def delivery(of: Message, part: int = 0, *, updated: float = 0, **fields: Any) -> Delivery:
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": of.workspace_id,
        "message_id": of.id,
        "part": part,
        "content": f"part {part}",
        "created_at": at(0),
        "updated_at": at(updated),
    }
    return Delivery(**(values | fields))


def user_file(owner: User, workspace_id: UUID, *, created: float = 0, **fields: Any) -> UserFile:
    file_id = uuid4()
    values: dict[str, Any] = {
        "id": file_id,
        "workspace_id": workspace_id,
        "user_id": owner.id,
        "file_name": "informe.pdf",
        "file_path": storage_path_for(owner.id, file_id, "informe.pdf"),
        "file_type": "application/pdf",
        "file_size": 1234,
        "created_at": at(created),
    }
    return UserFile(**(values | fields))


def workspace(n: int = 1, *, created: float = 0, **fields: Any) -> Workspace:
    moment = at(created)
    values: dict[str, Any] = {
        "id": uuid4(),
        "slug": f"workspace-{n}",
        "name": f"Workspace {n}",
        "created_at": moment,
        "updated_at": moment,
    }
    return Workspace(**(values | fields))


def membership(
    of: Workspace,
    member: User,
    role: WorkspaceRole = WorkspaceRole.MEMBER,
    *,
    created: float = 0,
    **fields: Any,
) -> Membership:
    moment = at(created)
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": of.id,
        "user_id": member.id,
        "role": role,
        "created_at": moment,
        "updated_at": moment,
    }
    return Membership(**(values | fields))


def summary(
    of: Conversation, last: Message, *, created: float = 0, **fields: Any
) -> ConversationSummary:
    """A summary of `of` covering it up to `last`."""
    values: dict[str, Any] = {
        "id": uuid4(),
        "workspace_id": of.workspace_id,
        "conversation_id": of.id,
        "text": "Ana wants to move her appointment; nobody has answered yet.",
        "model": "gpt-4o-mini",
        "input_tokens": 812,
        "output_tokens": 41,
        "latency_ms": 1530,
        "last_message_id": last.id,
        "last_message_at": last.created_at,
        "messages_read": 3,
        "created_at": at(created),
    }
    return ConversationSummary(**(values | fields))


async def home_of(uow_factory: UnitOfWorkFactory) -> UUID:
    """The id of the default workspace, which every backend holds from the start (migration
    0011; the in-memory store seeds it): the workspace a test's data is in unless it says."""
    async with uow_factory() as uow:
        default = await uow.workspaces.get_by_slug(DEFAULT_SLUG)
    assert default is not None
    return default.id


async def store(uow_factory: UnitOfWorkFactory, *items: Any) -> None:
    """Add entities in one committed unit of work, each with its repository."""
    async with uow_factory() as uow:
        for item in items:
            await _add(uow, item)
        await uow.commit()


async def _add(uow: UnitOfWork, item: Any) -> None:
    if isinstance(item, User):
        await uow.users.add(item)
    elif isinstance(item, Conversation):
        await uow.conversations.add(item)
    elif isinstance(item, Message):
        await uow.messages.add(item)
    elif isinstance(item, LoginChallenge):
        await uow.login_challenges.add(item)
    elif isinstance(item, UserSession):
        await uow.sessions.add(item)
    elif isinstance(item, AuditEntry):
        await uow.audit_log.record(item)
    elif isinstance(item, Delivery):
        await uow.deliveries.add(item)
    elif isinstance(item, AllowedNumber):
        await uow.allow_list.add(item)
    elif isinstance(item, UserFile):
        await uow.files.add(item)
    elif isinstance(item, Workspace):
        await uow.workspaces.add(item)
    elif isinstance(item, Membership):
        await uow.memberships.add(item)
    elif isinstance(item, WorkspaceChannel):
        await uow.channels.add(item)
    elif isinstance(item, StateChange):
        await uow.conversations.record_change(item)
    elif isinstance(item, ConversationSummary):
        await uow.summaries.add(item)
    elif isinstance(item, WhatsAppIdentity):
        await uow.identities.add(item)
    else:
        raise TypeError(f"cannot store {item!r}")


async def walk(
    fetch: Callable[[PageRequest], Awaitable[Page[T]]], limit: int, order: Order
) -> list[list[T]]:
    """Every page, following cursors as a client would (through their text form)."""
    pages: list[list[T]] = []
    request = PageRequest(limit=limit, order=order)
    while True:
        page = await fetch(request)
        pages.append(page.items)
        if page.next is None:
            return pages
        assert len(page.items) == limit, "only the last page may be short"
        assert len(pages) < 10_000
        after = decode_cursor(encode_cursor(page.next))
        request = PageRequest(limit=limit, after=after, order=order)


def expected_order(
    items: Sequence[T], key: Callable[[T], tuple[datetime, UUID]], order: Order
) -> list[T]:
    return sorted(items, key=key, reverse=order is Order.NEWEST_FIRST)


async def concurrently(count: int, work: Callable[[int], Awaitable[T]]) -> list[T]:
    return list(await asyncio.gather(*(work(index) for index in range(count))))
