"""c07_drop_plan"""
import sqlalchemy as sa
from alembic import op

revision = "c07_drop_plan"
down_revision = 'c06_plan_check'
migration_contract = "requires_maintenance_window"


def upgrade():
    op.drop_column("accounts", "plan")


def downgrade():
    op.add_column("accounts", sa.Column("plan", sa.Text))
    op.create_check_constraint("ck_accounts_plan", "accounts", "plan <> ''")
