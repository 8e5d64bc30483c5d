"""Indexes for the console's register search (storage/search.py): each filter with the received_at order,
document types, urgency, deadlines, and documents by recipient.

Revision ID: console_0001
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "console_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("console",)
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_documents_state_received_at": ("documents", ["state", "received_at"]),
    "ix_documents_sender_received_at": ("documents", ["sender", "received_at"]),
    "ix_documents_channel_received_at": ("documents", ["channel", "received_at"]),
    "ix_documents_direction_received_at": ("documents", ["direction", "received_at"]),
    "ix_documents_type_name": ("documents", ["type_name"]),
    "ix_documents_urgency": ("documents", ["urgency"]),
    "ix_documents_due_date": ("documents", ["due_date"]),
    "ix_document_recipients_organ_id_document_id": ("document_recipients", ["organ_id", "document_id"]),
    "ix_documents_received_at_id": ("documents", ["received_at", "id"]),
    "ix_documents_subject": ("documents", ["subject"]),
    "ix_status_events_code_document_id": ("status_events", ["code", "document_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
