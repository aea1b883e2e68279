"""The document index knows each passage's workspace, so a search reads only one workspace's.

A member may belong to several organisations' workspaces; searching their passages by member
alone quoted, in workspace B, a document they gave workspace A. `document_chunks.workspace_id`
is the workspace of the passage's file, filled from `user_files` by file id. Every passage has
its file's row (the foreign key cascades), so every row is filled and the column is NOT NULL; a
passage whose file is gone (possible only if foreign keys were ever unenforced) is deleted
first: no search should find it, and no workspace can claim it. No foreign key to `workspaces`:
the file's own cascades from there. The index (user_id, file_id) gives way to
(user_id, workspace_id), which serves the scoped search and forgetting a member; removing a
file's passages goes through (file_id).

Copies uploaded to OpenAI vector stores so far carry no `workspace_id` attribute, so a search
filtered on it would silently miss them: files synced with a remote copy are marked `expired`,
and the sync sweep uploads them again, with the attribute (and replaces the old copy). Until it
has, a hosted search does not find them; the database index does.

SQLite sets NOT NULL only by rebuilding the table (batch mode), which drops its triggers: the
FTS5 triggers of migration 0005 are dropped before the backfill (which would otherwise
re-index every passage: `search_text` does not change) and made again after the rebuild. The
rebuild keeps every id, and the FTS5 index refers to passages by id, so it stays as it was.
Nothing refers to `document_chunks`, so the rebuild deletes nothing else.

Going back drops the column and restores the old index; files re-uploaded stay as they are (an
extra attribute is harmless).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_INDEX = ("ix_document_chunks_user_id_file_id", ["user_id", "file_id"])
_NEW_INDEX = ("ix_document_chunks_user_id_workspace_id", ["user_id", "workspace_id"])

_ORPHANS = sa.text(
    "DELETE FROM document_chunks"
    " WHERE NOT EXISTS (SELECT 1 FROM user_files WHERE user_files.id = document_chunks.file_id)"
)
_BACKFILL = sa.text(
    "UPDATE document_chunks SET workspace_id ="
    " (SELECT workspace_id FROM user_files WHERE user_files.id = document_chunks.file_id)"
)
_RESYNC = sa.text(
    "UPDATE user_files SET openai_sync_status = 'expired'"
    " WHERE openai_sync_status = 'synced' AND openai_file_id IS NOT NULL"
)

# Migration 0005's triggers, as it made them.
_SQLITE_TRIGGERS = (
    "CREATE TRIGGER document_chunks_fts_insert AFTER INSERT ON document_chunks BEGIN"
    " INSERT INTO document_chunks_fts (rowid, search_text) VALUES (new.id, new.search_text);"
    " END",
    "CREATE TRIGGER document_chunks_fts_delete AFTER DELETE ON document_chunks BEGIN"
    " INSERT INTO document_chunks_fts (document_chunks_fts, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text);"
    " END",
    "CREATE TRIGGER document_chunks_fts_update AFTER UPDATE ON document_chunks BEGIN"
    " INSERT INTO document_chunks_fts (document_chunks_fts, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text);"
    " INSERT INTO document_chunks_fts (rowid, search_text) VALUES (new.id, new.search_text);"
    " END",
)
_SQLITE_TRIGGERS_DROP = (
    "DROP TRIGGER document_chunks_fts_update",
    "DROP TRIGGER document_chunks_fts_delete",
    "DROP TRIGGER document_chunks_fts_insert",
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    sqlite = _is_sqlite()
    # Before the triggers go: an orphan's passages leave the FTS5 index with it.
    op.execute(_ORPHANS)
    if sqlite:
        for statement in _SQLITE_TRIGGERS_DROP:
            op.execute(statement)
    op.add_column("document_chunks", sa.Column("workspace_id", sa.Uuid(), nullable=True))
    op.execute(_BACKFILL)
    if sqlite:
        with op.batch_alter_table("document_chunks", recreate="always") as batch:
            batch.alter_column("workspace_id", existing_type=sa.Uuid(), nullable=False)
            batch.drop_index(_OLD_INDEX[0])
            batch.create_index(*_NEW_INDEX)
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.alter_column("document_chunks", "workspace_id", existing_type=sa.Uuid(), nullable=False)
        op.create_index(_NEW_INDEX[0], "document_chunks", _NEW_INDEX[1])
        op.drop_index(_OLD_INDEX[0], table_name="document_chunks")
    op.execute(_RESYNC)


def downgrade() -> None:
    if _is_sqlite():
        for statement in _SQLITE_TRIGGERS_DROP:
            op.execute(statement)
        with op.batch_alter_table("document_chunks", recreate="always") as batch:
            batch.drop_index(_NEW_INDEX[0])
            batch.create_index(*_OLD_INDEX)
            batch.drop_column("workspace_id")
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.create_index(_OLD_INDEX[0], "document_chunks", _OLD_INDEX[1])
        op.drop_index(_NEW_INDEX[0], table_name="document_chunks")
        op.drop_column("document_chunks", "workspace_id")
