"""c01_accounts"""
import sqlalchemy as sa
from alembic import op

revision = "c01_accounts"
down_revision = None
migration_contract = "safe_online"


def upgrade():
    op.create_table("accounts", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)), sa.Column("owner_id", sa.Integer), sa.Column("plan", sa.Text))
    op.create_table("owners", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table("scratch", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("scratch")
    op.drop_table("owners")
    op.drop_table("accounts")
