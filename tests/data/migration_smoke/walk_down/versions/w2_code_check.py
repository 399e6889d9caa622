"""w2_code_check"""
from alembic import op

revision = "w2_code_check"
down_revision = "w1_items"
migration_contract = "requires_maintenance_window"


def upgrade():
    op.create_check_constraint("ck_items_code", "items", "code <> ''")


def downgrade():
    op.drop_constraint("ck_items_code", "items", type_="check")
