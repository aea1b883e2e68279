"""Workspace data: every conversation, message, delivery part, file and allow-listed number
carries the workspace it belongs to, and every audit entry the one it happened in.

Until now everything was implicitly in the default workspace (migration 0011), so every existing
row gets the default workspace's id. The column is added NOT NULL with that id as its default,
which fills the rows already there without writing them one by one (PostgreSQL keeps such a
default in the catalogue; SQLite, in the table's definition); the default is then dropped, so a
new row must name its workspace, and the foreign key to `workspaces` (ON DELETE CASCADE) added.
The audit log's column stays nullable, without a foreign key (NULL: a platform-level action;
the log outlives the workspaces it mentions); its rows are filled the same way on PostgreSQL,
by an UPDATE on SQLite (where dropping the default would rebuild the table). A number on the
allow-list is unique per workspace now: (workspace_id, phone_lookup) replaces phone_lookup.

SQLite adds a foreign key (or drops a default) only by rebuilding the table (batch mode). The
rebuild drops the old table, and with foreign keys enforced that would delete the rows referring
to it ON DELETE CASCADE (the messages of a conversation, the passages of a file): migrations run
with foreign keys unenforced on SQLite (see env.py), this one refuses to run otherwise, and it
checks every foreign key once done (`PRAGMA foreign_key_check`). The copy of `messages` must
leave out the generated `is_from_user`, which is dropped and declared again in its place, as
0002 does. The FTS5 triggers of the document index are on `document_chunks`, which is not
rebuilt; its foreign key to `user_files` names the table, so it holds on the rebuilt one.

Going back drops the columns. If the same number is on the lists of several workspaces, only
its oldest entry stays, so that phone_lookup can be unique again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables whose rows belong to a workspace, NOT NULL and with a foreign key.
_OWNED = ("conversations", "messages", "message_deliveries", "user_files", "allowed_numbers")
_INDEXES = {
    "conversations": ("ix_conversations_workspace_id_updated_at_id", "updated_at"),
    "user_files": ("ix_user_files_workspace_id_created_at_id", "created_at"),
    "audit_log": ("ix_audit_log_workspace_id_created_at_id", "created_at"),
}
_OLD_UNIQUE = "uq_allowed_numbers_phone_lookup"
_NEW_UNIQUE = "uq_allowed_numbers_workspace_id_phone_lookup"

_workspaces = sa.table("workspaces", sa.column("id", sa.Uuid()), sa.column("slug", sa.String()))
_audit_log = sa.table("audit_log", sa.column("workspace_id", sa.Uuid()))


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _foreign_key(table: str) -> str:
    return f"fk_{table}_workspace_id_workspaces"


def _is_from_user() -> sa.Column[object]:
    return sa.Column(
        "is_from_user",
        sa.Boolean(),
        sa.Computed("author = 'member'", persisted=True),
        nullable=True,
    )


def _default_workspace_id() -> UUID:
    found = op.get_bind().execute(
        sa.select(_workspaces.c.id).where(_workspaces.c.slug == "default")
    )
    workspace_id = found.scalar_one_or_none()
    if workspace_id is None:
        raise RuntimeError("The default workspace is missing: migration 0011 creates it.")
    return UUID(str(workspace_id))


def _literal(workspace_id: UUID) -> sa.TextClause:
    """The id as a column default, in the form the dialect stores a Uuid in."""
    stored = workspace_id.hex if _is_sqlite() else str(workspace_id)
    return sa.text(f"'{stored}'")


def _refuse_enforced_foreign_keys() -> None:
    enforced = op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar()
    if enforced:
        raise RuntimeError(
            "Migration 0012 rebuilds tables that others refer to ON DELETE CASCADE: with "
            "foreign keys enforced that would delete their rows. Run it through "
            "`ignacio migrate`, which leaves them unenforced while migrating."
        )


def _check_foreign_keys() -> None:
    problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:
        raise RuntimeError(f"Migration 0012 would leave rows with missing parents: {problems}")


def upgrade() -> None:
    workspace_id = _default_workspace_id()
    sqlite = _is_sqlite()
    if sqlite:
        _refuse_enforced_foreign_keys()
    for table in _OWNED:
        # Fills every row there is with the default workspace's id, in place.
        op.add_column(
            table,
            sa.Column(
                "workspace_id", sa.Uuid(), nullable=False, server_default=_literal(workspace_id)
            ),
        )
        if sqlite:
            with op.batch_alter_table(table, recreate="always") as batch:
                if table == "messages":
                    batch.drop_column("is_from_user")
                    batch.add_column(_is_from_user(), insert_before="created_at")
                batch.alter_column("workspace_id", existing_type=sa.Uuid(), server_default=None)
                batch.create_foreign_key(
                    _foreign_key(table), "workspaces", ["workspace_id"], ["id"], ondelete="CASCADE"
                )
                if table == "allowed_numbers":
                    batch.drop_constraint(_OLD_UNIQUE, type_="unique")
                    batch.create_unique_constraint(_NEW_UNIQUE, ["workspace_id", "phone_lookup"])
        else:
            op.alter_column(table, "workspace_id", existing_type=sa.Uuid(), server_default=None)
            op.create_foreign_key(
                _foreign_key(table),
                table,
                "workspaces",
                ["workspace_id"],
                ["id"],
                ondelete="CASCADE",
            )
            if table == "allowed_numbers":
                op.drop_constraint(_OLD_UNIQUE, table, type_="unique")
                op.create_unique_constraint(_NEW_UNIQUE, table, ["workspace_id", "phone_lookup"])
    if sqlite:
        op.add_column("audit_log", sa.Column("workspace_id", sa.Uuid(), nullable=True))
        op.execute(_audit_log.update().values(workspace_id=workspace_id))
    else:
        op.add_column(
            "audit_log",
            sa.Column(
                "workspace_id", sa.Uuid(), nullable=True, server_default=_literal(workspace_id)
            ),
        )
        op.alter_column("audit_log", "workspace_id", existing_type=sa.Uuid(), server_default=None)
    for table, (name, moment) in _INDEXES.items():
        op.create_index(name, table, ["workspace_id", moment, "id"])
    if sqlite:
        _check_foreign_keys()


_DUPLICATES = sa.text(
    "DELETE FROM allowed_numbers WHERE EXISTS ("
    " SELECT 1 FROM allowed_numbers AS older"
    " WHERE older.phone_lookup = allowed_numbers.phone_lookup"
    " AND (older.created_at < allowed_numbers.created_at"
    " OR (older.created_at = allowed_numbers.created_at AND older.id < allowed_numbers.id)))"
)


def downgrade() -> None:
    sqlite = _is_sqlite()
    if sqlite:
        _refuse_enforced_foreign_keys()
    for table, (name, _) in _INDEXES.items():
        op.drop_index(name, table_name=table)
    op.execute(_DUPLICATES)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("workspace_id")
    for table in reversed(_OWNED):
        if sqlite:
            with op.batch_alter_table(table, recreate="always") as batch:
                if table == "messages":
                    batch.drop_column("is_from_user")
                    batch.add_column(_is_from_user(), insert_before="created_at")
                if table == "allowed_numbers":
                    batch.drop_constraint(_NEW_UNIQUE, type_="unique")
                    batch.create_unique_constraint(_OLD_UNIQUE, ["phone_lookup"])
                batch.drop_constraint(_foreign_key(table), type_="foreignkey")
                batch.drop_column("workspace_id")
        else:
            if table == "allowed_numbers":
                op.drop_constraint(_NEW_UNIQUE, table, type_="unique")
                op.create_unique_constraint(_OLD_UNIQUE, table, ["phone_lookup"])
            op.drop_constraint(_foreign_key(table), table, type_="foreignkey")
            op.drop_column(table, "workspace_id")
    if sqlite:
        _check_foreign_keys()
