"""Tracking tokens of held documents' receipts (a reply with the token completes the document).

Revision ID: replies_0001
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision: str = "replies_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("replies",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "held_tokens",
        sa.Column("token", sa.String(length=24), nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("organ_id", sa.String(length=20), server_default="", nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token"),
        sa.UniqueConstraint("document_id"),
    )


def downgrade() -> None:
    op.drop_table("held_tokens")
