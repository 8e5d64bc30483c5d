"""A chat asked to type the lines completing a held document (or a reason to withdraw it).

Revision ID: replies_0002
Revises: replies_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision: str = "replies_0002"
down_revision: str | Sequence[str] | None = "replies_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_held_prompts",
        sa.Column("chat_id", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
    )


def downgrade() -> None:
    op.drop_table("chat_held_prompts")
