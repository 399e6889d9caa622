"""c11_over"""
import sqlalchemy as sa
from alembic import op

revision = "c11_over"
down_revision = 'c10_drop_scratch'
migration_contract = "destructive"


def upgrade():
    op.add_column("accounts", sa.Column("note", sa.Text))


def downgrade():
    op.drop_column("accounts", "note")
