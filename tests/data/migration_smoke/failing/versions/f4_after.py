"""f4_after"""
import sqlalchemy as sa
from alembic import op

revision = "f4_after"
down_revision = 'f3_typo'
migration_contract = "safe_online"


def upgrade():
    op.add_column("orders", sa.Column("note", sa.Text))


def downgrade():
    op.drop_column("orders", "note")
