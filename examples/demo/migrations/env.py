"""Alembic's environment for the drafts service: the database from DATABASE_URL (or the
sqlalchemy.url option), the models' tables for `alembic check`, and offline mode for
`alembic upgrade --sql` (migration-smoke renders each revision's SQL that way)."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

from app.models import metadata

config = context.config
url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")

if context.is_offline_mode():
    context.configure(url=url, target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
