"""c05_owner_fk"""
import sqlalchemy as sa
from alembic import op

revision = "c05_owner_fk"
down_revision = 'c04_name_index'
migration_contract = "safe_online"


def upgrade():
    op.create_foreign_key("fk_accounts_owner", "accounts", "owners", ["owner_id"], ["id"])


def downgrade():
    op.drop_constraint("fk_accounts_owner", "accounts", type_="foreignkey")
