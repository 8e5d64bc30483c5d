"""Deliveries to agencies without a system (tracking tokens) and the receipt log (per-address daily cap).

Revision ID: 0101
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision: str = "0101"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("deliveries",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("token", sa.String(length=24), nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.Column("edxml_document_id", sa.Text(), nullable=False),
        sa.Column("sender_organ", sa.String(length=20), server_default="", nullable=False),
        sa.Column("mailbox", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index("ix_deliveries_edxml_document_id_organ_id", "deliveries", ["edxml_document_id", "organ_id"])
    op.create_index("ix_deliveries_document_id", "deliveries", ["document_id"])
    op.create_table(
        "receipt_log",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent", sa.Boolean(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_receipt_log_address_day", "receipt_log", ["address", "day"])


def downgrade() -> None:
    op.drop_index("ix_receipt_log_address_day", table_name="receipt_log")
    op.drop_table("receipt_log")
    op.drop_index("ix_deliveries_document_id", table_name="deliveries")
    op.drop_index("ix_deliveries_edxml_document_id_organ_id", table_name="deliveries")
    op.drop_table("deliveries")
