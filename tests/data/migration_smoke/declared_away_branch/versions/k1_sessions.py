"""k1_sessions"""
import sqlalchemy as sa
from alembic import op

revision = "k1_sessions"
down_revision = None
migration_contract = "safe_online"


def upgrade():
    op.create_table("legacy_sessions", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("legacy_sessions")
