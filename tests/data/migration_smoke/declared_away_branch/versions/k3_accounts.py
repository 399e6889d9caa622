"""k3_accounts: the other branch from k1; `downgrade k1_sessions` would take k2 down too"""
import sqlalchemy as sa
from alembic import op

revision = "k3_accounts"
down_revision = "k1_sessions"
migration_contract = "safe_online"


def upgrade():
    op.create_table("accounts", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("accounts")
