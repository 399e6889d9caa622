"""b1_notes"""
import sqlalchemy as sa
from alembic import op

revision = "b1_notes"
down_revision = None
migration_contract = "safe_online"


def upgrade():
    op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("notes")
