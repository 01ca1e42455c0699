"""media entries

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_media_entries_partner_status_created": ["partner_id", "status", "created_at"],
    "ix_media_entries_partner_status_updated": ["partner_id", "status", "updated_at"],
    "ix_media_entries_partner_status_name": ["partner_id", "status", "name"],
    "ix_media_entries_partner_user": ["partner_id", "user_id"],
    "ix_media_entries_partner_reference": ["partner_id", "reference_id"],
}


def upgrade() -> None:
    op.create_table(
        "media_entries",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.Integer(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("moderation_status", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("admin_tags", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=False),
        sa.Column("creator_id", sa.String(length=256), nullable=False),
        sa.Column("reference_id", sa.String(length=256), nullable=False),
        sa.Column("partner_data", sa.Text(), nullable=False),
        sa.Column("categories_ids", sa.Text(), nullable=False),
        sa.Column("start_date", sa.BigInteger(), nullable=True),
        sa.Column("end_date", sa.BigInteger(), nullable=True),
        sa.Column("access_control_id", sa.Integer(), nullable=True),
        sa.Column("conversion_profile_id", sa.Integer(), nullable=True),
        sa.Column("partner_sort_value", sa.Integer(), nullable=False),
        sa.Column("credit_user_name", sa.String(length=256), nullable=False),
        sa.Column("credit_url", sa.String(length=1024), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=False),
        sa.Column("content_key", sa.String(length=512), nullable=True),
        sa.Column("content_size", sa.BigInteger(), nullable=True),
        sa.Column("content_type", sa.String(length=128), nullable=False),
        sa.Column("file_name", sa.String(length=256), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_media_entries_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_entries")),
    )
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        for name, columns in _INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        for name in reversed(list(_INDEXES)):
            batch_op.drop_index(name)
    op.drop_table("media_entries")
