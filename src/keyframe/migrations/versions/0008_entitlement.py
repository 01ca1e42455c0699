"""entitlement: entitled users of entries, and indexes the list rule reads through

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_ENTRY_COLUMNS = ("entitled_users_edit", "entitled_users_publish", "entitled_users_view")


def upgrade() -> None:
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        for name in _ENTRY_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        for name in _ENTRY_COLUMNS:
            batch_op.alter_column(name, server_default=None)

    op.create_table(
        "entry_entitled_users",
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["media_entries.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("entry_id", "kind", "user_id"),
    )
    with op.batch_alter_table("entry_entitled_users", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entry_entitled_users_partner_user", ["partner_id", "user_id", "entry_id"], unique=False
        )
    # The list rule goes from visible categories to their entries, and from an entry to its links.
    with op.batch_alter_table("category_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_category_entries_category_status_entry", ["category_id", "status", "entry_id"], unique=False
        )
        batch_op.create_index(
            "ix_category_entries_entry_status_category", ["entry_id", "status", "category_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("category_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_category_entries_entry_status_category")
        batch_op.drop_index("ix_category_entries_category_status_entry")
    with op.batch_alter_table("entry_entitled_users", schema=None) as batch_op:
        batch_op.drop_index("ix_entry_entitled_users_partner_user")
    op.drop_table("entry_entitled_users")
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        for name in reversed(_ENTRY_COLUMNS):
            batch_op.drop_column(name)
