"""s3_email_index"""
import sqlalchemy as sa
from alembic import op

revision = "s3_email_index"
down_revision = 's2_nickname'
migration_contract = "safe_online"


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)


def downgrade():
    with op.get_context().autocommit_block():
        op.drop_index("ix_users_email", table_name="users", postgresql_concurrently=True)
