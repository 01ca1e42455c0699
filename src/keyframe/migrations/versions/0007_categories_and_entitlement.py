"""categories, category members and entries, groups, partner entitlement default

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): rebuilding ``partners`` on SQLite would lose its AUTOINCREMENT
    # sequence (partner ids start at 100). The server defaults fill existing rows.
    op.add_column(
        "partners",
        sa.Column("default_entitlement_enforcement", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("users", sa.Column("type", sa.Integer(), nullable=False, server_default="0"))

    op.create_table(
        "categories",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("full_name", sa.String(length=2048), nullable=False),
        sa.Column("full_ids", sa.String(length=1024), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("privacy_context", sa.String(length=1024), nullable=False),
        sa.Column("privacy_contexts", sa.Text(), nullable=False),
        sa.Column("privacy", sa.Integer(), nullable=False),
        sa.Column("appear_in_list", sa.Integer(), nullable=False),
        sa.Column("contribution_policy", sa.Integer(), nullable=False),
        sa.Column("inheritance_type", sa.Integer(), nullable=False),
        sa.Column("inherited_parent_id", sa.Integer(), nullable=True),
        sa.Column("user_join_policy", sa.Integer(), nullable=False),
        sa.Column("default_permission_level", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=256), nullable=False),
        sa.Column("moderation", sa.Boolean(), nullable=False),
        sa.Column("members_count", sa.Integer(), nullable=False),
        sa.Column("pending_members_count", sa.Integer(), nullable=False),
        sa.Column("entries_count", sa.Integer(), nullable=False),
        sa.Column("direct_entries_count", sa.Integer(), nullable=False),
        sa.Column("direct_sub_categories_count", sa.Integer(), nullable=False),
        sa.Column("pending_entries_count", sa.Integer(), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("reference_id", sa.String(length=512), nullable=False),
        sa.Column("partner_sort_value", sa.Integer(), nullable=False),
        sa.Column("partner_data", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("admin_tags", sa.Text(), nullable=False),
        sa.Column("default_order_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["categories.id"], name=op.f("fk_categories_parent_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_categories_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_categories")),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index("ix_categories_partner_parent", ["partner_id", "parent_id"], unique=False)
        batch_op.create_index("ix_categories_partner_full_name", ["partner_id", "full_name"], unique=False)
        batch_op.create_index("ix_categories_partner_reference", ["partner_id", "reference_id"], unique=False)

    op.create_table(
        "category_ancestors",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("ancestor_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ancestor_id"],
            ["categories.id"],
            name=op.f("fk_category_ancestors_ancestor_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_ancestors_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category_id", "ancestor_id", name=op.f("pk_category_ancestors")),
    )
    with op.batch_alter_table("category_ancestors", schema=None) as batch_op:
        batch_op.create_index("ix_category_ancestors_ancestor_id", ["ancestor_id"], unique=False)

    op.create_table(
        "category_contexts",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("context", sa.String(length=255), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_contexts_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category_id", "context", name=op.f("pk_category_contexts")),
    )
    with op.batch_alter_table("category_contexts", schema=None) as batch_op:
        batch_op.create_index("ix_category_contexts_partner_context", ["partner_id", "context"], unique=False)

    op.create_table(
        "category_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=False),
        sa.Column("permission_level", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("update_method", sa.Integer(), nullable=False),
        sa.Column("permission_names", sa.String(length=1024), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_users_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_category_users_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category_users")),
        sa.UniqueConstraint("category_id", "user_id", name="uq_category_users_category_user"),
    )
    with op.batch_alter_table("category_users", schema=None) as batch_op:
        batch_op.create_index(
            "ix_category_users_partner_user_status", ["partner_id", "user_id", "status"], unique=False
        )

    op.create_table(
        "category_entries",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=32), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("creator_user_id", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["categories.id"],
            name=op.f("fk_category_entries_category_id_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["media_entries.id"],
            name=op.f("fk_category_entries_entry_id_media_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category_id", "entry_id", name=op.f("pk_category_entries")),
    )
    with op.batch_alter_table("category_entries", schema=None) as batch_op:
        batch_op.create_index("ix_category_entries_entry_id", ["entry_id"], unique=False)

    op.create_table(
        "group_users",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.String(length=256), nullable=False),
        sa.Column("user_id", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name=op.f("fk_group_users_partner_id_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("partner_id", "group_id", "user_id", name=op.f("pk_group_users")),
    )
    with op.batch_alter_table("group_users", schema=None) as batch_op:
        batch_op.create_index("ix_group_users_partner_user", ["partner_id", "user_id"], unique=False)

    # The interim comma list is replaced by category_entries (no entry had categories before this).
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        batch_op.drop_column("categories_ids")


def downgrade() -> None:
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories_ids", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("media_entries", schema=None) as batch_op:
        batch_op.alter_column("categories_ids", server_default=None)
    for table, indexes in (
        ("group_users", ["ix_group_users_partner_user"]),
        ("category_entries", ["ix_category_entries_entry_id"]),
        ("category_users", ["ix_category_users_partner_user_status"]),
        ("category_contexts", ["ix_category_contexts_partner_context"]),
        ("category_ancestors", ["ix_category_ancestors_ancestor_id"]),
        (
            "categories",
            [
                "ix_categories_partner_reference",
                "ix_categories_partner_full_name",
                "ix_categories_partner_parent",
            ],
        ),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(name)
        op.drop_table(table)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("type")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("default_entitlement_enforcement")
