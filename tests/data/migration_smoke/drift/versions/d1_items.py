"""d1_items"""
import sqlalchemy as sa
from alembic import op

revision = "d1_items"
down_revision = None
migration_contract = "safe_online"


def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("items")
