"""Initial schema: agencies, inbound, documents, register, statuses, outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.tables import BigId, UtcDateTime

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_name", sa.Text(), server_default="", nullable=False),
        sa.Column("emails", sa.JSON(), nullable=False),
        sa.Column("served", sa.Boolean(), nullable=False),
        sa.Column("address", sa.Text(), server_default="", nullable=False),
        sa.Column("telephone", sa.Text(), server_default="", nullable=False),
        sa.Column("tax_codes", sa.JSON(), nullable=False),
        sa.Column("cert_fingerprints", sa.JSON(), nullable=False),
        sa.Column("sender_policy", sa.String(length=20), nullable=False),
        sa.Column("code_qd20", sa.Text(), server_default="", nullable=False),
        sa.Column("abbreviation", sa.Text(), server_default="", nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("organ_id", name=op.f("pk_agencies")),
    )
    op.create_table(
        "inbound",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=False),
        sa.Column("raw_sha256", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("envelope_from", sa.Text(), server_default="", nullable=False),
        sa.Column("peer_ip", sa.Text(), server_default="", nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("mailbox", sa.Text(), server_default="", nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_inbound_source_ref")),
    )
    op.create_index(
        op.f("ix_inbound_mailbox_uidvalidity_uid"), "inbound", ["mailbox", "uidvalidity", "uid"], unique=False
    )
    op.create_index(op.f("ix_inbound_state"), "inbound", ["state"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=5), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("run_after", UtcDateTime(), nullable=False),
        sa.Column("locked_by", sa.String(), nullable=True),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("idempotency_key", sa.String(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_state_run_after"), "outbox", ["state", "run_after"], unique=False)

    op.create_table(
        "register_counters",
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.Column("book", sa.String(length=4), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("organ_id", "book", "year", name=op.f("pk_register_counters")),
    )
    op.create_table(
        "agency_emails",
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["organ_id"], ["agencies.organ_id"], name=op.f("fk_agency_emails_organ_id_agencies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("address", "organ_id", name=op.f("pk_agency_emails")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=True),
        sa.Column("code_number", sa.String(), nullable=True),
        sa.Column("code_notation", sa.String(), nullable=True),
        sa.Column("issued_date", sa.Date(), nullable=True),
        sa.Column("place", sa.Text(), server_default="", nullable=False),
        sa.Column("type_name", sa.Text(), server_default="", nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.Column("signer_name", sa.Text(), server_default="", nullable=False),
        sa.Column("signer_position", sa.Text(), server_default="", nullable=False),
        sa.Column("signer_competence", sa.Text(), server_default="", nullable=False),
        sa.Column("urgency", sa.SmallInteger(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("page_amount", sa.Integer(), nullable=True),
        sa.Column("appendixes", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("trail", sa.JSON(), nullable=False),
        sa.Column("inbound_id", sa.String(), nullable=True),
        sa.Column("reply_to", sa.Text(), server_default="", nullable=False),
        sa.Column("edxml_document_id", sa.Text(), server_default="", nullable=False),
        sa.Column("document_key", sa.Text(), server_default="", nullable=False),
        sa.Column("search_text", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["inbound_id"], ["inbound.id"], name=op.f("fk_documents_inbound_id_inbound")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_index(
        op.f("ix_documents_code_number_code_notation"), "documents", ["code_number", "code_notation"], unique=False
    )
    op.create_index(op.f("ix_documents_document_key"), "documents", ["document_key"], unique=False)
    op.create_index(op.f("ix_documents_inbound_id"), "documents", ["inbound_id"], unique=False)
    op.create_index(op.f("ix_documents_received_at"), "documents", ["received_at"], unique=False)
    op.create_index(op.f("ix_documents_sender"), "documents", ["sender"], unique=False)
    op.create_index(op.f("ix_documents_state"), "documents", ["state"], unique=False)

    op.create_table(
        "attachments",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("position", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_attachments_document_id_documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("document_id", "position", name=op.f("pk_attachments")),
    )
    op.create_index(op.f("ix_attachments_sha256"), "attachments", ["sha256"], unique=False)

    op.create_table(
        "document_recipients",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("position", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_recipients_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "position", name=op.f("pk_document_recipients")),
    )
    op.create_index(op.f("ix_document_recipients_organ_id"), "document_recipients", ["organ_id"], unique=False)

    op.create_table(
        "register_entries",
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.Column("book", sa.String(length=4), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("registered_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_register_entries_document_id_documents")
        ),
        sa.PrimaryKeyConstraint("organ_id", "book", "year", "number", name=op.f("pk_register_entries")),
        sa.UniqueConstraint(
            "organ_id", "book", "document_id", name=op.f("uq_register_entries_organ_id_book_document_id")
        ),
    )
    op.create_index(op.f("ix_register_entries_document_id"), "register_entries", ["document_id"], unique=False)

    op.create_table(
        "status_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.Text(), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_status_events_document_id_documents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_events")),
    )
    op.create_index(
        op.f("ix_status_events_document_id_organ_id"), "status_events", ["document_id", "organ_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_status_events_document_id_organ_id"), table_name="status_events")

    op.drop_table("status_events")
    op.drop_index(op.f("ix_register_entries_document_id"), table_name="register_entries")

    op.drop_table("register_entries")
    op.drop_index(op.f("ix_document_recipients_organ_id"), table_name="document_recipients")

    op.drop_table("document_recipients")
    op.drop_index(op.f("ix_attachments_sha256"), table_name="attachments")

    op.drop_table("attachments")
    op.drop_index(op.f("ix_documents_state"), table_name="documents")
    op.drop_index(op.f("ix_documents_sender"), table_name="documents")
    op.drop_index(op.f("ix_documents_received_at"), table_name="documents")
    op.drop_index(op.f("ix_documents_inbound_id"), table_name="documents")
    op.drop_index(op.f("ix_documents_document_key"), table_name="documents")
    op.drop_index(op.f("ix_documents_code_number_code_notation"), table_name="documents")

    op.drop_table("documents")
    op.drop_table("agency_emails")
    op.drop_table("register_counters")
    op.drop_index(op.f("ix_outbox_state_run_after"), table_name="outbox")

    op.drop_table("outbox")
    op.drop_index(op.f("ix_inbound_state"), table_name="inbound")
    op.drop_index(op.f("ix_inbound_mailbox_uidvalidity_uid"), table_name="inbound")

    op.drop_table("inbound")
    op.drop_table("agencies")
