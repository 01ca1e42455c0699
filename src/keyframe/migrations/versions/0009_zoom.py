"""zoom: linked vendor accounts (vendor_integrations) and the per-partner Zoom account limit

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_integrations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("vendor_type", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("auth_type", sa.Integer(), nullable=False),
        sa.Column("auth_status", sa.String(length=32), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("access_expires_at", sa.BigInteger(), nullable=False),
        sa.Column("tokens_refreshed_at", sa.BigInteger(), nullable=False),
        sa.Column("zoom_user_id", sa.String(length=64), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_error_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_vendor_integrations_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_integrations")),
        sa.UniqueConstraint("vendor_type", "account_id", "partner_id", name="uq_vendor_integrations_account"),
    )
    with op.batch_alter_table("vendor_integrations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_vendor_integrations_partner", ["partner_id", "vendor_type", "status"], unique=False
        )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zoom_accounts_limit", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("zoom_accounts_limit")
    with op.batch_alter_table("vendor_integrations", schema=None) as batch_op:
        batch_op.drop_index("ix_vendor_integrations_partner")
    op.drop_table("vendor_integrations")
