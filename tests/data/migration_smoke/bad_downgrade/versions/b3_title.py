"""b3_title"""
import sqlalchemy as sa
from alembic import op

revision = "b3_title"
down_revision = 'b2_body'
migration_contract = "safe_online"


def upgrade():
    op.add_column("notes", sa.Column("title", sa.Text))


def downgrade():
    op.drop_column("notes", "title")
