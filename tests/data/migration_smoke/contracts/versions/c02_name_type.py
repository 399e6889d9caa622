"""c02_name_type"""
import sqlalchemy as sa
from alembic import op

revision = "c02_name_type"
down_revision = 'c01_accounts'
migration_contract = "safe_online"


def upgrade():
    op.alter_column("accounts", "name", type_=sa.Text, existing_type=sa.String(50))


def downgrade():
    op.alter_column("accounts", "name", type_=sa.String(50), existing_type=sa.Text)
