"""Register search without scans: the words of each document (document_words, a keyword is a prefix range) and
documents.open_due (the deadline while a recipient has neither finished nor refused: "overdue" is one range);
filters by type and urgency indexed with the received_at order, and a summary index by id (storage/search.py).
Both are filled here from the existing rows.

Revision ID: console_0002
Revises: console_0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.search_index import open_due_update, word_rows

revision: str = "console_0002"
down_revision: str | Sequence[str] | None = "console_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_INDEXES = {
    "ix_documents_open_due_received_at": ["open_due", "received_at"],
    "ix_documents_type_name_received_at": ["type_name", "received_at"],
    "ix_documents_urgency_received_at": ["urgency", "received_at"],
    "ix_documents_urgency_open_due": ["urgency", "open_due", "received_at"],
    "ix_documents_search_summary": [
        "id", "received_at", "state", "type_name", "urgency", "channel", "direction", "open_due",
    ],
}  # fmt: skip
OLD_INDEXES = {"ix_documents_type_name": ["type_name"], "ix_documents_urgency": ["urgency"]}
_BATCH = 2000


def upgrade() -> None:
    word = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
    op.create_table(
        "document_words",
        sa.Column("word", word, nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_document_words_document_id_documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("word", "document_id", name=op.f("pk_document_words")),
    )
    op.create_index("ix_document_words_document_id", "document_words", ["document_id"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("open_due", sa.Date(), nullable=True))
    for name in OLD_INDEXES:
        op.drop_index(name, table_name="documents")
    for name, columns in NEW_INDEXES.items():
        op.create_index(name, "documents", columns)
    _fill()


def _fill() -> None:
    conn = op.get_bind()
    docs, words = (
        sa.table("documents", sa.column("id"), sa.column("search_text")),
        sa.table("document_words", sa.column("word"), sa.column("document_id")),
    )
    last = ""
    while True:
        q = sa.select(docs.c.id, docs.c.search_text).where(docs.c.id > last).order_by(docs.c.id).limit(_BATCH)
        rows = conn.execute(q).all()
        if not rows:
            break
        batch = [w for r in rows for w in word_rows(r.id, r.search_text)]
        if batch:
            conn.execute(sa.insert(words), batch)
        last = rows[-1].id
    conn.execute(open_due_update())


def downgrade() -> None:
    for name in NEW_INDEXES:
        op.drop_index(name, table_name="documents")
    for name, columns in OLD_INDEXES.items():
        op.create_index(name, "documents", columns)
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("open_due")
    op.drop_index("ix_document_words_document_id", table_name="document_words")
    op.drop_table("document_words")
