"""SQLAlchemy Core schema. Alembic migrations (storage/migrations) create it; this is the source for queries
and for the schema-drift test, so keep both in step."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out. Naive input is taken as UTC.

    SQLite has no time zone type: values are stored as naive UTC text of fixed width, so ordering and
    comparisons stay correct. PostgreSQL uses timestamptz."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite autoincrements only an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def column(name: str, type_: Any, *args: Any, **kw: Any) -> sa.Column[Any]:
    """NOT NULL unless said otherwise (shared by the feature branches' tables)."""
    kw.setdefault("nullable", False)
    return sa.Column(name, type_, *args, **kw)


def text_column(name: str) -> sa.Column[Any]:
    return sa.Column(name, sa.Text(), nullable=False, server_default="")


_col, _text = column, text_column


agencies = sa.Table(
    "agencies",
    metadata,
    _col("organ_id", sa.String(20), primary_key=True),
    _col("name", sa.Text()),
    _text("parent_name"),
    _col("emails", sa.JSON()),
    _col("served", sa.Boolean()),
    _text("address"),
    _text("telephone"),
    _col("tax_codes", sa.JSON()),
    _col("cert_fingerprints", sa.JSON()),
    _col("sender_policy", sa.String(20)),
    _text("code_qd20"),
    _text("abbreviation"),
    _col("extra", sa.JSON()),
)

# Lookup of an agency by any of its addresses (agencies.emails keeps their order).
agency_emails = sa.Table(
    "agency_emails",
    metadata,
    _col("address", sa.String(), primary_key=True),
    _col(
        "organ_id",
        sa.String(20),
        sa.ForeignKey("agencies.organ_id", ondelete="CASCADE"),
        primary_key=True,
    ),
)

inbound = sa.Table(
    "inbound",
    metadata,
    _col("id", sa.String(), primary_key=True),
    _col("channel", sa.String(10)),
    _col("source_ref", sa.Text(), unique=True),
    _col("raw_sha256", sa.String()),
    _col("size", sa.BigInteger()),
    # the raw message itself, committed with the row on the accept path (one fsync for a whole group of
    # mails); the pipeline moves it to the blob store and clears it
    sa.Column("raw", sa.LargeBinary(), nullable=True),
    _text("envelope_from"),
    _text("peer_ip"),
    _col("recipients", sa.JSON()),
    _text("mailbox"),
    sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
    sa.Column("uid", sa.BigInteger(), nullable=True),
    _col("received_at", UtcDateTime()),
    _col("state", sa.String(12)),
    _text("last_error"),
    sa.Index(None, "mailbox", "uidvalidity", "uid"),
    sa.Index(None, "state"),
    sa.Index(None, "raw_sha256"),  # migration 0201: the same bytes again, whatever the channel key
)

documents = sa.Table(
    "documents",
    metadata,
    _col("id", sa.String(), primary_key=True),
    _col("direction", sa.String(10)),
    _col("channel", sa.String(10)),
    _col("received_at", UtcDateTime()),
    sa.Column("sender", sa.String(20), nullable=True),
    sa.Column("code_number", sa.String(), nullable=True),
    sa.Column("code_notation", sa.String(), nullable=True),
    sa.Column("issued_date", sa.Date(), nullable=True),
    _text("place"),
    _text("type_name"),
    _text("subject"),
    _text("signer_name"),
    _text("signer_position"),
    _text("signer_competence"),
    _col("urgency", sa.SmallInteger()),
    sa.Column("due_date", sa.Date(), nullable=True),
    sa.Column("page_amount", sa.Integer(), nullable=True),
    _col("appendixes", sa.JSON()),
    _col("state", sa.String(12)),
    _col("reasons", sa.JSON()),
    _col("trail", sa.JSON()),
    sa.Column("inbound_id", sa.String(), sa.ForeignKey("inbound.id"), nullable=True),
    _text("reply_to"),
    _text("edxml_document_id"),
    # Document.document_id (the edXML id, given or derived) and a diacritic-free text for search.
    _text("document_key"),
    _text("search_text"),
    # The deadline while the document is registered and a recipient has neither finished (06) nor refused (02);
    # NULL otherwise. Kept by storage/search_index.py so "overdue" is one index range (migration console_0002).
    sa.Column("open_due", sa.Date(), nullable=True),
    sa.Index(None, "state"),
    sa.Index(None, "sender"),
    sa.Index(None, "code_number", "code_notation"),
    sa.Index(None, "received_at"),
    sa.Index(None, "inbound_id"),
    sa.Index(None, "document_key"),
)

document_recipients = sa.Table(
    "document_recipients",
    metadata,
    _col("document_id", sa.String(), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    _col("position", sa.SmallInteger(), primary_key=True, autoincrement=False),
    _col("organ_id", sa.String(20)),
    sa.Index(None, "organ_id"),
)

# Each word of a document's folded search text (storage/search_index.py): a keyword is a prefix range on
# this index instead of a LIKE over every document. Byte order ("C") so that range is exact on PostgreSQL too.
document_words = sa.Table(
    "document_words",
    metadata,
    _col("word", sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql"), primary_key=True),
    _col("document_id", sa.String(), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    sa.Index(None, "document_id"),
)

attachments = sa.Table(
    "attachments",
    metadata,
    _col("document_id", sa.String(), sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    _col("position", sa.SmallInteger(), primary_key=True, autoincrement=False),
    _col("sha256", sa.String()),
    _col("filename", sa.Text()),
    _col("content_type", sa.Text()),
    _col("size", sa.BigInteger()),
    _text("description"),
    sa.Index(None, "sha256"),
)

register_entries = sa.Table(
    "register_entries",
    metadata,
    _col("organ_id", sa.String(20), primary_key=True),
    _col("book", sa.String(4), primary_key=True),
    _col("year", sa.Integer(), primary_key=True, autoincrement=False),
    _col("number", sa.Integer(), primary_key=True, autoincrement=False),
    _col("document_id", sa.String(), sa.ForeignKey("documents.id")),
    _col("registered_at", UtcDateTime()),
    sa.UniqueConstraint("organ_id", "book", "document_id"),
    sa.Index(None, "document_id"),
)

register_counters = sa.Table(
    "register_counters",
    metadata,
    _col("organ_id", sa.String(20), primary_key=True),
    _col("book", sa.String(4), primary_key=True),
    _col("year", sa.Integer(), primary_key=True, autoincrement=False),
    _col("last_number", sa.Integer()),
)

status_events = sa.Table(
    "status_events",
    metadata,
    _col("id", BigId, primary_key=True, autoincrement=True),
    _col("document_id", sa.String(), sa.ForeignKey("documents.id")),
    _col("organ_id", sa.String(20)),
    _col("code", sa.String(2)),
    _col("at", UtcDateTime()),
    _text("actor"),
    _text("description"),
    _text("source"),
    sa.Index(None, "document_id", "organ_id"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    _col("id", BigId, primary_key=True, autoincrement=True),
    _col("kind", sa.String()),
    _col("payload", sa.JSON()),
    _col("state", sa.String(5)),
    _col("attempts", sa.Integer(), server_default="0"),
    _col("run_after", UtcDateTime()),
    sa.Column("locked_by", sa.String(), nullable=True),
    sa.Column("locked_until", UtcDateTime(), nullable=True),
    _text("last_error"),
    _col("idempotency_key", sa.String(), unique=True),
    _col("created_at", UtcDateTime()),
    _col("updated_at", UtcDateTime()),
    # exactly-once branch (migration 0201): when it first failed (retry window, alerts) and its order key
    sa.Column("first_failed_at", UtcDateTime(), nullable=True),
    _text("order_key"),
    sa.Index(None, "state", "run_after"),
    sa.Index(None, "order_key", "id"),
)
