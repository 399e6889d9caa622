"""n1_accounts"""
import sqlalchemy as sa
from alembic import op

revision = "n1_accounts"
down_revision = None
migration_contract = "safe_online"


def upgrade():
    op.create_table("accounts", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table("legacy_sessions", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("legacy_sessions")
    op.drop_table("accounts")
