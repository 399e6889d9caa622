"""w3_drop_code"""
import sqlalchemy as sa
from alembic import op

revision = "w3_drop_code"
down_revision = "w2_code_check"
migration_contract = "destructive"


def upgrade():
    op.drop_column("items", "code")


def downgrade():
    # Brings the column back without its check constraint: w2's downgrade then finds none to
    # drop. Each downgrade works right after its own upgrade (the stairway), not in a row.
    op.add_column("items", sa.Column("code", sa.Text))
