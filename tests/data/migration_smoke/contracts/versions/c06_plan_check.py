"""c06_plan_check"""
import sqlalchemy as sa
from alembic import op

revision = "c06_plan_check"
down_revision = 'c05_owner_fk'
migration_contract = "safe_online"


def upgrade():
    op.create_check_constraint("ck_accounts_plan", "accounts", "plan <> ''")


def downgrade():
    op.drop_constraint("ck_accounts_plan", "accounts", type_="check")
