"""b2_body"""
import sqlalchemy as sa
from alembic import op

revision = "b2_body"
down_revision = 'b1_notes'
migration_contract = "safe_online"


def upgrade():
    op.add_column("notes", sa.Column("body", sa.Text))


def downgrade():
    # Forgot to drop the column: the stairway's second upgrade finds it still there.
    op.execute("SELECT 1")
