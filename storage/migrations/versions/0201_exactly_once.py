"""Exactly once: outbox jobs remember when they first failed (retry window, alerts) and carry an order key
(a status packet never overtakes its document); inbound items are found by content hash.

Revision ID: 0201
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision: str = "0201"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("exactly_once",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("first_failed_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("order_key", sa.Text(), server_default="", nullable=False))
    op.create_index("ix_outbox_order_key_id", "outbox", ["order_key", "id"])
    op.create_index("ix_inbound_raw_sha256", "inbound", ["raw_sha256"])


def downgrade() -> None:
    op.drop_index("ix_inbound_raw_sha256", table_name="inbound")
    op.drop_index("ix_outbox_order_key_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("order_key")
        batch.drop_column("first_failed_at")
