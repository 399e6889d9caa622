"""s5_drop_legacy"""
import sqlalchemy as sa
from alembic import op

revision = "s5_drop_legacy"
down_revision = 's4_nickname_text'
migration_contract = "destructive"


def upgrade():
    op.drop_column("users", "legacy")


def downgrade():
    op.add_column("users", sa.Column("legacy", sa.String(20)))
