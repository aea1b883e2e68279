"""Numbers on a WhatsApp-Web gateway: `workspace_channels.connection`, where a number's link to
WhatsApp stands as the gateway last reported it (pairing with the QR code to scan, connected,
disconnected and why), as a JSON document; NULL for Cloud API and Twilio numbers, which have no
such link. Going back forgets the links and the gateway's numbers (a provider the older code
does not know).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ignacio.adapters.sql.types import json_document

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("workspace_channels", sa.Column("connection", json_document(none_as_null=True)))


def downgrade() -> None:
    op.execute("DELETE FROM workspace_channels WHERE provider = 'whatsapp_gateway'")
    with op.batch_alter_table("workspace_channels") as batch:
        batch.drop_column("connection")
