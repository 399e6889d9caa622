"""f2_total"""
import sqlalchemy as sa
from alembic import op

revision = "f2_total"
down_revision = 'f1_orders'
migration_contract = "safe_online"


def upgrade():
    op.add_column("orders", sa.Column("total", sa.Integer))


def downgrade():
    op.drop_column("orders", "total")
