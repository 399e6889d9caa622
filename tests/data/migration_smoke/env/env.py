"""The env.py every fixture tree shares: the URL from DATABASE_URL (or sqlalchemy.url), the
models from models.py beside the tree's alembic.ini, when there is one."""

import importlib.util
import os

from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
here = os.path.dirname(os.path.abspath(config.config_file_name))
target_metadata = None
models_file = os.path.join(here, "models.py")
if os.path.exists(models_file):
    spec = importlib.util.spec_from_file_location("fixture_models", models_file)
    models = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(models)
    target_metadata = models.metadata

if context.is_offline_mode():
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
