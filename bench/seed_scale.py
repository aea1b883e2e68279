"""A fresh PostgreSQL database at the issue's scale: 10,000 members and 1,000,000 messages.

Creates `ignacio_bench_<random>` on the server at IGNACIO_BENCH_POSTGRES_URL (default
127.0.0.1:5432, user postgres), migrates it with `upgrade_database`, and fills it with COPY (no
row inserts): members whose phone numbers are encrypted and keyed for lookup exactly as
SqlUserRepository does (AesGcmPhoneCipher with the same key the server is given), their
conversations, the messages spread over them, and a live session per member with an access token
minted by the app's JwtAccessTokens for it. The database is dropped at the end unless `--keep`.

The members are in two workspaces, alternately: the default one (migration 0011) and `second`,
created here. Each has one membership (role `member`), so a request needs no `Ignacio-Workspace`
header, and their conversations and messages are in their workspace: every scoped read filters
out half of the table.

Size from flags or from IGNACIO_BENCH_MEMBERS / IGNACIO_BENCH_MESSAGES:

    .venv/bin/python bench/seed_scale.py [--members 10000] [--messages 1000000] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from ignacio.adapters.security import AesGcmPhoneCipher, JwtAccessTokens, KeyRing
from ignacio.adapters.sql import DEFAULT_SCHEMA, search_path_option, upgrade_database
from ignacio.domain import PhoneNumber, Position
from ignacio.domain.pagination import encode_cursor

# Ignacio's tables are in their own schema; raw connections find them through this.
IGNACIO_SCHEMA = search_path_option(DEFAULT_SCHEMA)

ADMIN_URL = os.environ.get(
    "IGNACIO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# The serving process gets the same two values as JWT_SECRET_KEY and IGNACIO_PHONE_KEY.
JWT_SECRET = "bench-secret-key-that-is-long-enough-for-hs256"
PHONE_KEY = base64.b64encode(bytes(range(32))).decode()
DEFAULT_MEMBERS = int(os.environ.get("IGNACIO_BENCH_MEMBERS", "10000"))
DEFAULT_MESSAGES = int(os.environ.get("IGNACIO_BENCH_MESSAGES", "1000000"))
START = datetime(2025, 1, 1, tzinfo=UTC)
WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "you",
    "that",
    "it",
    "he",
    "was",
    "for",
    "on",
    "are",
    "as",
    "with",
    "his",
    "they",
    "at",
    "be",
    "this",
    "have",
]


def server_environment() -> dict[str, str]:
    """What the serving process needs to read what was seeded."""
    return {"JWT_SECRET_KEY": JWT_SECRET, "IGNACIO_PHONE_KEY": PHONE_KEY}


SECOND_SLUG = "second"


@dataclass
class Member:
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    access_token: str
    conversations: list[uuid.UUID] = field(default_factory=list)
    # A cursor into the middle of each conversation's history (for pages deep in it).
    cursors: list[str] = field(default_factory=list)


@dataclass
class Seeded:
    name: str
    url: str  # SQLAlchemy URL, for IGNACIO_DATABASE_URL
    members: list[Member]
    messages: int
    seconds: float


def database_urls(name: str) -> tuple[str, str]:
    base = ADMIN_URL.rsplit("/", 1)[0].split("://", 1)[1]
    return f"postgresql+psycopg://{base}/{name}", f"postgresql://{base}/{name}"


def create_database() -> str:
    name = f"ignacio_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    upgrade_database(database_urls(name)[0])
    return name


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def default_workspace_id(connection: psycopg.Connection[Any]) -> uuid.UUID:
    """The id of the workspace every migrated database starts with (migration 0011)."""
    row = connection.execute("SELECT id FROM workspaces WHERE slug = 'default'").fetchone()
    assert row is not None, "the database is not migrated"
    workspace_id: uuid.UUID = row[0]
    return workspace_id


def second_workspace(connection: psycopg.Connection[Any], at: datetime) -> uuid.UUID:
    """A second workspace, `second`, with the deployment's assistant settings (none of its own)."""
    workspace_id = uuid.uuid4()
    connection.execute(
        "INSERT INTO workspaces (id, slug, name, assistant, access, created_at, updated_at) "
        "VALUES (%s, %s, %s, '{}'::jsonb, NULL, %s, %s)",
        (workspace_id, SECOND_SLUG, "Second workspace", at, at),
    )
    return workspace_id


