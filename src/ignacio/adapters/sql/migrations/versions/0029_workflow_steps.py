"""Workflow steps: what each workspace's assistant finds out from every member, and the answers.

- `workspace_workflows`: one row per workspace with steps, the ordered steps as one JSON
  document ([{key, prompt, kind, required, options}]); gone with its workspace.
- `workflow_answers`: one row per (workspace, member, key) with the value in normal form, the
  type it was checked against, who set it (NULL: the assistant) and when; gone with its
  workspace or its member.

Going back drops both tables, and with them every answer collected.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import UtcDateTime, json_document

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspace_workflows",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("steps", json_document(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_workspace_workflows_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name="pk_workspace_workflows"),
    )
    op.create_table(
        "workflow_answers",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("set_by", sa.Uuid(), nullable=True),
        sa.Column("set_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_workflow_answers_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_workflow_answers_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", "key", name="pk_workflow_answers"),
    )
    op.create_index("ix_workflow_answers_user_id", "workflow_answers", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_workflow_answers_user_id", table_name="workflow_answers")
    op.drop_table("workflow_answers")
    op.drop_table("workspace_workflows")
