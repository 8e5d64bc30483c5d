"""The search's summary index also carries the sender: a clerk's search (what the agency may see, by sender,
direction and state) is then decided from the index without reading each document's wide row.

Revision ID: console_0004
Revises: console_0003
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "console_0004"
down_revision: str | Sequence[str] | None = "console_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_documents_search_summary"
BEFORE = ["id", "received_at", "state", "type_name", "urgency", "channel", "direction", "open_due"]


def upgrade() -> None:
    op.drop_index(NAME, table_name="documents")
    op.create_index(NAME, "documents", [*BEFORE, "sender"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="documents")
    op.create_index(NAME, "documents", BEFORE)
