"""s1_users"""
import sqlalchemy as sa
from alembic import op

revision = "s1_users"
down_revision = None
migration_contract = "safe_online"


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("email", sa.String(200), nullable=False), sa.Column("legacy", sa.String(20)))


def downgrade():
    op.drop_table("users")
