"""upload tokens

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_tokens",
        sa.Column("id", sa.String(length=34), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=256), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("auto_finalize", sa.Boolean(), nullable=False),
        sa.Column("uploaded_size", sa.BigInteger(), nullable=False),
        sa.Column("final_end", sa.BigInteger(), nullable=True),
        sa.Column("file_key", sa.String(length=512), nullable=True),
        sa.Column("attached_object_type", sa.String(length=128), nullable=False),
        sa.Column("attached_object_id", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_upload_tokens_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_tokens")),
    )
    with op.batch_alter_table("upload_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_upload_tokens_partner_status", ["partner_id", "status"], unique=False)
        batch_op.create_index("ix_upload_tokens_status_updated", ["status", "updated_at"], unique=False)

    op.create_table(
        "upload_parts",
        sa.Column("pk", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.String(length=34), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["upload_tokens.id"],
            name=op.f("fk_upload_parts_token_id_upload_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_upload_parts")),
        sa.UniqueConstraint("token_id", "offset", name=op.f("uq_upload_parts_token_id")),
    )


def downgrade() -> None:
    op.drop_table("upload_parts")
    with op.batch_alter_table("upload_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_upload_tokens_status_updated")
        batch_op.drop_index("ix_upload_tokens_partner_status")
    op.drop_table("upload_tokens")
