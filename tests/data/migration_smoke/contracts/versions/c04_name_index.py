"""c04_name_index"""
import sqlalchemy as sa
from alembic import op

revision = "c04_name_index"
down_revision = 'c03_owner_not_null'
migration_contract = "safe_online"


def upgrade():
    op.create_index("ix_accounts_name", "accounts", ["name"])


def downgrade():
    op.drop_index("ix_accounts_name", table_name="accounts")
