"""w1_items"""
import sqlalchemy as sa
from alembic import op

revision = "w1_items"
down_revision = None
migration_contract = "safe_online"


def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True), sa.Column("code", sa.Text))


def downgrade():
    op.drop_table("items")
