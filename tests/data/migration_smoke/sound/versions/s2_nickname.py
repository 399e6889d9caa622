"""s2_nickname"""
import sqlalchemy as sa
from alembic import op

revision = "s2_nickname"
down_revision = 's1_users'
migration_contract = "safe_online"


def upgrade():
    op.add_column("users", sa.Column("nickname", sa.String(50)))


def downgrade():
    op.drop_column("users", "nickname")
