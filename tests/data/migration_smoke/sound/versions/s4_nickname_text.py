"""s4_nickname_text"""
import sqlalchemy as sa
from alembic import op

revision = "s4_nickname_text"
down_revision = 's3_email_index'
migration_contract = "requires_maintenance_window"


def upgrade():
    op.alter_column("users", "nickname", type_=sa.Text, existing_type=sa.String(50))


def downgrade():
    op.alter_column("users", "nickname", type_=sa.String(50), existing_type=sa.Text)
