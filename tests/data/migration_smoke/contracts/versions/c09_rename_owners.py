"""c09_rename_owners"""
import sqlalchemy as sa
from alembic import op

revision = "c09_rename_owners"
down_revision = 'c08_rename_name'
migration_contract = "safe_online"


def upgrade():
    op.rename_table("owners", "people")


def downgrade():
    op.rename_table("people", "owners")
