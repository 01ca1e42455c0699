"""category entries carry their entry's status and moderation status, so an entitled count reads links alone;
the owner index on entries includes the status

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_STATE_COLUMNS = ("entry_status", "entry_moderation_status")


def upgrade() -> None:
    with op.batch_alter_table("category_entries", schema=None) as batch_op:
        for name in _STATE_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE category_entries SET"
        " entry_status = (SELECT status FROM media_entries WHERE media_entries.id = category_entries.entry_id),"
        " entry_moderation_status = (SELECT moderation_status FROM media_entries"
        " WHERE media_entries.id = category_entries.entry_id)"
    )
    with op.batch_alter_table("category_entries", schema=None) as batch_op:
        # The server default only filled the existing rows; new links copy their entry's state.
        for name in _STATE_COLUMNS:
            batch_op.alter_column(name, server_default=None)
        batch_op.drop_index("ix_category_entries_category_status_entry")
        batch_op.create_index(
            "ix_category_entries_category_status_entry_state",
            ["category_id", "status", "entry_id", *_STATE_COLUMNS],
            unique=False,
        )
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_media_entries_partner_user")
        batch_op.create_index(
            "ix_media_entries_partner_user_status", ["partner_id", "user_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_media_entries_partner_user_status")
        batch_op.create_index("ix_media_entries_partner_user", ["partner_id", "user_id"], unique=False)
    with op.batch_alter_table("category_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_category_entries_category_status_entry_state")
        batch_op.create_index(
            "ix_category_entries_category_status_entry", ["category_id", "status", "entry_id"], unique=False
        )
        for name in reversed(_STATE_COLUMNS):
            batch_op.drop_column(name)
