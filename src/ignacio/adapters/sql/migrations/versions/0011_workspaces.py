"""Workspaces: the organisations the assistant speaks for, and each person's role in them.

Until now a deployment was one organisation, Action Lab, which the built-in prompt names. It
becomes the workspace `default`, and every user joins it: as its admin if they were an admin
(they stay platform admins too), else as a member, from the day they joined. Its assistant keeps
the one thing the built-in prompt said of the Action Lab (that it is an incubator), now as its
instructions; its access is NULL, so it keeps following the deployment's configuration. A new
database gets the same workspace: every deployment has one to start in.

A member row needs an id of its own, which neither dialect draws the same way in SQL, so the
users are read in batches by id and their rows written from here: the same statements on both
dialects, and memory bounded however many users there are. Going back drops both tables; the
users and everything else stay as they were.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import uuid4

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime, json_document

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1_000

# The tables as this revision knows them, for moving rows whatever later revisions change.
_users = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("is_admin", sa.Boolean()),
    sa.column("created_at", UtcDateTime()),
)
_workspaces = sa.table(
    "workspaces",
    sa.column("id", sa.Uuid()),
    sa.column("slug", sa.String()),
    sa.column("name", sa.String()),
    sa.column("assistant", json_document()),
    sa.column("access", sa.String()),
    sa.column("created_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
)
_members = sa.table(
    "workspace_members",
    sa.column("id", sa.Uuid()),
    sa.column("workspace_id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("role", sa.String()),
    sa.column("created_at", UtcDateTime()),
    sa.column("updated_at", UtcDateTime()),
)


def _created_at() -> sa.Column[object]:
    return sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False)


def _updated_at() -> sa.Column[object]:
    return sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("assistant", json_document(), nullable=False),
        sa.Column("access", sa.String(length=16), nullable=True),
        _created_at(),
        _updated_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("slug", name=op.f("uq_workspaces_slug")),
    )
    op.create_index("ix_workspaces_created_at_id", "workspaces", ["created_at", "id"])
    op.create_table(
        "workspace_members",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        _created_at(),
        _updated_at(),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_members_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_workspace_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_members")),
        sa.UniqueConstraint(
            "workspace_id", "user_id", name=op.f("uq_workspace_members_workspace_id_user_id")
        ),
    )
    op.create_index(
        "ix_workspace_members_workspace_id_created_at_id",
        "workspace_members",
        ["workspace_id", "created_at", "id"],
    )
    op.create_index("ix_workspace_members_user_id", "workspace_members", ["user_id"])
    _move_everyone_into_the_default_workspace()


_INCUBATOR = (
    "The Action Lab is an incubator where members develop their own projects (startups, social "
    "ventures, research and community initiatives)."
)


def _move_everyone_into_the_default_workspace() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    workspace_id = uuid4()
    connection.execute(
        _workspaces.insert().values(
            id=workspace_id,
            slug="default",
            name="Action Lab",
            # domain.workspaces.DEFAULT_WORKSPACE_INSTRUCTIONS, as it read when this was written.
            assistant={"instructions": _INCUBATOR},
            access=None,
            created_at=now,
            updated_at=now,
        )
    )
    batch = sa.select(_users.c.id, _users.c.is_admin, _users.c.created_at).order_by(_users.c.id)
    last: object = None
    while True:
        statement = batch if last is None else batch.where(_users.c.id > last)
        rows = connection.execute(statement.limit(_BATCH)).all()
        if not rows:
            return
        connection.execute(
            _members.insert(),
            [
                {
                    "id": uuid4(),
                    "workspace_id": workspace_id,
                    "user_id": user_id,
                    "role": "admin" if is_admin else "member",
                    "created_at": joined,
                    "updated_at": now,
                }
                for user_id, is_admin, joined in rows
            ],
        )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_workspace_members_user_id", table_name="workspace_members")
    op.drop_index("ix_workspace_members_workspace_id_created_at_id", table_name="workspace_members")
    op.drop_table("workspace_members")
    op.drop_index("ix_workspaces_created_at_id", table_name="workspaces")
    op.drop_table("workspaces")
