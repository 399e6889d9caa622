"""c03_owner_not_null"""
import sqlalchemy as sa
from alembic import op

revision = "c03_owner_not_null"
down_revision = 'c02_name_type'
migration_contract = "safe_online"


def upgrade():
    op.alter_column("accounts", "owner_id", nullable=False, existing_type=sa.Integer)


def downgrade():
    op.alter_column("accounts", "owner_id", nullable=True, existing_type=sa.Integer)
