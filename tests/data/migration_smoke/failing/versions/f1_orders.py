"""f1_orders"""
import sqlalchemy as sa
from alembic import op

revision = "f1_orders"
down_revision = None
migration_contract = "safe_online"


def upgrade():
    op.create_table("orders", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("orders")
