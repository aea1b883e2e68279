"""A workspace's knowledge base: documents no member owns, which every member's assistant searches.

A knowledge document is a `user_files` row with no `user_id`: the column becomes nullable. Who
uploaded a file is kept apart from whose it is, in `uploaded_by` (ON DELETE SET NULL: a
knowledge document outlives the admin who gave it); every existing file was given by its
member, so `uploaded_by` is filled with `user_id`.

The document index names a passage's collection rather than its member: `document_chunks.user_id`
becomes `owner_id`, the member's id or, for the knowledge base, the workspace's, so that a search
reads `owner_id IN (member, workspace)` through one index. Every passage so far is a member's, so
no value changes; the index on (user_id, workspace_id) is renamed with its column.

SQLite drops NOT NULL only by rebuilding the table (batch mode), which drops the old table: with
foreign keys enforced that would delete the passages referring to it ON DELETE CASCADE, so this
refuses to run that way (`ignacio migrate` leaves them unenforced, see env.py) and checks every
foreign key once done. The passages' foreign key names the table, so it holds on the rebuilt
one. `RENAME COLUMN` keeps the FTS5 triggers (they name only `id` and `search_text`).

Going back deletes the knowledge documents (the old schema cannot hold a file without a member;
their passages go with them, their blobs stay in storage), then undoes the rest.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UPLOADED_BY_KEY = "fk_user_files_uploaded_by_users"
_OLD_INDEX = "ix_document_chunks_user_id_workspace_id"
_NEW_INDEX = "ix_document_chunks_owner_id_workspace_id"

_user_files = sa.table(
    "user_files", sa.column("user_id", sa.Uuid()), sa.column("uploaded_by", sa.Uuid())
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _refuse_enforced_foreign_keys() -> None:
    enforced = op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar()
    if enforced:
        raise RuntimeError(
            "Migration 0017 rebuilds `user_files`, which the document index refers to ON DELETE "
            "CASCADE: with foreign keys enforced that would delete every passage. Run it through "
            "`ignacio migrate`, which leaves them unenforced while migrating."
        )


def _check_foreign_keys() -> None:
    problems = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:
        raise RuntimeError(f"Migration 0017 would leave rows with missing parents: {problems}")


def _rename_chunk_owner(old: str, new: str, old_index: str, new_index: str) -> None:
    op.execute(f"ALTER TABLE document_chunks RENAME COLUMN {old} TO {new}")
    if _is_sqlite():
        # SQLite has no ALTER INDEX; the index already follows the renamed column.
        op.drop_index(old_index, table_name="document_chunks")
        op.create_index(new_index, "document_chunks", [new, "workspace_id"])
    else:
        op.execute(f"ALTER INDEX {old_index} RENAME TO {new_index}")


def upgrade() -> None:
    sqlite = _is_sqlite()
    if sqlite:
        _refuse_enforced_foreign_keys()
    op.add_column("user_files", sa.Column("uploaded_by", sa.Uuid(), nullable=True))
    op.execute(_user_files.update().values(uploaded_by=_user_files.c.user_id))
    if sqlite:
        with op.batch_alter_table("user_files", recreate="always") as batch:
            batch.alter_column("user_id", existing_type=sa.Uuid(), nullable=True)
            batch.create_foreign_key(
                _UPLOADED_BY_KEY, "users", ["uploaded_by"], ["id"], ondelete="SET NULL"
            )
    else:
        op.alter_column("user_files", "user_id", existing_type=sa.Uuid(), nullable=True)
        op.create_foreign_key(
            _UPLOADED_BY_KEY, "user_files", "users", ["uploaded_by"], ["id"], ondelete="SET NULL"
        )
    _rename_chunk_owner("user_id", "owner_id", _OLD_INDEX, _NEW_INDEX)
    if sqlite:
        _check_foreign_keys()


def downgrade() -> None:
    sqlite = _is_sqlite()
    if sqlite:
        _refuse_enforced_foreign_keys()
    # On SQLite the passages go by hand: the cascade is not enforced while migrating.
    op.execute(
        "DELETE FROM document_chunks WHERE file_id IN (SELECT id FROM user_files"
        " WHERE user_id IS NULL)"
    )
    op.execute(_user_files.delete().where(_user_files.c.user_id.is_(None)))
    _rename_chunk_owner("owner_id", "user_id", _NEW_INDEX, _OLD_INDEX)
    if sqlite:
        with op.batch_alter_table("user_files", recreate="always") as batch:
            batch.drop_constraint(_UPLOADED_BY_KEY, type_="foreignkey")
            batch.drop_column("uploaded_by")
            batch.alter_column("user_id", existing_type=sa.Uuid(), nullable=False)
        _check_foreign_keys()
    else:
        op.drop_constraint(_UPLOADED_BY_KEY, "user_files", type_="foreignkey")
        op.drop_column("user_files", "uploaded_by")
        op.alter_column("user_files", "user_id", existing_type=sa.Uuid(), nullable=False)
