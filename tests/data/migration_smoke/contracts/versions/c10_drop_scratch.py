"""c10_drop_scratch"""
import sqlalchemy as sa
from alembic import op

revision = "c10_drop_scratch"
down_revision = 'c09_rename_owners'
migration_contract = "requires_maintenance_window"


def upgrade():
    op.drop_table("scratch")


def downgrade():
    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))
