"""backfill

Revision ID: c2
Revises: c1
"""
from alembic import op

revision = 'c2'
down_revision = 'c1'
branch_labels = None
depends_on = None
migration_contract = "requires_maintenance_window"
no_downgrade = "the backfill cannot be undone; restore from the snapshot"


def upgrade():
    op.execute("UPDATE users SET id = id")


def downgrade():
    pass
