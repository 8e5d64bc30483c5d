"""Operating state: paused mailboxes (not polled while paused) and availability samples of the axis, clamd and
each mailbox (the period report's Điều 24.2.b section). See storage/operations.py.

Revision ID: console_0003
Revises: console_0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.tables import BigId, UtcDateTime

revision: str = "console_0003"
down_revision: str | Sequence[str] | None = "console_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mailbox_pauses",
        sa.Column("mailbox", sa.String(length=100), nullable=False),
        sa.Column("paused_at", UtcDateTime(), nullable=False),
        sa.Column("paused_by", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("mailbox", name=op.f("pk_mailbox_pauses")),
    )
    op.create_table(
        "availability_samples",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("component", sa.String(length=20), nullable=False),
        sa.Column("target", sa.Text(), server_default="", nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("up", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_samples")),
    )
    op.create_index("ix_availability_samples_at_component", "availability_samples", ["at", "component"])
    op.create_index(
        "ix_availability_samples_component_target_id", "availability_samples", ["component", "target", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_availability_samples_component_target_id", table_name="availability_samples")
    op.drop_index("ix_availability_samples_at_component", table_name="availability_samples")
    op.drop_table("availability_samples")
    op.drop_table("mailbox_pauses")
