"""Alembic environment: the database URL comes from the caller (``keyframe db upgrade``), never a file."""

from __future__ import annotations

from alembic import context

from keyframe.db import Base, make_engine
from keyframe.models import import_all_models

import_all_models()
config = context.config
url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")


def run_migrations_online() -> None:
    engine = make_engine(url) if url else None
    assert engine is not None, "no database URL given to the migrations"
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
