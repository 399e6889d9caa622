"""c08_rename_name"""
import sqlalchemy as sa
from alembic import op

revision = "c08_rename_name"
down_revision = 'c07_drop_plan'
migration_contract = "safe_online"


def upgrade():
    op.alter_column("accounts", "name", new_column_name="title")


def downgrade():
    op.alter_column("accounts", "title", new_column_name="name")
