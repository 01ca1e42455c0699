"""partners, users and KS state

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ks_states",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.Column("actions_used", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_ks_states")),
    )
    with op.batch_alter_table("ks_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ks_states_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ks_states_partner_id"), ["partner_id"], unique=False)

    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), sa.Identity(always=False, start=100), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("admin_secret", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("admin_name", sa.String(length=256), nullable=False),
        sa.Column("admin_email", sa.String(length=256), nullable=False),
        sa.Column("admin_user_id", sa.String(length=256), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("website", sa.String(length=1024), nullable=False),
        sa.Column("ks_max_expiry", sa.Integer(), nullable=False),
        sa.Column("ks_version", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["partners.id"], name=op.f("fk_partners_parent_id_partners")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partners")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partners_parent_id"), ["parent_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # Partner ids start at 100 (lower ones are reserved); PostgreSQL gets this from the identity.
        op.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('partners', 99)")

    op.create_table(
        "users",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=False),
        sa.Column("login_id", sa.String(length=256), nullable=True),
        sa.Column("password_hash", sa.String(length=256), nullable=True),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=256), nullable=False),
        sa.Column("first_name", sa.String(length=256), nullable=False),
        sa.Column("last_name", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_users_partner_id_partners"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_users")),
        sa.UniqueConstraint("login_id", name=op.f("uq_users_login_id")),
        sa.UniqueConstraint("partner_id", "user_id", name=op.f("uq_users_partner_id")),
    )


def downgrade() -> None:
    op.drop_table("users")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partners_parent_id"))

    op.drop_table("partners")
    with op.batch_alter_table("ks_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ks_states_partner_id"))
        batch_op.drop_index(batch_op.f("ix_ks_states_expires_at"))

    op.drop_table("ks_states")
