"""n3_nickname"""
import sqlalchemy as sa
from alembic import op

revision = "n3_nickname"
down_revision = "n2_drop_sessions"
migration_contract = "safe_online"


def upgrade():
    op.add_column("accounts", sa.Column("nickname", sa.Text))


def downgrade():
    op.drop_column("accounts", "nickname")
