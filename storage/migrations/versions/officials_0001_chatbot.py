"""Officials, link codes, chat links, notices (chat notification delivery state), chat actions (evidence).

Revision ID: officials_0001
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.tables import BigId, UtcDateTime

revision: str = "officials_0001"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("officials",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "chat_actions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.Column("official_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), server_default="", nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_actions")),
    )
    op.create_index(
        op.f("ix_chat_actions_document_id_organ_id"), "chat_actions", ["document_id", "organ_id"], unique=False
    )
    op.create_table(
        "chat_prompts",
        sa.Column("chat_id", sa.String(length=32), nullable=False),
        sa.Column("notice_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chat_prompts")),
    )
    op.create_table(
        "notice_fanouts",
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("document_id", "organ_id", name=op.f("pk_notice_fanouts")),
    )
    op.create_table(
        "officials",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("email", sa.Text(), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officials")),
    )
    op.create_index(op.f("ix_officials_organ_id"), "officials", ["organ_id"], unique=False)
    op.create_table(
        "chat_links",
        sa.Column("chat_id", sa.String(length=32), nullable=False),
        sa.Column("official_id", sa.BigInteger(), nullable=False),
        sa.Column("linked_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["official_id"], ["officials.id"], name=op.f("fk_chat_links_official_id_officials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chat_links")),
        sa.UniqueConstraint("official_id", name=op.f("uq_chat_links_official_id")),
    )
    op.create_table(
        "official_link_codes",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("official_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["official_id"],
            ["officials.id"],
            name=op.f("fk_official_link_codes_official_id_officials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_official_link_codes")),
    )
    op.create_table(
        "notices",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(), nullable=False),
        sa.Column("organ_id", sa.String(length=20), nullable=False),
        sa.Column("official_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("message_id", sa.Text(), server_default="", nullable=False),
        sa.Column("chat_id", sa.Text(), server_default="", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("acked_at", UtcDateTime(), nullable=True),
        sa.Column("escalated_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], name=op.f("fk_notices_document_id_documents")),
        sa.ForeignKeyConstraint(
            ["official_id"], ["officials.id"], name=op.f("fk_notices_official_id_officials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint(
            "document_id", "organ_id", "official_id", name=op.f("uq_notices_document_id_organ_id_official_id")
        ),
    )
    op.create_index(op.f("ix_notices_official_id_state"), "notices", ["official_id", "state"], unique=False)
    op.create_index(op.f("ix_notices_state_created_at"), "notices", ["state", "created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_notices_state_created_at"), table_name="notices")
    op.drop_index(op.f("ix_notices_official_id_state"), table_name="notices")
    op.drop_table("notices")
    op.drop_table("official_link_codes")
    op.drop_table("chat_links")
    op.drop_index(op.f("ix_officials_organ_id"), table_name="officials")
    op.drop_table("officials")
    op.drop_table("notice_fanouts")
    op.drop_table("chat_prompts")
    op.drop_index(op.f("ix_chat_actions_document_id_organ_id"), table_name="chat_actions")
    op.drop_table("chat_actions")
