"""n2_drop_sessions"""
from alembic import op

revision = "n2_drop_sessions"
down_revision = "n1_accounts"
migration_contract = "destructive"
no_downgrade = "the sessions are gone with their rows; restore from the nightly snapshot"


def upgrade():
    op.drop_table("legacy_sessions")


def downgrade():
    # Declared away: the stairway must not run this and then upgrade again (the table is gone),
    # and the walk back to base must not go through it to n1's downgrade.
    pass