def seed(name: str, members: int, messages: int, conversations_per_member: int = 2) -> Seeded:
    """Fill database `name`; returns the members with their tokens, conversations and cursors."""
    started = time.perf_counter()
    keys = KeyRing(jwt_secret=JWT_SECRET.encode(), phone_key=base64.b64decode(PHONE_KEY))
    cipher = AesGcmPhoneCipher(keys.phone_key)
    tokens = JwtAccessTokens(keys.jwt_secret, ttl=timedelta(hours=12))
    now = datetime.now(UTC)
    rng = random.Random(7)
    seeded: list[Member] = []
    sessions: list[uuid.UUID] = []
    url, plain_url = database_urls(name)
    with psycopg.connect(plain_url, options=IGNACIO_SCHEMA) as connection:
        cursor = connection.cursor()
        # Two workspaces, the members alternately in one and the other.
        workspace_ids = (default_workspace_id(connection), second_workspace(connection, START))
        with cursor.copy(
            "COPY users (id, phone_number_encrypted, phone_lookup, name, is_admin, is_active, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for index in range(members):
                phone = PhoneNumber(e164=f"+3461{index:07d}")
                user_id = uuid.uuid4()
                created = START + timedelta(minutes=index)
                copy.write_row(
                    (
                        user_id,
                        cipher.encrypt(phone),
                        cipher.lookup_key(phone),
                        f"Member {index}",
                        False,
                        True,
                        created,
                        created,
                    )
                )
                session_id = uuid.uuid4()
                token, _ = tokens.issue(user_id, session_id, now)
                seeded.append(
                    Member(
                        user_id=user_id,
                        workspace_id=workspace_ids[index % 2],
                        access_token=token,
                    )
                )
                sessions.append(session_id)
        with cursor.copy(
            "COPY workspace_members (id, workspace_id, user_id, role, created_at, updated_at) "
            "FROM STDIN"
        ) as copy:
            for index, member in enumerate(seeded):
                joined = START + timedelta(minutes=index)
                copy.write_row(
                    (uuid.uuid4(), member.workspace_id, member.user_id, "member", joined, joined)
                )
        with cursor.copy(
            "COPY user_sessions (id, user_id, token_hash, expires_at, created_at, last_used_at) "
            "FROM STDIN"
        ) as copy:
            for member, session_id in zip(seeded, sessions, strict=True):
                copy.write_row(
                    (
                        session_id,
                        member.user_id,
                        secrets.token_hex(32),
                        now + timedelta(days=30),
                        now,
                        now,
                    )
                )
        with cursor.copy(
            "COPY conversations (id, workspace_id, user_id, title, channel, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            for number in range(conversations_per_member):
                for index, member in enumerate(seeded):
                    conversation_id = uuid.uuid4()
                    member.conversations.append(conversation_id)
                    at = START + timedelta(minutes=index, seconds=number)
                    copy.write_row(
                        (
                            conversation_id,
                            member.workspace_id,
                            member.user_id,
                            f"Topic {number}",
                            "web",
                            at,
                            at,
                        )
                    )
        conversation_ids = [c for m in seeded for c in m.conversations]
        owner_of = {c: m for m in seeded for c in m.conversations}
        count = len(conversation_ids)
        middle = (messages // count) // 2 if count else 0
        with cursor.copy(
            "COPY messages (id, workspace_id, conversation_id, user_id, author, content, "
            "message_type, channel, delivery_status, created_at) FROM STDIN"
        ) as copy:
            for index in range(messages):
                conversation_id = conversation_ids[index % count]
                owner = owner_of[conversation_id]
                step = index // count
                message_id = uuid.uuid4()
                at = START + timedelta(seconds=index)
                copy.write_row(
                    (
                        message_id,
                        owner.workspace_id,
                        conversation_id,
                        owner.user_id,
                        "member" if step % 2 == 0 else "assistant",
                        " ".join(rng.choices(WORDS, k=12)),
                        "text",
                        "web",
                        "received",
                        at,
                    )
                )
                if step == middle:
                    owner.cursors.append(encode_cursor(Position(at, message_id)))
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
    return Seeded(
        name=name,
        url=url,
        members=seeded,
        messages=messages,
        seconds=time.perf_counter() - started,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS)
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--conversations-per-member", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    arguments = parser.parse_args()
    name = create_database()
    try:
        seeded = seed(
            name, arguments.members, arguments.messages, arguments.conversations_per_member
        )
        print(
            f"seeded {name}: {arguments.members:,} members, {seeded.messages:,} messages "
            f"in {seeded.seconds:.1f} s (COPY)"
        )
    finally:
        if arguments.keep:
            print(
                f"kept: IGNACIO_DATABASE_URL={database_urls(name)[0]} {' '.join(f'{k}={v}' for k, v in server_environment().items())}"
            )
        else:
            drop_database(name)


if __name__ == "__main__":
    main()
