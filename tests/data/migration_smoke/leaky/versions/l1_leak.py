"""l1_leak"""
import sqlalchemy as sa
from alembic import op

revision = "l1_leak"
down_revision = None
migration_contract = "safe_online"


def upgrade():
    import os
    import sys

    url = os.environ["DATABASE_URL"]
    print("connecting to " + url, file=sys.stderr)
    raise RuntimeError("cannot migrate " + url)


def downgrade():
    pass
