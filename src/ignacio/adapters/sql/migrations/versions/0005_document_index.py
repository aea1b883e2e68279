"""The document index: members' passages, searchable by full text on each dialect.

`document_chunks` is the same plain table on both dialects; what makes it searchable is not:
- PostgreSQL: a generated `search_vector` (the 'simple' configuration: no stemming and no stop
  words, so it suits every language) with a GIN index. Accents are folded before the text gets
  here, so neither the unaccent extension (which needs privileges and is not immutable) nor any
  other is required.
- SQLite: an external-content FTS5 table over `search_text`, kept in step by triggers. Deleting a
  file (or its owner) cascades to its passages and the delete trigger takes them out of the
  index, so nothing is left behind that a search could find.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POSTGRES_SEARCH = (
    "ALTER TABLE document_chunks ADD COLUMN search_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    # Kept in the row (the texts move to TOAST first): ranking reads the vector of every
    # candidate, and fetching it from TOAST costs several page reads each time.
    "ALTER TABLE document_chunks ALTER COLUMN search_vector SET STORAGE MAIN",
    "CREATE INDEX ix_document_chunks_search_vector ON document_chunks USING gin (search_vector)",
)

_SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE document_chunks_fts USING fts5("
    "search_text, content='document_chunks', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER document_chunks_fts_insert AFTER INSERT ON document_chunks BEGIN"
    " INSERT INTO document_chunks_fts (rowid, search_text) VALUES (new.id, new.search_text);"
    " END",
    # An external-content index forgets a row only when told the values it indexed.
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

_SQLITE_SEARCH_DROP = (
    "DROP TRIGGER document_chunks_fts_update",
    "DROP TRIGGER document_chunks_fts_delete",
    "DROP TRIGGER document_chunks_fts_insert",
    "DROP TABLE document_chunks_fts",
)


def upgrade() -> None:
    op.create_table(
        "document_chunks",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["user_files.id"],
            name=op.f("fk_document_chunks_file_id_user_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_chunks")),
    )
    op.create_index("ix_document_chunks_user_id_file_id", "document_chunks", ["user_id", "file_id"])
    op.create_index("ix_document_chunks_file_id", "document_chunks", ["file_id"])
    statements = _POSTGRES_SEARCH if _dialect() == "postgresql" else _SQLITE_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if _dialect() == "sqlite":
        for statement in _SQLITE_SEARCH_DROP:
            op.execute(statement)
    # On PostgreSQL the generated column and its index go with the table.
    op.drop_index("ix_document_chunks_file_id", table_name="document_chunks")
    op.drop_index("ix_document_chunks_user_id_file_id", table_name="document_chunks")
    op.drop_table("document_chunks")


def _dialect() -> str:
    # The context's dialect rather than the bind's: it is there in offline (--sql) mode too.
    return str(op.get_context().dialect.name)
